"""Billing in Traditional Chinese: the invoices page and the finance panel use Partner Center's
terms (發票), the open-invoice count has its plural in English, and the reconciliation report PDF
prints Chinese text (its fonts cover CJK), checked with pdftotext."""

import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from billing.models import Invoice, ReconciliationRun
from billing.services.reports import reconciliation_pdf

ZH = {"accept-language": "zh-TW,zh;q=0.9"}
EN = {"accept-language": "en-US,en"}


def _open_invoices(count: int) -> list[Invoice]:
    return [
        Invoice.objects.create(
            invoice_id=f"G00000{i}",
            currency="USD",
            total_charges=Decimal("120.50"),
            invoice_type="onetime",
            synced_at=timezone.now(),
            invoice_date=timezone.now(),
        )
        for i in range(count)
    ]


@pytest.mark.django_db
def test_invoices_page_in_chinese(finance_client):
    _open_invoices(1)
    page = finance_client.get("/billing/invoices/", headers=ZH).content.decode()
    assert '<html lang="zh-hant"' in page
    assert "<h1>發票</h1>" in page and "同步發票" in page and "應付餘額" in page
    assert "G000000" in page  # the invoice id is data
    assert ">未結清</span>" in page  # the status, derived from the amounts
    assert "Sync invoices" not in page and "Balance due" not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("count", "english", "chinese"),
    [(1, "1 open invoice<", "1 張未結清發票"), (2, "2 open invoices<", "2 張未結清發票")],
)
def test_finance_panel_counts_open_invoices_in_both_languages(
    finance_client, count, english, chinese
):
    _open_invoices(count)
    assert english in finance_client.get("/", headers=EN).content.decode()
    assert chinese in finance_client.get("/", headers=ZH).content.decode()


@pytest.mark.django_db
def test_reconciliation_report_pdf_prints_chinese(finance_user):
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is part of the test image"
    (invoice,) = _open_invoices(1)
    ReconciliationRun.objects.create(
        invoice=invoice, ran_at=timezone.now(), tolerance=Decimal("0.01"), lines_checked=3
    )
    with translation.override("zh-hant"):
        pdf = reconciliation_pdf(invoice=invoice, user=finance_user)
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "對帳報告" in text and "G000000" in text
    assert "3 行" in text
