"""Balance, summaries and the invoice mirror against the sandbox."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from billing.models import AccountBalance, Invoice, InvoiceSummary
from tests.billing.conftest import sync_invoices

pytestmark = pytest.mark.django_db


def test_balance_without_sign_in_stores_balance_and_warns(sandbox):
    from billing.services.balances import balance_refresh

    result = balance_refresh()
    assert result.balance.currency == "USD"
    assert isinstance(result.balance.balance_amount, Decimal)
    assert result.summaries == []
    assert "signed-in partner user" in result.warnings[0]


def test_summaries_in_several_currencies(sandbox, pc_user_connection, finance_client):
    from billing.services.balances import balance_refresh

    result = balance_refresh()
    currencies = {s.currency for s in result.summaries}
    assert {"USD", "EUR", "GBP"} <= currencies
    usd = InvoiceSummary.objects.get(currency="USD")
    # The balance of USD = recurring + one-time, each in USD only.
    assert usd.balance_amount == (usd.recurring_balance or 0) + (usd.one_time_balance or 0)
    assert usd.last_payment_amount > 0 and usd.last_payment_date is not None
    page = finance_client.get("/billing/").content.decode()
    assert "Invoice summaries by currency" in page
    for summary in InvoiceSummary.objects.all():
        assert summary.currency in page
    assert AccountBalance.objects.count() == 1


def test_sync_invoices_mirrors_and_is_idempotent(sandbox):
    first = sync_invoices()
    assert len(first.new_ids) >= 4
    paid = Invoice.objects.get(invoice_id="D02005YFHI")
    assert paid.invoice_type.lower() == "recurring"
    assert paid.status == "paid"
    one_time = Invoice.objects.filter(invoice_type__iexact="onetime")
    assert one_time.exists()
    assert all(i.details[0]["provider"] == "onetime" for i in one_time)
    assert {i.currency for i in Invoice.objects.all()} >= {"USD", "EUR", "GBP"}
    second = sync_invoices()
    assert second.new_ids == [] and second.updated == len(first.new_ids)
    assert Invoice.objects.count() == len(first.new_ids)


def test_invoice_gone_from_pc_is_marked_not_deleted(sandbox):
    sync_invoices()
    Invoice.objects.create(
        invoice_id="G000000001", currency="USD", synced_at=paid_time(), total_charges=1
    )
    result = sync_invoices()
    assert result.gone == 1
    assert Invoice.objects.get(invoice_id="G000000001").is_active is False


def paid_time():
    from django.utils import timezone

    return timezone.now()


def test_sync_invoices_command_and_list_filters(sandbox, finance_client, capsys):
    call_command("sync_invoices", "--no-statements")
    out = capsys.readouterr().out
    assert "Invoices:" in out and "Balance:" in out
    listing = finance_client.get("/billing/invoices/?currency=EUR").content.decode()
    eur = Invoice.objects.filter(currency="EUR").first()
    usd = Invoice.objects.filter(currency="USD").first()
    assert eur.invoice_id in listing and usd.invoice_id not in listing
    paid = finance_client.get("/billing/invoices/?status=paid").content.decode()
    assert "D02005YFHI" in paid and eur.invoice_id not in paid
    recurring = finance_client.get("/billing/invoices/?type=recurring").content.decode()
    assert "D02005YFHI" in recurring and eur.invoice_id not in recurring
    bad = finance_client.get("/billing/invoices/?period=May")
    assert bad.status_code == 200 and "is not a period" in bad.content.decode()
    period = eur.invoice_date.strftime("%Y-%m")
    assert (
        eur.invoice_id in finance_client.get(f"/billing/invoices/?period={period}").content.decode()
    )


def test_invoice_pages_are_finance_only(sandbox, sales_client, admin_client_portal, finance_client):
    sync_invoices()
    invoice = Invoice.objects.first()
    for url in ("/billing/", "/billing/invoices/", f"/billing/invoices/{invoice.invoice_id}/"):
        assert sales_client.get(url).status_code == 403
        assert admin_client_portal.get(url).status_code == 403
        assert finance_client.get(url).status_code == 200
    assert finance_client.get("/billing/invoices/NOPE/").status_code == 404
