"""Finance pastes an invoice id the portal has not mirrored into the invoice search, fetches it from
Partner Center, imports its lines and reconciles it — in a real Chromium against the live server,
a Celery worker and the sandbox."""

import re

import pytest

from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_fetches_imports_and_reconciles_an_unmirrored_invoice(
    page, finance_user, pc_user_connection, celery_worker, unmirrored_invoice
):
    invoice_id = unmirrored_invoice
    browser_login(page, "fiona")
    page.click("nav.mainnav >> text=Invoices")
    page.fill("#id_q", invoice_id)
    offer = page.locator("#fetch-offer")
    offer.wait_for()
    assert f"Invoice {invoice_id} is not in the portal." in offer.inner_text()
    offer.locator("button:has-text('Fetch from Partner Center')").click()
    # The fetch runs in the worker; the page follows its progress, then shows the invoice.
    page.wait_for_selector("#invoice-total")
    assert page.locator("h1").inner_text() == f"Invoice {invoice_id}"
    implied = page.locator("#implied-import_lines")
    assert "line items of invoice" in implied.inner_text()
    implied.locator("button:has-text('Import line items')").click()
    page.wait_for_selector("text=Line-item import queued")
    rows = page.locator("#line-table tbody tr td a")
    for _ in range(60):
        if rows.count() == 4:
            break
        page.wait_for_timeout(500)
        page.reload()
    assert rows.count() == 4
    assert page.locator("#implied-import_lines").count() == 0

    page.click("a.button:has-text('Reconciliation')")
    page.click("button:has-text('Reconcile')")
    page.wait_for_selector("#recon-summary")
    assert re.search(r"Last run .*: 4 lines", page.content())
    assert "Billed, not ordered through the portal" in page.locator("#recon-summary").inner_text()
