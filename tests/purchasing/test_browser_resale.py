"""Chromium: finance creates a markup rule, sales sees the resale price in the cart and places
the order, the order shows the resale price recorded at checkout; finance then changes the rule
and the order still shows the price it was sold at (while the catalog shows the new one)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from catalog.pricing.models import MarkupRule
from catalog.selectors import availability_price
from portal.templatetags.portal_tags import money
from purchasing.models import Order
from tests.conftest import browser_login
from tests.pricing_pages import finance_and_sales_pages, finance_creates_percent_rule
from tests.purchasing.conftest import SUSE, availability_titled

pytestmark = pytest.mark.browser
CENT = Decimal("0.01")


@pytest.fixture
def priced_shop(transactional_db, world, sandbox, pc_user_connection, sales_user, finance_user):
    call_command("sync_price_sheets", "--market", "US", "--view", "software")
    sandbox.configure(order_list_delay=3, order_completion_delay=2)
    return world


def test_rule_to_cart_to_order_and_history_kept(priced_shop, browser, live_server, celery_worker):
    customer = priced_shop["contoso"]
    availability = availability_titled(SUSE)
    sku = availability.sku
    term = availability.terms[0]["duration"] if availability.terms else ""
    cost = availability_price(availability, term_duration=term).unit_price
    first, second = (cost * Decimal("1.2")).quantize(CENT), (cost * Decimal("1.5")).quantize(CENT)

    finance, sales = finance_and_sales_pages(browser, live_server.url, timeout_ms=15_000)

    # Finance creates a rule for Contoso's SUSE product: +20 %.
    browser_login(finance, "fiona")
    finance_creates_percent_rule(
        finance,
        customer=customer,
        product_id=sku.product.product_id,
        percent="20",
        description="Contoso SUSE",
    )
    rule = MarkupRule.objects.get()
    assert "20 % of cost" in finance.get_by_test_id("rule-value").inner_text()

    # Sales sees the resale price and the rule in the cart, and places the order.
    browser_login(sales, "sally")
    sales.goto(f"/catalog/{sku.product.product_id}/{sku.sku_id}/?customer={customer.pk}")
    row = sales.locator("tr", has_text=availability.catalog_item_id)
    assert money(first, "USD") in row.get_by_test_id("resale-price").first.inner_text()
    row.get_by_role("link", name="Add to cart").click()
    sales.wait_for_url(re.compile(r"/cart/add/"))
    sales.fill("#id_quantity", "2")
    if term:
        sales.select_option("#id_term_duration", term)
    sales.click("button:has-text('Add to cart')")
    sales.wait_for_url(re.compile(rf"/cart/{customer.pk}/$"))
    cell = sales.get_by_test_id("resale-price").first
    assert money(first, "USD") in cell.inner_text()
    assert cell.get_by_test_id("resale-rule").inner_text() == f"#{rule.pk} Contoso SUSE"
    assert money(first * 2, "USD") in sales.get_by_test_id("resale-total").first.inner_text()
    sales.click("text=Review order")
    sales.wait_for_url(re.compile("/review/$"))
    assert sales.get_by_test_id("below-cost-warning").count() == 0
    sales.get_by_test_id("place-order").click()
    sales.wait_for_url(re.compile(r"/checkouts/\d+/$"))
    sales.get_by_test_id("checkout-state").filter(has_text="Submitted").wait_for(timeout=30_000)
    order = Order.objects.get(checkout__cart__customer=customer)
    sales.goto(f"/orders/{order.pk}/")
    recorded = sales.get_by_test_id("recorded-resale-price").first
    assert money(first, "USD") in recorded.inner_text()
    assert f"#{rule.pk} Contoso SUSE" in recorded.inner_text()

    # Finance raises the markup to 50 %: the catalog shows the new price, the order keeps its own.
    finance.goto(f"/pricing/rules/{rule.pk}/edit/")
    finance.fill("#id_value", "50")
    finance.click("button:has-text('Save rule')")
    finance.wait_for_url(re.compile(rf"/pricing/rules/{rule.pk}/$"))
    assert "50 % of cost" in finance.get_by_test_id("rule-value").inner_text()
    sales.goto(f"/catalog/{sku.product.product_id}/{sku.sku_id}/?customer={customer.pk}")
    row = sales.locator("tr", has_text=availability.catalog_item_id)
    assert money(second, "USD") in row.get_by_test_id("resale-price").first.inner_text()
    sales.goto(f"/orders/{order.pk}/")
    recorded = sales.get_by_test_id("recorded-resale-price").first.inner_text()
    assert money(first, "USD") in recorded and money(second, "USD") not in recorded
    assert money(first * 2, "USD") in sales.get_by_test_id("order-resale-total").inner_text()
