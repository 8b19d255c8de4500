"""The billing headline is per currency: an open invoice in GBP or EUR is never hidden behind the
account balance's "0.00 USD"."""

import re

import pytest

from billing.models import Invoice
from tests.billing.conftest import sync_invoices

pytestmark = pytest.mark.django_db


def _row(page: str, currency: str) -> str:
    table = page[page.index('id="balances"') :]
    table = table[: table.index("</table>")]
    match = re.search(rf"<tr><td>{currency}</td>.*?</tr>", table, re.S)
    assert match, f"no {currency} row in the balance table"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def test_open_invoices_in_every_currency_show_in_the_headline(sandbox, finance_client):
    from billing.services.balances import balance_refresh

    sync_invoices()
    balance_refresh()  # app-only: the account balance (USD), no per-currency summaries
    open_by_currency: dict[str, list[Invoice]] = {}
    for invoice in Invoice.objects.filter(is_active=True):
        if invoice.status == Invoice.Status.OPEN:
            open_by_currency.setdefault(invoice.currency, []).append(invoice)
    assert {"GBP", "EUR"} <= set(open_by_currency)

    page = finance_client.get("/billing/").content.decode()
    for currency, invoices in open_by_currency.items():
        row = _row(page, currency)
        due = sum(i.balance_due for i in invoices)
        assert f"{len(invoices)} open" in row
        assert f"{due:,.2f}" in row, row
    assert "not reported" in _row(page, "GBP")
    assert "?status=open&amp;currency=GBP" in page

    dashboard = finance_client.get("/").content.decode()
    panel = dashboard[dashboard.index('id="panel-balances"') :]
    assert "GBP" in panel[: panel.index("</ul>")] and "EUR" in panel[: panel.index("</ul>")]


def test_reported_balances_per_currency(sandbox, pc_user_connection, finance_client):
    from billing.models import InvoiceSummary
    from billing.services.balances import balance_refresh

    sync_invoices()
    balance_refresh()
    page = finance_client.get("/billing/").content.decode()
    for summary in InvoiceSummary.objects.filter(is_current=True):
        assert f"{summary.balance_amount:,.2f}" in _row(page, summary.currency)
