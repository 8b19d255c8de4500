"""The finance dashboard's spend tables (one per currency) download as CSV with the headers and
rows the panel shows, for finance only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from tests.purchasing.test_panel_csv import _csv, _page


def _invoice(invoice_id: str, currency: str, amount: str) -> None:
    Invoice.objects.create(
        invoice_id=invoice_id, currency=currency, total_charges=Decimal(amount),
        invoice_type="onetime", synced_at=timezone.now(), invoice_date=timezone.now(),
    )  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_each_currency_table_downloads_as_shown(finance_client, language):
    _invoice("G000001", "USD", "1234.50")
    _invoice("G000002", "EUR", "99")
    finance_client.cookies["django_language"] = language
    page = _page(finance_client)
    assert set(page.links) == {"spend-USD", "spend-EUR"}
    for currency in ("USD", "EUR"):
        rows = _csv(finance_client, page.links[f"spend-{currency}"])
        shown = [t for t in page.tables if t and t[0] == rows[0]]
        assert shown, (currency, rows[0], [t[0] for t in page.tables])
        assert rows[1:] == shown[0][1:] and len(rows) == 13
    usd = _csv(finance_client, page.links["spend-USD"])
    assert "1,234.50" in usd[-1][1]


@pytest.mark.django_db
def test_roles_that_do_not_see_the_spend_panel_get_403(
    sales_client, admin_client_portal, finance_client
):
    _invoice("G000001", "USD", "10")
    url = reverse("billing:spend_csv", args=["USD"])
    assert sales_client.get(url).status_code == 403
    assert admin_client_portal.get(url).status_code == 403
    assert finance_client.get(reverse("billing:spend_csv", args=["JPY"])).status_code == 404
