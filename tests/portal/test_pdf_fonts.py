"""Generated PDFs print Chinese: the reconciliation report embeds a Noto Sans CJK font (the
Traditional Chinese variant in zh-hant) and its text, read back with pdftotext, holds a Chinese
customer name. Without a CJK font the PDF still renders and the log says why text is missing."""

import logging
import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from billing.models import Invoice, ReconciliationResult, ReconciliationRun
from billing.services.reports import reconciliation_pdf
from portal.shared import pdf_fonts

pytestmark = pytest.mark.django_db
NAME = "台灣雲端科技股份有限公司"


def _pdf_text_and_fonts(pdf: bytes) -> tuple[str, str]:
    for tool in ("pdftotext", "pdffonts"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is not installed (apt-get install poppler-utils)")
    text = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    fonts = subprocess.run(
        ["pdffonts", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return text, fonts


def _invoice_with_chinese_customer() -> Invoice:
    invoice = Invoice.objects.create(
        invoice_id="G000TW01", invoice_date=timezone.now(), currency="TWD",
        total_charges=Decimal("32000"), synced_at=timezone.now(),
    )  # fmt: skip
    ReconciliationRun.objects.create(
        invoice=invoice, ran_at=timezone.now(), tolerance=Decimal("0.01"), lines_checked=1
    )
    ReconciliationResult.objects.create(
        invoice=invoice, klass="amount_mismatch", customer_name=NAME, pc_order_id="ORD-TW-1",
        description="Windows Server 2022 Standard", currency="TWD",
        expected_amount=Decimal("30000"), billed_amount=Decimal("32000"),
        difference=Decimal("2000"),
    )  # fmt: skip
    return invoice


@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_reconciliation_pdf_prints_a_chinese_customer_name(language):
    invoice = _invoice_with_chinese_customer()
    with translation.override(language):
        pdf = reconciliation_pdf(invoice=invoice)
    text, fonts = _pdf_text_and_fonts(pdf)
    assert NAME in re.sub(r"\s+", "", text)  # a narrow table cell may wrap the name
    assert "Noto-Sans-CJK" in fonts
    if language == "zh-hant":
        assert "Noto-Sans-CJK-TC" in fonts  # Traditional forms of the Han characters


def test_the_font_stack_puts_the_languages_cjk_variant_first():
    assert pdf_fonts.pdf_font_family("zh-hant").startswith('"DejaVu Sans", "Noto Sans CJK TC"')
    assert pdf_fonts.pdf_font_family("ja").startswith('"DejaVu Sans", "Noto Sans CJK JP"')
    assert pdf_fonts.pdf_font_family("en").endswith("sans-serif")


def test_a_missing_cjk_font_is_logged_once(monkeypatch, caplog):
    monkeypatch.setattr(pdf_fonts.shutil, "which", lambda name: None)
    pdf_fonts.cjk_font_installed.cache_clear()
    pdf_fonts.cjk_font_missing_warning.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="portal.shared.pdf_fonts"):
            pdf_fonts.pdf_font_family("zh-hant")
            pdf_fonts.pdf_font_family("zh-hant")
        warnings = [r for r in caplog.records if "fonts-noto-cjk" in r.getMessage()]
        assert len(warnings) == 1
    finally:
        pdf_fonts.cjk_font_installed.cache_clear()
        pdf_fonts.cjk_font_missing_warning.cache_clear()
