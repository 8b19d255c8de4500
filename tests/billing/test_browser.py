"""A finance user opens an invoice, sees a mismatch, adds a note, downloads the statement PDF and
the reconciliation CSV — in a real Chromium against the live server and the sandbox."""

import os
from pathlib import Path

import pytest

from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("PORTAL_SCREENSHOTS")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"billing-{name}.png"), full_page=True)


def test_finance_reconciles_an_invoice(page, finance_user, recon_scenario):
    from billing.services.statements import statement_download_attempt, statement_request

    s = recon_scenario
    invoice_id = s.invoice.invoice_id
    statement = statement_request(invoice=s.invoice, queue=False)
    statement_download_attempt(statement_id=statement.pk)

    browser_login(page, "fiona")
    page.click("nav.mainnav >> text=Invoices")
    page.click(f"text={invoice_id}")
    page.wait_for_selector("#invoice-total")
    _shot(page, "invoice")
    page.click("a.button:has-text('Reconciliation')")
    page.click("button:has-text('Reconcile')")
    page.wait_for_selector("#recon-summary")
    row = page.locator("tr.recon-row.amount_mismatch")
    assert row.count() == 1
    assert "Amount mismatch" in page.locator("#recon-summary").inner_text()
    row.locator("summary").click()
    row.locator("select[name=status]").select_option("disputed")
    row.locator("input[name=text]").fill("Billed 10% over the price sheet")
    row.locator("button:has-text('Save note')").click()
    page.wait_for_selector("text=Note saved.")
    assert "Disputed" in page.locator("tr.recon-row.amount_mismatch").inner_text()
    _shot(page, "reconciliation")

    with page.expect_download() as csv_download:
        page.click("#recon-csv")
    csv_text = Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    assert csv_text.splitlines()[1].startswith("amount_mismatch,")
    assert csv_text.splitlines()[1].endswith(",disputed")

    page.click(f"text=← Invoice {invoice_id}")
    with page.expect_download() as pdf_download:
        page.click("#statement-download")
    assert pdf_download.value.suggested_filename == f"Invoice_{invoice_id}.pdf"
    with open(pdf_download.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
