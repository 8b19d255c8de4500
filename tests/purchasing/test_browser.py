"""Browser tests (real Chromium): build a cart, fix a validation error, place the order once even
on a double click, see it turn confirmed without reloading; a reissued catalog id caught at review."""

from __future__ import annotations

import re

import pytest

from purchasing.models import CartLine, Checkout, Order
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
    shop, page, sandbox, celery_worker, artefacts
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
    page.screenshot(path=artefacts / "purchasing-review.png", full_page=True)
    page.get_by_test_id("place-order").dblclick()
    page.wait_for_url(re.compile(r"/checkouts/\d+/$"))
    page.get_by_test_id("checkout-state").filter(has_text="Submitted").wait_for()
    assert page.get_by_test_id("order-sync").first.inner_text() == "Awaiting Partner Center"
    # The order turns confirmed without a reload (HTMX polling + the confirm task).
    page.get_by_test_id("order-sync").filter(has_text="Confirmed").wait_for(timeout=30_000)
    page.screenshot(path=artefacts / "purchasing-checkout.png", full_page=True)
    assert Checkout.objects.count() == 1 and Order.objects.count() == 1
    stats = sandbox.stats()
    assert list(stats["checkouts_per_cart"].values()) == [1]
    assert sum(stats["checkout_attempts_per_cart"].values()) == 1


def test_reissued_catalog_id_is_caught_at_review(shop, page, sandbox, celery_worker):
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


def test_partner_cost_price_change_provisioning_and_bell(
    shop, page, sandbox, pc_user_connection, celery_worker, artefacts
):
    """Prices from the sheet in the cart; a new sheet price caught at review and accepted; the
    order shows its expected cost and provisioning status; a notification read from the bell."""
    from django.core.management import call_command

    from catalog.models import PriceSheetEntry
    from purchasing.models import Notification

    call_command("sync_price_sheets", "--market", "US", "--view", "software")
    customer = shop["contoso"]
    browser_login(page, "sally")
    _add(page, customer, SUSE, 2)
    page.wait_for_url(re.compile(rf"/cart/{customer.pk}/$"))
    line = CartLine.objects.get()
    unit = line.unit_price
    assert f"{unit * 2:,.2f}" in page.get_by_test_id("line-total").first.inner_text()
    assert "effective" in page.get_by_test_id("unit-price").first.inner_text()
    page.screenshot(path=artefacts / "purchasing-cart-prices.png", full_page=True)
    PriceSheetEntry.objects.filter(
        product_id=line.product_id, sku_id=line.sku_id, term_duration=line.term_duration
    ).update(unit_price=unit + 5)
    page.goto(f"/cart/{customer.pk}/review/")
    assert "the price changed from" in page.get_by_test_id("line-change").inner_text()
    assert page.get_by_test_id("place-order").is_disabled()
    page.screenshot(path=artefacts / "purchasing-review-price-change.png", full_page=True)
    page.get_by_test_id("accept-changes").click()
    page.wait_for_url(re.compile("/review/$"))
    assert f"{(unit + 5) * 2:,.2f}" in page.get_by_test_id("review-total").inner_text()
    page.get_by_test_id("place-order").click()
    page.get_by_test_id("checkout-state").filter(has_text="Submitted").wait_for()
    order = Order.objects.get()
    page.goto(f"/orders/{order.pk}/")
    page.get_by_test_id("refresh-provisioning").click()
    page.get_by_test_id("line-provisioning").filter(has_text="Fulfilled").wait_for()
    assert f"{(unit + 5) * 2:,.2f}" in page.get_by_test_id("order-total").inner_text()
    page.screenshot(path=artefacts / "purchasing-order-prices.png", full_page=True)

    Notification.objects.create(recipient=line.cart.created_by, url=f"/orders/{order.pk}/",
                                message=f"Order {order} needs a look")  # fmt: skip
    page.goto("/")
    assert page.locator("#notification-count").inner_text() == "1"
    page.get_by_test_id("bell").click()
    page.wait_for_url(re.compile("/notifications/$"))
    page.screenshot(path=artefacts / "purchasing-notifications.png", full_page=True)
    page.get_by_test_id("mark-read").click()
    page.get_by_text("Nothing unread").wait_for()
    assert page.locator("#notification-count").is_hidden()
