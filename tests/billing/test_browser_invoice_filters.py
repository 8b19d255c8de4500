"""The invoice page's line filters work in Chromium: typing in a search box refreshes the table
through HTMX, and the page logs no console error (an unparsable ``hx-trigger`` logs
``htmx:syntax:error`` and the search never fires)."""

import pytest

from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invoice_search_filters_lines_without_console_errors(page, finance_user, recon_scenario):
    errors: list[str] = []
    page.on(
        "console",
        lambda msg: errors.append(f"{msg.text} {msg.location}") if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    invoice_id = recon_scenario.invoice.invoice_id

    browser_login(page, "fiona")
    page.goto(f"/billing/invoices/{invoice_id}/")
    page.wait_for_selector("#line-table tbody tr a")
    assert page.locator("#line-table tbody tr").count() == 5

    with page.expect_response(lambda r: "customer=no-such-customer" in r.url):
        page.fill("#id_customer", "no-such-customer")
    page.wait_for_selector("#line-table >> text=No line items match these filters.")
    assert "customer=no-such-customer" in page.url
    assert errors == []
