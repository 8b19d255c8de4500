"""A line whose order has no expected price is "not comparable", never "matched": its own class,
its reason, counted apart on the page, the overview, the CSV and the PDF, and left out of the
matched totals."""

import shutil
import subprocess

import pytest

from billing.models import ReconciliationResult
from billing.services.reconciliation import reconciliation_run
from purchasing.models import OrderLine

pytestmark = pytest.mark.django_db


def _unprice(order) -> None:
    OrderLine.objects.filter(order=order).update(unit_price=None, extended_price=None)


def test_no_expected_price_is_not_comparable(recon_scenario):
    s = recon_scenario
    _unprice(s.orders["matched"])
    run = reconciliation_run(invoice=s.invoice)
    result = ReconciliationResult.objects.get(invoice=s.invoice, pc_order_id=s.pc_ids["matched"])
    assert result.klass == "not_comparable"
    assert result.get_klass_display() == "Not comparable"
    assert "no expected price recorded" in result.reason
    assert result.expected_amount is None and result.difference is None
    assert result.billed_amount == s.unit["matched"] * 2

    summary = {(row["klass"], row["currency"]): row for row in run.summary}
    assert summary[("not_comparable", "USD")]["count"] == 1
    assert summary[("not_comparable", "USD")]["billed"] == str(result.billed_amount)
    # Only the fallback line is still matched: the unpriced one adds nothing to its totals.
    matched = summary[("matched", "USD")]
    assert matched["count"] == 1
    fallback = ReconciliationResult.objects.get(
        invoice=s.invoice, pc_order_id="portal-recorded-other-id"
    )
    assert matched["billed"] == str(fallback.billed_amount)


def test_not_comparable_shows_on_pages_csv_and_pdf(recon_scenario, finance_client):
    s = recon_scenario
    _unprice(s.orders["matched"])
    reconciliation_run(invoice=s.invoice)
    base = f"/billing/invoices/{s.invoice.invoice_id}/"

    page = finance_client.get(base + "reconciliation/").content.decode()
    assert "Not comparable (1)" in page
    assert "no expected price recorded" in page
    filtered = finance_client.get(base + "reconciliation/?klass=not_comparable").content.decode()
    assert s.pc_ids["matched"] in filtered and s.pc_ids["amount"] not in filtered

    overview = finance_client.get("/billing/reconciliation/").content.decode()
    assert "Not comparable" in overview
    dashboard = finance_client.get("/").content.decode()
    assert "1 line not comparable (no expected price)" in dashboard

    csv = b"".join(finance_client.get(base + "reconciliation.csv").streaming_content).decode(
        "utf-8-sig"
    )
    rows = [line for line in csv.splitlines() if line.startswith("not_comparable,")]
    assert len(rows) == 1 and s.pc_ids["matched"] in rows[0]

    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (poppler-utils) is required to read the PDF back")
    pdf = finance_client.get(base + "reconciliation.pdf").content
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "Not comparable" in text
    assert "no expected price recorded" in text
