"""The demo's purchases and the invoice that bills them, so reconciliation shows every class.

The Taiwanese customer (台灣富百科股份有限公司, TWD) buys through the portal's own cart and
checkout, as a salesperson would, so the
portal records the price-sheet price it expected for each line; one more order is placed in
Partner Center directly (the portal mirrors it without a price). The sandbox then bills them into
one invoice with a price 10% over the sheet, one unit more than ordered, one order left off and one
line nobody ordered through the portal:

==================  ==================================================
matched             SUSE support x2, billed as ordered
amount_mismatch     Windows Server x8, billed at 110% of the price
quantity_mismatch   SUSE support x3, billed for 4
ordered_not_billed  Windows Server x10, not on the invoice
not_comparable      SUSE support x4 ordered in Partner Center: no price
billed_not_ordered  one extra line on the invoice
==================  ==================================================
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from billing.models import Invoice
from billing.services.invoices import invoice_sync_all
from billing.services.lines import line_import_run, line_import_start
from billing.services.reconciliation import reconciliation_run
from catalog.models import Availability
from demo.sandbox import SandboxControl
from portal.models import Customer
from portal.shared.errors import PortalError
from purchasing.models import Order
from purchasing.services.cart import LineInput, cart_add_line
from purchasing.services.checkout import checkout_submit
from purchasing.services.orders import orders_sync

SUSE = "SUSE Linux Enterprise Server Priority - 1-2 vCPU VM Support"
WINDOWS = "Windows Server 2022 Standard - 2 Core License Pack - 1 year"
# name -> (SKU title, quantity) of the orders placed through the portal
PORTAL_ORDERS = {
    "matched": (SUSE, 2),
    "amount": (WINDOWS, 8),
    "quantity": (SUSE, 3),
    "unbilled": (WINDOWS, 10),
}
EXTERNAL_QUANTITY = 4


def _availability(title: str, country: str) -> Availability:
    availability = (
        Availability.objects.select_related("sku__product")
        .filter(country=country, segment="commercial", reservation_scope="", sku__title=title)
        .first()
    )
    if availability is None:
        raise PortalError(
            _("The %(country)s catalog has no “%(title)s”: sync the catalog first.")
            % {"country": country, "title": title}
        )
    return availability


def _add_line(customer: Customer, seller, title: str, quantity: int):
    availability = _availability(title, customer.country)
    terms = [t["duration"] for t in availability.terms]
    return cart_add_line(
        customer=customer,
        availability=availability,
        user=seller,
        data=LineInput(
            quantity=quantity, billing_cycle="one_time", term_duration=terms[0] if terms else ""
        ),
    )


def _buy(customer: Customer, seller, title: str, quantity: int) -> Order:
    line = _add_line(customer, seller, title, quantity)
    checkout = checkout_submit(cart_id=line.cart_id, user=seller, confirm_duplicates=True)
    order = Order.objects.filter(checkout=checkout).first()
    if order is None:
        raise PortalError(
            _("The demo order of %(quantity)s x %(title)s was not placed: %(checkout)s.")
            % {"quantity": quantity, "title": title, "checkout": checkout}
        )
    return order


def demo_billed_invoice(*, sandbox: SandboxControl, seller, customer: Customer) -> Invoice:
    """Place the demo orders, bill them into one invoice and import its lines (reconcile it once
    entitlements are synced, so the three-way match sees them)."""
    delays = sandbox.settings()
    # Orders complete and show in Partner Center's lists at once (the clock stays as it is).
    sandbox.configure(order_list_delay=0, order_completion_delay=0)
    try:
        orders = {
            name: _buy(customer, seller, title, quantity)
            for name, (title, quantity) in PORTAL_ORDERS.items()
        }
        suse = _availability(SUSE, customer.country).sku
        sandbox.external_order(
            str(customer.tenant_id),
            [
                {
                    "catalog_item_id": f"{suse.product.product_id}:{suse.sku_id}",
                    "quantity": EXTERNAL_QUANTITY,
                }
            ],
        )
    finally:
        sandbox.configure(
            order_list_delay=delays["order_list_delay"],
            order_completion_delay=delays["order_completion_delay"],
        )
    orders_sync(customer=customer)
    created = sandbox.bill(
        currency=customer.currency or "USD",
        customer_id=str(customer.tenant_id),
        adjust={
            orders["amount"].pc_order_id: {"unit_price_factor": "1.1"},
            orders["quantity"].pc_order_id: {"quantity_delta": 1},
        },
        extra_lines=1,
        exclude_orders=[orders["unbilled"].pc_order_id],
    )
    if not created:
        raise PortalError(_("The sandbox billed nothing for the demo orders."))
    invoice_sync_all(queue_statements=False)
    invoice = Invoice.objects.get(invoice_id=created[0]["id"])
    line_import_run(import_id=line_import_start(invoice=invoice, queue=False).pk)
    return invoice


def demo_reconcile(*, invoice: Invoice, actor) -> set[str]:
    """Reconcile the demo invoice; returns the classes its lines ended in."""
    run = reconciliation_run(invoice=invoice, actor=actor)
    return {row["klass"] for row in run.summary}


def demo_open_cart(*, seller, customer: Customer):
    """A cart in progress (priced in the customer's currency), as a salesperson leaves it."""
    return _add_line(customer, seller, SUSE, 1).cart
