"""Reconciliation against real sandbox invoices: every class, exact Decimal differences, notes,
the command, CSV and PDF exports (PDF text read back with pdftotext)."""

import shutil
import subprocess
from decimal import Decimal

import pytest
from django.core.management import call_command

from billing.models import ReconciliationNote, ReconciliationResult
from billing.services.reconciliation import reconciliation_note_add, reconciliation_run

pytestmark = pytest.mark.django_db


def _by_order(invoice):
    return {r.pc_order_id: r for r in ReconciliationResult.objects.filter(invoice=invoice)}


def test_every_class_with_exact_differences(recon_scenario):
    s = recon_scenario
    run = reconciliation_run(invoice=s.invoice)
    results = _by_order(s.invoice)
    unit = s.unit

    matched = results[s.pc_ids["matched"]]
    assert matched.klass == "matched"
    assert matched.expected_amount == matched.billed_amount == unit["matched"] * 2
    assert matched.difference == Decimal(0)

    amount = results[s.pc_ids["amount"]]
    billed_unit = (unit["amount"] * Decimal("1.1")).quantize(Decimal("0.01"))
    assert amount.klass == "amount_mismatch"
    assert amount.expected_amount == unit["amount"] * 3
    assert amount.billed_amount == billed_unit * 3
    assert amount.difference == billed_unit * 3 - unit["amount"] * 3
    assert amount.currency == "USD"

    quantity = results[s.pc_ids["quantity"]]
    assert quantity.klass == "quantity_mismatch"
    assert (quantity.expected_quantity, quantity.billed_quantity) == (2, 3)
    assert quantity.difference == unit["quantity"]  # one unit more than ordered

    # Billed under an order id the portal does not know, but same customer/product/SKU/qty.
    fallback = results["portal-recorded-other-id"]
    assert fallback.klass == "matched" and "customer/product/SKU/quantity" in fallback.reason

    unbilled = results[s.pc_ids["unbilled"]]
    assert unbilled.klass == "ordered_not_billed" and unbilled.line_id is None
    assert unbilled.expected_amount == unit["unbilled"] * 1

    extra = [r for r in results.values() if r.klass == "billed_not_ordered"]
    assert len(extra) == 1 and extra[0].billed_amount > 0

    summary = {(row["klass"], row["currency"]): row for row in run.summary}
    assert summary[("matched", "USD")]["count"] == 2
    assert summary[("amount_mismatch", "USD")]["difference"] == str(amount.difference)
    assert run.lines_checked == 5 and run.orders_checked == 5


def test_tolerance_turns_small_difference_into_match(recon_scenario):
    s = recon_scenario
    reconciliation_run(invoice=s.invoice)
    diff = _by_order(s.invoice)[s.pc_ids["amount"]].difference
    reconciliation_run(invoice=s.invoice, tolerance=diff)
    assert _by_order(s.invoice)[s.pc_ids["amount"]].klass == "matched"
    reconciliation_run(invoice=s.invoice, tolerance=diff - Decimal("0.01"))
    assert _by_order(s.invoice)[s.pc_ids["amount"]].klass == "amount_mismatch"


def test_notes_survive_reruns_and_show_on_page(recon_scenario, finance_client, finance_user):
    s = recon_scenario
    reconciliation_run(invoice=s.invoice)
    result = _by_order(s.invoice)[s.pc_ids["amount"]]
    url = f"/billing/invoices/{s.invoice.invoice_id}/reconciliation/"
    response = finance_client.post(
        f"{url}{result.pk}/note/", {"status": "disputed", "text": "10% over the price sheet"}
    )
    assert response.status_code == 302
    empty = finance_client.post(f"{url}{result.pk}/note/", {"status": "note", "text": " "})
    assert empty.status_code == 302
    assert ReconciliationNote.objects.count() == 1
    reconciliation_run(invoice=s.invoice)  # results are rebuilt; the note stays on the line
    page = finance_client.get(url).content.decode()
    assert "disputed" in page
    # Mismatches come first on the page.
    assert page.index("Amount mismatch</span>") < page.index("Matched</span>")


def test_reconciliation_page_query_count_constant(recon_scenario, finance_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    s = recon_scenario
    reconciliation_run(invoice=s.invoice)
    url = f"/billing/invoices/{s.invoice.invoice_id}/reconciliation/"
    finance_client.get(url)
    with CaptureQueriesContext(connection) as few:
        finance_client.get(url, {"per_page": 100})
    for result in ReconciliationResult.objects.filter(invoice=s.invoice):
        reconciliation_note_add(result=result, status="accepted", text="ok", actor=None)
        result.pk = None
        result.save()  # twice the rows
    with CaptureQueriesContext(connection) as many:
        finance_client.get(url, {"per_page": 100})
    assert len(few.captured_queries) == len(many.captured_queries)


def test_reconcile_command_prints_summary(recon_scenario, capsys):
    call_command("reconcile", recon_scenario.invoice.invoice_id)
    out = capsys.readouterr().out
    assert "Amount mismatch" in out and "Quantity mismatch" in out
    assert "Ordered, not billed" in out and "Billed, not ordered" in out
    assert "5 lines, 5 portal orders" in out


def test_reconcile_without_lines_is_a_clear_error(sandbox, finance_client):
    from django.core.management.base import CommandError

    from tests.billing.conftest import sync_invoices

    sync_invoices()
    with pytest.raises(
        CommandError, match="line items of invoice G000773583 are not in the portal"
    ):
        call_command("reconcile", "G000773583")
    response = finance_client.post("/billing/invoices/G000773583/reconciliation/run/", follow=True)
    assert "no imported one-time line items" in response.content.decode()
    bad = finance_client.post(
        "/billing/invoices/G000773583/reconciliation/run/", {"tolerance": "abc"}, follow=True
    )
    assert "is not a number" in bad.content.decode()


def test_csv_and_pdf_exports(recon_scenario, finance_client, finance_user):
    s = recon_scenario
    reconciliation_run(invoice=s.invoice)
    amount = _by_order(s.invoice)[s.pc_ids["amount"]]
    reconciliation_note_add(
        result=amount, status="disputed", text="Price sheet says less", actor=finance_user
    )
    base = f"/billing/invoices/{s.invoice.invoice_id}/"
    csv = b"".join(finance_client.get(base + "reconciliation.csv").streaming_content).decode(
        "utf-8-sig"
    )
    lines = csv.strip().splitlines()
    assert lines[0].startswith("class,pc_order_id")
    assert len(lines) == 1 + 6
    assert lines[1].startswith("amount_mismatch,") and str(amount.difference) in lines[1]
    assert lines[1].endswith(",disputed")

    response = finance_client.get(base + "reconciliation.pdf")
    assert response["Content-Type"] == "application/pdf"
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext is not installed (apt-get install poppler-utils)")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Partner Portal" in text
    assert f"Reconciliation report — invoice {s.invoice.invoice_id}" in text
    assert "Amount mismatch" in text and "Quantity mismatch" in text
    assert "Price sheet says less" in text
    assert f"{amount.difference.quantize(Decimal('0.01')):,}" in text
