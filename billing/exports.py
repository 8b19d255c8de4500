"""Columns of the finance list pages' CSV exports (the columns each page shows)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from billing import selectors
from portal.shared.exports import Column, cell_date, cell_time


def _statement(invoice) -> str:
    statement = getattr(invoice, "statement", None)
    return statement.get_state_display() if statement else ""


def _reconciled(invoice) -> str:
    run = getattr(invoice, "recon_run", None)
    return cell_time(run.ran_at) if run else ""


INVOICE_COLUMNS = (
    Column(gettext_lazy("Invoice"), lambda i: i.invoice_id),
    Column(gettext_lazy("Date"), lambda i: cell_date(i.invoice_date)),
    Column(gettext_lazy("Billing period start"), lambda i: cell_date(i.period_start)),
    Column(gettext_lazy("Billing period end"), lambda i: cell_date(i.period_end)),
    Column(gettext_lazy("Type"), lambda i: i.type_label),
    Column(gettext_lazy("Currency"), lambda i: i.currency),
    Column(gettext_lazy("Total"), lambda i: i.total_charges),
    Column(gettext_lazy("Balance due"), lambda i: i.balance_due),
    Column(gettext_lazy("Status"), lambda i: i.status),
    Column(gettext_lazy("Statement"), _statement),
    Column(gettext_lazy("Reconciled"), _reconciled),
)


def _count(klass: str):
    return lambda row: row["counts"].get(klass, 0) if row["run"] else ""


RECONCILIATION_COLUMNS = (
    Column(gettext_lazy("Invoice"), lambda r: r["invoice"].invoice_id),
    Column(gettext_lazy("Date"), lambda r: cell_date(r["invoice"].invoice_date)),
    Column(gettext_lazy("Currency"), lambda r: r["invoice"].currency),
    Column(gettext_lazy("Total"), lambda r: r["invoice"].total_charges),
    Column(
        gettext_lazy("Last run"),
        lambda r: cell_time(r["run"].ran_at) if r["run"] else "not reconciled yet",
    ),
    Column(gettext_lazy("Matched"), _count("matched")),
    Column(gettext_lazy("Not comparable"), _count("not_comparable")),
    Column(
        "Mismatches",
        lambda r: (
            r["counts"].get("amount_mismatch", 0) + r["counts"].get("quantity_mismatch", 0)
            if r["run"]
            else ""
        ),
    ),
    Column(gettext_lazy("Billed, not ordered"), _count("billed_not_ordered")),
    Column(gettext_lazy("Ordered, not billed"), _count("ordered_not_billed")),
)


def reconciliation_rows(invoices):
    """Overview rows (invoice, its last run, counts per class) for the page and its export."""
    for invoice in invoices:
        run = getattr(invoice, "recon_run", None)
        yield {"invoice": invoice, "run": run, "counts": selectors.recon_counts(run)}
