"""Columns of the purchasing list pages' CSV exports (the columns each page shows)."""

from __future__ import annotations

from portal.shared.exports import Column, cell_time
from portal.shared.money import Money
from portal.shared.tables import csv_response


def _total(approval) -> str:
    checkout = approval.checkout
    return "" if checkout.estimated_total is None else str(checkout.estimated_total)


APPROVAL_COLUMNS = (
    Column("Customer", lambda a: a.checkout.customer.company_name),
    Column("Requested by", lambda a: a.requested_by.get_username() if a.requested_by else ""),
    Column("When", lambda a: cell_time(a.requested_at)),
    Column("Estimated total", _total),
    Column("Currency", lambda a: a.checkout.currency),
    Column("Why", lambda a: " ".join(a.reasons)),
    Column("State", lambda a: a.get_state_display()),
    Column("Decided by", lambda a: a.decided_by.get_username() if a.decided_by else ""),
)


OPEN_CART_COLUMNS = (
    Column("Customer", lambda c: c.customer.company_name),
    Column("Lines", lambda c: c.line_count),
    Column("Started by", lambda c: c.created_by.get_username() if c.created_by else ""),
    Column("Last change", lambda c: cell_time(c.updated_at)),
    Column("Partner Center cart", lambda c: c.pc_cart_id),
)

CHECKOUT_COLUMNS = (
    Column("Customer", lambda c: c.customer.company_name),
    Column("State", lambda c: c.get_state_display()),
    Column("Requested by", lambda c: c.requested_by.get_username() if c.requested_by else ""),
    Column("When", lambda c: cell_time(c.created_at)),
    Column("MS-RequestId", lambda c: c.ms_request_id),
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
        ["order id", "alternate id", "customer", "created", "billing cycle", "currency",
         "status", "sync", "source", "lines", "expected cost", "resale", "placed by"],
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
        ["customer", "type", "product", "sku", "title", "quantity", "order", "expiry",
         "reservation order", "scope", "region", "term"],
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
    Column("Item", lambda ln: ln.title),
    Column("Catalog item id", lambda ln: ln.catalog_item_id),
    Column("Billing", lambda ln: ln.billing_cycle),
    Column("Term", lambda ln: ln.term_duration),
    Column("Provisioning", _context),
    Column("Quantity", lambda ln: ln.quantity),
    Column("Unit price", lambda ln: _money(ln.unit_price)),
    Column("Line total", lambda ln: _money(ln.line_total)),
    Column("Resale price", lambda ln: _money(ln.resale.amount)),
    Column("Resale total", lambda ln: _money(ln.resale_total)),
    Column("Currency", lambda ln: ln.currency),
    Column(
        "Resale currency", lambda ln: ln.resale.currency if ln.resale.amount is not None else ""
    ),
    Column("Order group", lambda ln: ln.order_group),
)

# An order's lines (order page).
ORDER_LINE_COLUMNS = (
    Column("#", lambda ln: ln.line_number),
    Column("Item", lambda ln: ln.friendly_name),
    Column("Offer / catalog item id", lambda ln: ln.offer_id),
    Column("Term", lambda ln: ln.term_duration),
    Column("Subscription", lambda ln: ln.subscription_id or ""),
    Column("Subscription status", lambda ln: ln.subscription_status),
    Column("Provisioning", lambda ln: ln.provisioning_status),
    Column("Quantity", lambda ln: ln.quantity),
    Column("Unit price", lambda ln: _money(ln.unit_price)),
    Column("Line total", lambda ln: _money(ln.line_total)),
    Column("Resale price", lambda ln: _money(ln.resale_unit_price)),
    Column("Resale total", lambda ln: _money(ln.resale_total)),
    Column("Currency", lambda ln: ln.currency or ln.order.currency),
    Column("Resale rule", lambda ln: ln.resale_rule),
)

# The orders a checkout created (checkout page).
CHECKOUT_ORDER_COLUMNS = (
    Column("Order", lambda o: o.pc_order_id),
    Column("Group", lambda o: o.order_group),
    Column("Billing", lambda o: o.billing_cycle),
    Column(
        "Lines", lambda o: "; ".join(f"{ln.quantity} x {ln.friendly_name}" for ln in o.lines.all())
    ),
    Column("Partner Center status", lambda o: o.status),
    Column("Sync", lambda o: o.sync_state),
)

# The signed-in user's notifications (unread, or all with ?show=all).
NOTIFICATION_COLUMNS = (
    Column("When", lambda n: cell_time(n.created_at)),
    Column("Message", lambda n: n.message),
    Column("Read", lambda n: cell_time(n.read_at)),
    Column("Link", lambda n: n.url),
)
