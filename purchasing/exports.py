"""Columns of the purchasing list pages' CSV exports (the columns each page shows)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _l

from portal.shared.exports import Column, cell_time
from portal.shared.money import Money
from portal.shared.tables import csv_response


def _total(approval) -> str:
    checkout = approval.checkout
    return "" if checkout.estimated_total is None else str(checkout.estimated_total)


APPROVAL_COLUMNS = (
    Column(gettext_lazy("Customer"), lambda a: a.checkout.customer.company_name),
    Column(
        gettext_lazy("Requested by"),
        lambda a: a.requested_by.get_username() if a.requested_by else "",
    ),
    Column(gettext_lazy("When"), lambda a: cell_time(a.requested_at)),
    Column(gettext_lazy("Estimated total"), _total),
    Column(gettext_lazy("Currency"), lambda a: a.checkout.currency),
    Column(gettext_lazy("Why"), lambda a: " ".join(a.reasons)),
    Column(gettext_lazy("State"), lambda a: a.get_state_display()),
    Column(
        gettext_lazy("Decided by"), lambda a: a.decided_by.get_username() if a.decided_by else ""
    ),
)


OPEN_CART_COLUMNS = (
    Column(gettext_lazy("Customer"), lambda c: c.customer.company_name),
    Column(gettext_lazy("Lines"), lambda c: c.line_count),
    Column(
        gettext_lazy("Started by"), lambda c: c.created_by.get_username() if c.created_by else ""
    ),
    Column(gettext_lazy("Last change"), lambda c: cell_time(c.updated_at)),
    Column(gettext_lazy("Partner Center cart"), lambda c: c.pc_cart_id),
)

CHECKOUT_COLUMNS = (
    Column(gettext_lazy("Customer"), lambda c: c.customer.company_name),
    Column(gettext_lazy("State"), lambda c: c.get_state_display()),
    Column(
        gettext_lazy("Requested by"),
        lambda c: c.requested_by.get_username() if c.requested_by else "",
    ),
    Column(gettext_lazy("When"), lambda c: cell_time(c.created_at)),
    Column(gettext_lazy("MS-RequestId"), lambda c: c.ms_request_id),
)


def _amount(value, currency: str) -> str:
    """An amount for a CSV cell, in its currency's decimals (SQLite and PostgreSQL alike)."""
    if value is None:
        return ""
    return str(Money(value, currency).quantized()) if currency else str(value)


def orders_csv(orders):
    """The orders list as CSV (``orders`` filtered and sorted like the page)."""
    return csv_response(
        "orders.csv",
        [_l("order id"), _l("alternate id"), _l("customer"), _l("created"), _l("billing cycle"), _l("currency"),
         _l("status"), _l("sync"), _l("source"), _l("lines"), _l("expected cost"), _l("resale"), _l("placed by")],
        (
            [o.pc_order_id, o.alternate_id, o.customer.company_name, o.created_at.isoformat(),
             o.billing_cycle, o.currency, o.status, o.sync_state, o.source, o.line_count,
             "" if o.total_price is None else str(o.total_price),
             _amount(o.resale_total, o.currency),
             o.placed_by.get_username() if o.placed_by else ""]
            for o in orders.iterator(chunk_size=500)
        ),
    )  # fmt: skip


def entitlements_csv(entitlements):
    """The entitlements list as CSV (``entitlements`` filtered and sorted like the page)."""
    return csv_response(
        "entitlements.csv",
        [_l("customer"), _l("type"), _l("product"), _l("sku"), _l("title"), _l("quantity"), _l("order"), _l("expiry"),
         _l("reservation order"), _l("scope"), _l("region"), _l("term")],
        (
            [e.customer.company_name, e.entitlement_type, e.product_id, e.sku_id, e.title,
             e.quantity, e.pc_order_id, e.expiry_date.date().isoformat() if e.expiry_date else "",
             "; ".join(r.reservation_order_id for r in e.reservations.all()),
             "; ".join(r.scope_type for r in e.reservations.all()),
             "; ".join(r.region for r in e.reservations.all()),
             "; ".join(r.term for r in e.reservations.all())]
            for e in entitlements
        ),
    )  # fmt: skip


def _money(value) -> str:
    return "" if value is None else str(value)


def _context(line) -> str:
    return "; ".join(f"{k}: {v}" for k, v in (line.provisioning_context or {}).items())


# A cart's lines (the cart and review pages show the same columns).
CART_LINE_COLUMNS = (
    Column(gettext_lazy("Item"), lambda ln: ln.title),
    Column(gettext_lazy("Catalog item id"), lambda ln: ln.catalog_item_id),
    Column(gettext_lazy("Billing"), lambda ln: ln.billing_cycle),
    Column(gettext_lazy("Term"), lambda ln: ln.term_duration),
    Column(gettext_lazy("Provisioning"), _context),
    Column(gettext_lazy("Quantity"), lambda ln: ln.quantity),
    Column(gettext_lazy("Unit price"), lambda ln: _money(ln.unit_price)),
    Column(gettext_lazy("Line total"), lambda ln: _money(ln.line_total)),
    Column(gettext_lazy("Resale price"), lambda ln: _money(ln.resale.amount)),
    Column(gettext_lazy("Resale total"), lambda ln: _money(ln.resale_total)),
    Column(gettext_lazy("Currency"), lambda ln: ln.currency),
    Column(
        "Resale currency", lambda ln: ln.resale.currency if ln.resale.amount is not None else ""
    ),
    Column(gettext_lazy("Order group"), lambda ln: ln.order_group),
)

# An order's lines (order page).
ORDER_LINE_COLUMNS = (
    Column(gettext_lazy("#"), lambda ln: ln.line_number),
    Column(gettext_lazy("Item"), lambda ln: ln.friendly_name),
    Column(gettext_lazy("Offer / catalog item id"), lambda ln: ln.offer_id),
    Column(gettext_lazy("Term"), lambda ln: ln.term_duration),
    Column(gettext_lazy("Subscription"), lambda ln: ln.subscription_id or ""),
    Column(gettext_lazy("Subscription status"), lambda ln: ln.subscription_status),
    Column(gettext_lazy("Provisioning"), lambda ln: ln.provisioning_status),
    Column(gettext_lazy("Quantity"), lambda ln: ln.quantity),
    Column(gettext_lazy("Unit price"), lambda ln: _money(ln.unit_price)),
    Column(gettext_lazy("Line total"), lambda ln: _money(ln.line_total)),
    Column(gettext_lazy("Resale price"), lambda ln: _money(ln.resale_unit_price)),
    Column(gettext_lazy("Resale total"), lambda ln: _money(ln.resale_total)),
    Column(gettext_lazy("Currency"), lambda ln: ln.currency or ln.order.currency),
    Column(gettext_lazy("Resale rule"), lambda ln: ln.resale_rule),
)

# The orders a checkout created (checkout page).
CHECKOUT_ORDER_COLUMNS = (
    Column(gettext_lazy("Order"), lambda o: o.pc_order_id),
    Column(gettext_lazy("Group"), lambda o: o.order_group),
    Column(gettext_lazy("Billing"), lambda o: o.billing_cycle),
    Column(
        "Lines", lambda o: "; ".join(f"{ln.quantity} x {ln.friendly_name}" for ln in o.lines.all())
    ),
    Column(gettext_lazy("Partner Center status"), lambda o: o.status),
    Column(gettext_lazy("Sync"), lambda o: o.sync_state),
)

# The signed-in user's notifications (unread, or all with ?show=all).
NOTIFICATION_COLUMNS = (
    Column(gettext_lazy("When"), lambda n: cell_time(n.created_at)),
    Column(gettext_lazy("Message"), lambda n: n.message),
    Column(gettext_lazy("Read"), lambda n: cell_time(n.read_at)),
    Column(gettext_lazy("Link"), lambda n: n.url),
)
