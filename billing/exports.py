"""Columns of the finance list pages' CSV exports (the columns each page shows)."""

from __future__ import annotations

from billing import selectors
from portal.shared.exports import Column, cell_date, cell_time


def _statement(invoice) -> str:
    statement = getattr(invoice, "statement", None)
    return statement.get_state_display() if statement else ""


def _reconciled(invoice) -> str:
    run = getattr(invoice, "recon_run", None)
    return cell_time(run.ran_at) if run else ""


INVOICE_COLUMNS = (
    Column("Invoice", lambda i: i.invoice_id),
    Column("Date", lambda i: cell_date(i.invoice_date)),
    Column("Billing period start", lambda i: cell_date(i.period_start)),
    Column("Billing period end", lambda i: cell_date(i.period_end)),
    Column("Type", lambda i: i.type_label),
    Column("Currency", lambda i: i.currency),
    Column("Total", lambda i: i.total_charges),
    Column("Balance due", lambda i: i.balance_due),
    Column("Status", lambda i: i.status),
    Column("Statement", _statement),
    Column("Reconciled", _reconciled),
)


def _count(klass: str):
    return lambda row: row["counts"].get(klass, 0) if row["run"] else ""


RECONCILIATION_COLUMNS = (
    Column("Invoice", lambda r: r["invoice"].invoice_id),
    Column("Date", lambda r: cell_date(r["invoice"].invoice_date)),
    Column("Currency", lambda r: r["invoice"].currency),
    Column("Total", lambda r: r["invoice"].total_charges),
    Column("Last run", lambda r: cell_time(r["run"].ran_at) if r["run"] else "not reconciled yet"),
    Column("Matched", _count("matched")),
    Column("Not comparable", _count("not_comparable")),
    Column(
        "Mismatches",
        lambda r: (
            r["counts"].get("amount_mismatch", 0) + r["counts"].get("quantity_mismatch", 0)
            if r["run"]
            else ""
        ),
    ),
    Column("Billed, not ordered", _count("billed_not_ordered")),
    Column("Ordered, not billed", _count("ordered_not_billed")),
)


def reconciliation_rows(invoices):
    """Overview rows (invoice, its last run, counts per class) for the page and its export."""
    for invoice in invoices:
        run = getattr(invoice, "recon_run", None)
        yield {"invoice": invoice, "run": run, "counts": selectors.recon_counts(run)}
