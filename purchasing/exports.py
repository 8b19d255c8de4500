"""Columns of the purchasing list pages' CSV exports (the columns each page shows)."""

from __future__ import annotations

from portal.shared.exports import Column, cell_time


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
