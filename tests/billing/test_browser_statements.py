"""Finance generates the month's customer statements (a real worker), issues Contoso's and
downloads its PDF (text read back with pdftotext: resale prices, never the partner cost) and its
CSV — in a real Chromium against the live server and the sandbox."""

import csv
import io
import subprocess
from pathlib import Path

import pytest

from billing.services.charge_documents import CSV_COLUMNS
from tests.billing.conftest import RESELLER
from tests.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_issues_and_downloads_a_customer_statement(page, charges, celery_worker):
    cost = charges["invoice"].lines.get(order_id=charges["outside"]["id"]).effective_unit_price
    browser_login(page, "fiona")
    page.click("nav.mainnav >> text=Statements")
    page.click("button:has-text('Generate statements for')")
    # The page follows the task and reloads when it is done.
    page.wait_for_selector("#statements a:has-text('S')", timeout=60_000)
    page.click("#statements tr:has-text('Contoso') a")
    assert "Draft" in page.locator("#statement-state").inner_text()
    page.set_default_timeout(60_000)  # issuing renders and stores the PDF (a loaded machine)
    page.click("button:has-text('Issue')")
    page.wait_for_selector("text=issued.")
    assert "Issued" in page.locator("#statement-state").inner_text()
    totals = page.locator("#statement-totals").inner_text()

    with page.expect_download(timeout=60_000) as pdf_download:
        page.click("#download-pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", pdf_download.value.path(), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert RESELLER in text and "Contoso" in text and "$8,642.00" in text
    assert totals.split()[0] in text  # the total the page shows
    assert f"{cost:,.2f}" not in text and f"{cost:.2f}" not in text

    with page.expect_download() as csv_download:
        page.click("#download-csv")
    rows = list(csv.reader(io.StringIO(Path(csv_download.value.path()).read_text("utf-8-sig"))))
    assert rows[0] == CSV_COLUMNS and len(rows) == 4
    assert {r[1] for r in rows[1:]} == {"issued"}
    assert any(r[16:18] == ["4321.00", "8642.00"] for r in rows[1:])
