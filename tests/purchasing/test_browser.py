"""Browser tests (real Chromium): build a cart, fix a validation error, place the order once even
on a double click, see it turn confirmed without reloading; a reissued catalog id caught at review."""

from __future__ import annotations

import re

import pytest

from purchasing.models import Checkout, Order
from tests.conftest import browser_login
from tests.purchasing.conftest import SUSE, WINDOWS, availability_titled

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(transactional_db, world, sales_user, settings):
    settings.PURCHASING_ORDER_SYNC_FIRST_COUNTDOWN = 1
    return world


def _add(page, customer, title, quantity):
    availability = availability_titled(title)
    page.goto(f"/cart/add/?availability={availability.pk}&customer={customer.pk}")
    page.fill("#id_quantity", str(quantity))
    page.click("button:has-text('Add to cart')")


def test_sales_user_builds_cart_fixes_error_places_once_and_sees_confirmation(
    shop, page, sandbox, celery_worker
):
    customer = shop["contoso"]
    sandbox.configure(order_list_delay=4)
    browser_login(page, "sally")
    _add(page, customer, WINDOWS, 1)
    page.get_by_test_id("form-error").first.wait_for()
    assert "Quantity must be between 8 and 500" in page.content()
    page.fill("#id_quantity", "8")
    page.click("button:has-text('Add to cart')")
    page.wait_for_url(re.compile(rf"/cart/{customer.pk}/$"))
    _add(page, customer, SUSE, 2)
    page.wait_for_url(re.compile(rf"/cart/{customer.pk}/$"))
    assert page.get_by_test_id("cart-line").count() == 2
    assert page.locator("#cart-count").first.inner_text().strip() == "2"
    # HTMX quantity change
    page.locator("#cart input[name=quantity]").nth(1).fill("3")
    page.locator("#cart button:has-text('Update')").nth(1).click()
    page.wait_for_function(
        "document.querySelectorAll('#cart input[name=quantity]')[1].value === '3'"
    )
    page.click("text=Review order")
    page.wait_for_url(re.compile("/review/$"))
    assert page.get_by_test_id("review-line").count() == 2
    page.screenshot(path="var/purchasing-review.png", full_page=True)
    page.get_by_test_id("place-order").dblclick()
    page.wait_for_url(re.compile(r"/checkouts/\d+/$"))
    page.get_by_test_id("checkout-state").filter(has_text="Submitted").wait_for()
    assert page.get_by_test_id("order-sync").first.inner_text() == "Awaiting Partner Center"
    # The order turns confirmed without a reload (HTMX polling + the confirm task).
    page.get_by_test_id("order-sync").filter(has_text="Confirmed").wait_for(timeout=30_000)
    page.screenshot(path="var/purchasing-checkout.png", full_page=True)
    assert Checkout.objects.count() == 1 and Order.objects.count() == 1
    stats = sandbox.stats()
    assert list(stats["checkouts_per_cart"].values()) == [1]
    assert sum(stats["checkout_attempts_per_cart"].values()) == 1


def test_reissued_catalog_id_is_caught_at_review(shop, page, sandbox):
    customer = shop["contoso"]
    browser_login(page, "sally")
    _add(page, customer, SUSE, 1)
    page.wait_for_url(re.compile(rf"/cart/{customer.pk}/$"))
    sandbox.reissue_catalog_ids()
    page.goto(f"/cart/{customer.pk}/review/")
    change = page.get_by_test_id("line-change")
    assert "Changed since added" in change.inner_text()
    assert page.get_by_test_id("place-order").is_disabled()
    page.get_by_test_id("accept-changes").click()
    page.wait_for_url(re.compile("/review/$"))
    page.get_by_test_id("place-order").click()
    page.get_by_test_id("checkout-state").filter(has_text="Submitted").wait_for()
    assert Order.objects.get().lines.get().offer_id != availability_titled(SUSE).catalog_item_id
