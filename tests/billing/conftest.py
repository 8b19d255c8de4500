"""Billing fixtures: fast retries, MEDIA_ROOT in tmp_path, and a reconciliation scenario built
from real sandbox orders (billed with price/quantity perturbations) mirrored as portal orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import pytest


@pytest.fixture(autouse=True)
def _billing_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PARTNER_CENTER_MAX_RETRIES = 0
    settings.BILLING_STATEMENT_RETRY_BASE_SECONDS = 0.2
    settings.BILLING_STATEMENT_MAX_ATTEMPTS = 3


def sync_invoices():
    from billing.services.invoices import invoice_sync_all

    return invoice_sync_all(queue_statements=False)


def import_lines(invoice, **kw):
    from billing.services.lines import line_import_run, line_import_start

    imp = line_import_start(invoice=invoice, queue=False, restart=kw.pop("restart", False))
    return line_import_run(import_id=imp.pk, **kw)


@dataclass
class Scenario:
    invoice: object
    unit: dict = field(default_factory=dict)  # name -> expected unit price (Decimal)
    orders: dict = field(default_factory=dict)  # name -> local Order
    pc_ids: dict = field(default_factory=dict)  # name -> PC order id


SOFTWARE = [("DG7GMGF0DWTL", "0001"), ("DG7GMGF0FKZV", "0001")]


def _catalog_item(client, product_id, sku_id):
    availability = next(iter(client.list_availabilities(product_id, sku_id, "US")))
    return availability.catalog_item_id


@pytest.fixture
def recon_scenario(sandbox, pc_user_connection):
    """Six portal orders for a US customer, billed into one USD invoice:

    ``matched`` (as ordered), ``amount`` (billed at 110% of the price), ``quantity`` (one more
    billed than ordered), ``fallback`` (the portal recorded another order id; same
    customer/product/SKU/quantity), ``unbilled`` (kept off the invoice) and one extra line the
    portal never ordered. Expected unit prices come from the sandbox price sheet.
    """
    from billing.models import Invoice
    from portal.models import Customer
    from portal.partner_center.client import get_client
    from purchasing.models import Order, OrderLine

    client = get_client()
    # The seeded US customer (Contoso).
    from partnercenter.sandbox.seed import customer_id

    tenant = customer_id("contoso")
    customer, _ = Customer.objects.get_or_create(
        tenant_id=tenant,
        defaults={"company_name": "Contoso", "country": "US", "currency": "USD"},
    )
    prices = {
        (row.product_id, row.sku_id): row.unit_price
        for row in client.get_price_sheet("US", "software")
        if row.unit_price is not None
    }
    plan = {
        "matched": (SOFTWARE[0], 2),
        "amount": (SOFTWARE[0], 3),
        "quantity": (SOFTWARE[1], 2),
        "fallback": (SOFTWARE[1], 5),
        "unbilled": (SOFTWARE[0], 1),
    }
    scenario = Scenario(invoice=None)
    for name, ((pid, sid), qty) in plan.items():
        item = _catalog_item(client, pid, sid)
        pc_order = sandbox.create_external_order(
            tenant, [{"catalog_item_id": item, "quantity": qty}]
        )
        unit = prices[(pid, sid)]
        scenario.unit[name] = unit
        scenario.pc_ids[name] = pc_order["id"]
        local_id = pc_order["id"] if name != "fallback" else "portal-recorded-other-id"
        order = Order.objects.create(
            pc_order_id=local_id,
            customer=customer,
            billing_cycle="one_time",
            currency="USD",
            status="completed",
            created_at=datetime.fromisoformat(pc_order["creationDate"].replace("Z", "+00:00")),
        )
        OrderLine.objects.create(
            order=order,
            line_number=0,
            offer_id=item,
            product_id=pid,
            sku_id=sid,
            friendly_name=f"{name} {pid}",
            quantity=qty,
            unit_price=unit,
            extended_price=unit * qty,
        )
        scenario.orders[name] = order
    sandbox.advance_clock(60)
    created = sandbox.generate_invoice(
        currency="USD",
        adjust={
            scenario.pc_ids["amount"]: {"unit_price_factor": "1.1"},
            scenario.pc_ids["quantity"]: {"quantity_delta": 1},
        },
        extra_lines=1,
        exclude_orders=[scenario.pc_ids["unbilled"]],
    )
    assert len(created) == 1
    sync_invoices()
    scenario.invoice = Invoice.objects.get(invoice_id=created[0]["id"])
    import_lines(scenario.invoice)
    return scenario


def money(value: str) -> Decimal:
    return Decimal(value)


def make_invoice(sandbox, *, extra_lines: int = 0, quantity: int = 1):
    """Bill one fresh sandbox order (plus ``extra_lines`` lines the portal never ordered) into a
    new USD invoice, sync it, and return the portal's ``Invoice``."""
    from billing.models import Invoice
    from partnercenter.sandbox.seed import customer_id
    from portal.partner_center.client import get_client

    item = _catalog_item(get_client(), *SOFTWARE[0])
    sandbox.create_external_order(
        customer_id("contoso"), [{"catalog_item_id": item, "quantity": quantity}]
    )
    sandbox.advance_clock(60)
    created = sandbox.generate_invoice(currency="USD", extra_lines=extra_lines)
    sync_invoices()
    return Invoice.objects.get(invoice_id=created[0]["id"])


@pytest.fixture
def unmirrored_invoice(sandbox) -> str:
    """A one-time invoice with 4 lines that exists in Partner Center but not in the portal."""
    from billing.models import Invoice
    from partnercenter.sandbox.seed import customer_id
    from portal.partner_center.client import get_client

    item = _catalog_item(get_client(), *SOFTWARE[0])
    sandbox.create_external_order(
        customer_id("contoso"), [{"catalog_item_id": item, "quantity": 2}]
    )
    sandbox.advance_clock(60)
    created = sandbox.generate_invoice(currency="USD", extra_lines=3)
    assert not Invoice.objects.filter(invoice_id=created[0]["id"]).exists()
    return created[0]["id"]


# -- customer charge statements ---------------------------------------------------------------

RESELLER = "Fabrikam Cloud Resale Ltd."


@pytest.fixture
def reseller(settings):
    """The reseller printed on customer statements."""
    settings.STATEMENT_RESELLER_NAME = RESELLER
    settings.STATEMENT_RESELLER_ADDRESS = "12 Harbour Road|Wan Chai, Hong Kong"


@pytest.fixture
def charges(sandbox, finance_user, reseller):
    """Contoso (USD) with a 10 % markup rule and, this month: an invoice billing a portal order
    whose line recorded resale price 4321.00, and an order bought outside the portal (priced by
    the rule); plus one unbilled order outside the portal."""
    from datetime import UTC, timedelta

    from billing.models import Invoice
    from billing.services.lines import line_import_run
    from billing.services.unbilled import unbilled_import_start
    from catalog.pricing.services import markup_rule_create
    from partnercenter.sandbox.seed import customer_id
    from portal.models import Customer
    from portal.partner_center.client import get_client
    from purchasing.models import Order, OrderLine

    client = get_client()
    tenant = customer_id("contoso")
    customer, _ = Customer.objects.get_or_create(
        tenant_id=tenant, defaults={"company_name": "Contoso", "country": "US", "currency": "USD"}
    )
    rule = markup_rule_create(
        actor=finance_user,
        data={"description": "Standard", "kind": "percent", "value": Decimal(10), "currency": "",
              "effective_from": datetime.now(UTC).date() - timedelta(days=400)},
    )  # fmt: skip
    item = _catalog_item(client, *SOFTWARE[0])
    portal_order = sandbox.create_external_order(tenant, [{"catalog_item_id": item, "quantity": 2}])
    outside = sandbox.create_external_order(tenant, [{"catalog_item_id": item, "quantity": 1}])
    order = Order.objects.create(
        pc_order_id=portal_order["id"], customer=customer, billing_cycle="one_time",
        currency="USD", status="completed",
        created_at=datetime.fromisoformat(portal_order["creationDate"].replace("Z", "+00:00")),
    )  # fmt: skip
    OrderLine.objects.create(
        order=order, line_number=0, offer_id=item, product_id=SOFTWARE[0][0],
        sku_id=SOFTWARE[0][1], quantity=2, currency="USD", resale_unit_price=Decimal("4321.00"),
        resale_rule="#0 recorded at checkout",
    )  # fmt: skip
    sandbox.advance_clock(60)
    (invoiced,) = sandbox.generate_invoice(currency="USD")
    sync_invoices()
    invoice = Invoice.objects.get(invoice_id=invoiced["id"])
    import_lines(invoice)
    unbilled = sandbox.create_external_order(tenant, [{"catalog_item_id": item, "quantity": 3}])
    sandbox.advance_clock(60)
    imp = unbilled_import_start(currency="USD", queue=False)
    line_import_run(import_id=imp.pk)
    return {"customer": customer, "rule": rule, "invoice": invoice, "portal": portal_order,
            "outside": outside, "unbilled": unbilled, "month": invoice.invoice_date.date().replace(day=1)}  # fmt: skip
