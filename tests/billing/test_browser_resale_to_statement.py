"""Chromium, the whole resale flow through the pages: finance creates a markup rule, sales sees the
resale price in the cart and places the order (sandbox, real worker); finance reads the current
period's unbilled charges, generates the month's statements, issues the customer's and downloads
its PDF (resale price, never the partner cost) and its CSV."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from billing.services.charge_documents import CSV_COLUMNS
from catalog.selectors import availability_price
from portal.templatetags.portal_tags import money
from purchasing.models import Order
from tests.billing.conftest import RESELLER
from tests.conftest import browser_login
from tests.pricing_pages import finance_and_sales_pages, finance_creates_percent_rule
from tests.purchasing.conftest import SUSE, availability_titled
from tests.purchasing.conftest import world as world  # the fixture `shop` asks for

pytestmark = pytest.mark.browser
CENT = Decimal("0.01")


@pytest.fixture
def shop(
    request, transactional_db, sandbox, pc_user_connection, sales_user, finance_user, reseller
):
    """The synced sandbox world with the US software price sheet, orders completing quickly."""
    world = request.getfixturevalue("world")
    call_command("sync_price_sheets", "--market", "US", "--view", "software")
    sandbox.configure(order_list_delay=1, order_completion_delay=1)
    return world


def test_rule_to_order_to_issued_statement(shop, sandbox, browser, live_server, celery_worker):
    customer = shop["contoso"]
    availability = availability_titled(SUSE)
    sku = availability.sku
    term = availability.terms[0]["duration"] if availability.terms else ""
    cost = availability_price(availability, term_duration=term).unit_price
    resale = (cost * Decimal("1.2")).quantize(CENT)
    assert resale != cost

    finance, sales = finance_and_sales_pages(
        browser, live_server.url, timeout_ms=30_000, downloads=True
    )

    # Finance creates a rule for the customer's SUSE product: +20 %.
    browser_login(finance, "fiona")
    finance_creates_percent_rule(
        finance,
        customer=customer,
        product_id=sku.product.product_id,
        percent="20",
        description="Contoso SUSE",
    )

    # Sales sees the resale price in the cart and places the order.
    browser_login(sales, "sally")
    sales.goto(f"/catalog/{sku.product.product_id}/{sku.sku_id}/?customer={customer.pk}")
    row = sales.locator("tr", has_text=availability.catalog_item_id)
    row.get_by_role("link", name="Add to cart").click()
    sales.wait_for_url(re.compile(r"/cart/add/"))
    sales.fill("#id_quantity", "2")
    if term:
        sales.select_option("#id_term_duration", term)
    sales.click("button:has-text('Add to cart')")
    sales.wait_for_url(re.compile(rf"/cart/{customer.pk}/$"))
    assert money(resale, "USD") in sales.get_by_test_id("resale-price").first.inner_text()
    assert money(resale * 2, "USD") in sales.get_by_test_id("resale-total").first.inner_text()
    sales.click("text=Review order")
    sales.wait_for_url(re.compile("/review/$"))
    sales.get_by_test_id("place-order").click()
    sales.wait_for_url(re.compile(r"/checkouts/\d+/$"))
    sales.get_by_test_id("checkout-state").filter(has_text="Submitted").wait_for(timeout=60_000)
    order = Order.objects.get(checkout__cart__customer=customer)
    sandbox.advance_clock(60)  # Partner Center completes the order: it becomes unbilled charge

    # Finance reads the current period's unbilled charges; the order's line is among them.
    finance.goto("/billing/unbilled/")
    finance.select_option("#id_currency", "USD")
    finance.click("button:has-text('Read unbilled charges')")
    # The page follows the queued read and reloads itself when it ends (no reload by hand).
    finance.wait_for_selector(".status.ok", timeout=60_000)
    assert int(finance.locator(".lines-read").first.inner_text()) >= 1

    # Finance generates the month's statements and issues the customer's.
    finance.goto("/billing/statements/")
    finance.click("button:has-text('Generate statements for')")
    finance.wait_for_selector("#statements a:has-text('S')", timeout=60_000)
    finance.click(f"#statements tr:has-text('{customer.company_name}') a")
    assert "Draft" in finance.locator("#statement-state").inner_text()
    finance.set_default_timeout(60_000)  # issuing renders and stores the PDF
    finance.click("button:has-text('Issue')")
    finance.wait_for_selector("text=issued.")
    assert "Issued" in finance.locator("#statement-state").inner_text()

    with finance.expect_download() as pdf_download:
        finance.click("#download-pdf")
    text = subprocess.run(
        ["pdftotext", "-layout", pdf_download.value.path(), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert RESELLER in text and customer.company_name in text
    assert money(resale, "USD") in text and money(resale * 2, "USD") in text
    assert f"{cost:,.2f}" not in text and f"{cost:.2f}" not in text

    with finance.expect_download() as csv_download:
        finance.click("#download-csv")
    rows = list(csv.reader(io.StringIO(Path(csv_download.value.path()).read_text("utf-8-sig"))))
    assert rows[0] == CSV_COLUMNS
    ours = [dict(zip(CSV_COLUMNS, r, strict=True)) for r in rows[1:]]
    ours = [r for r in ours if r["order_id"] == order.pc_order_id]
    assert [(r["quantity"], r["unit_price"], r["amount"]) for r in ours] == [
        ("2", f"{resale:.2f}", f"{resale * 2:.2f}")
    ]
    assert all(r["customer_name"] == customer.company_name for r in ours)
