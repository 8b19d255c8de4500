"""Every product family bought in Chromium, as a salesperson would: catalog -> cart -> review ->
Place order -> order confirmed after Partner Center's delayed list -> entitlement (or reservation)
shown on the order page, with a real Celery worker and short sandbox delays."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from catalog.rules import PERPETUAL_SETTING
from portal.models import AzureSubscription
from purchasing.models import Order
from tests.conftest import browser_login
from tests.purchasing.conftest import availability_titled

pytestmark = pytest.mark.browser


@dataclass
class Family:
    title: str
    quantity: int = 1
    scope: str = ""  # reservation scope of the catalog item ("AzurePlan" or "" for MS-AZR-0145P)
    subscription: str = ""  # "plan" or "legacy": the Azure subscription the reservation is for
    reservation_scope: str = ""  # Shared / Single (provisioning context)
    inventory_check: bool = False
    expect: list[str] = field(default_factory=list)  # extra texts on the finished order page


FAMILIES = {
    "perpetual software": Family("SQL Server 2019 Standard - 2 Core License Pack", quantity=2),
    "software subscription, 1 year": Family(
        "Windows Server 2022 Standard - 2 Core License Pack - 1 year", quantity=8,
        expect=["Subscription provisioned"],
    ),
    "software subscription, 3 years": Family(
        "SQL Server 2022 Standard - 2 Core - 3 year", expect=["Subscription provisioned"]
    ),
    "VM reservation with an inventory check (Azure plan)": Family(
        "Reserved VM Instance, Standard_D2s_v3, US East, 1 Year", scope="AzurePlan",
        subscription="plan", reservation_scope="single", inventory_check=True,
        expect=["Reservation order", "Single scope"],
    ),
    "SQL Database reservation (MS-AZR-0145P)": Family(
        "SQL Database, General Purpose Gen5 vCore, US East, 1 Year", subscription="legacy",
        reservation_scope="shared", expect=["Reservation order", "Shared scope"],
    ),
    "Cosmos DB reservation (Azure plan)": Family(
        "Azure Cosmos DB, 100 RU/s, Global, 3 Years", scope="AzurePlan", subscription="plan",
        reservation_scope="shared", expect=["Reservation order", "P3Y"],
    ),
}  # fmt: skip


@pytest.fixture
def shop(transactional_db, world, sandbox, pc_user_connection, sales_user, settings):
    """Contoso with a registered Azure plan and a registered MS-AZR-0145P subscription; perpetual
    software allowed; every Partner Center delay a few seconds."""
    from portal.admin_tools.services.settings_store import portal_setting_set
    from portal.customers.services.sync import subscription_sync_all

    settings.PURCHASING_ORDER_SYNC_FIRST_COUNTDOWN = 1
    settings.PURCHASING_FOLLOWUP_FIRST_COUNTDOWN = 1
    settings.PURCHASING_FOLLOWUP_MAX_COUNTDOWN = 2
    portal_setting_set(key=PERPETUAL_SETTING, value=True, actor=None)
    contoso = world["contoso"]
    legacy = AzureSubscription.objects.get(customer=contoso, offer_id="MS-AZR-0145P")
    sandbox.client().register_subscription(str(contoso.tenant_id), str(legacy.subscription_id))
    sandbox.advance_clock(31)
    subscription_sync_all()
    sandbox.configure(order_list_delay=3, order_completion_delay=2,
                      subscription_provisioning_delay=2, inventory_restrictions=[])  # fmt: skip
    return {
        "contoso": contoso,
        "plan": AzureSubscription.objects.get(
            customer=contoso, offer_id__startswith="DZH318Z0BPS6"
        ),
        "legacy": AzureSubscription.objects.get(pk=legacy.pk, registration_state="registered"),
    }


def _inventory_check(page, subscription_id: str) -> None:
    page.fill("#id_azure_subscription", subscription_id)
    page.click("button:has-text('Check inventory')")
    page.locator("#inventory-result").filter(has_text="Available.").wait_for()


@pytest.mark.parametrize("name", list(FAMILIES))
def test_family_is_bought_end_to_end(name, shop, page, sandbox, celery_worker):
    family = FAMILIES[name]
    customer = shop["contoso"]
    availability = availability_titled(family.title, scope=family.scope)
    sku = availability.sku
    browser_login(page, "sally")
    page.goto(f"/catalog/{sku.product.product_id}/{sku.sku_id}/?customer={customer.pk}")
    subscription = shop[family.subscription] if family.subscription else None
    if family.inventory_check:
        _inventory_check(page, str(subscription.subscription_id))
    row = page.locator("tr", has_text=availability.catalog_item_id)
    row.get_by_role("link", name="Add to cart").click()
    page.wait_for_url(re.compile(r"/cart/add/"))
    page.fill("#id_quantity", str(family.quantity))
    if availability.terms:
        page.select_option("#id_term_duration", availability.terms[0]["duration"])
    if subscription is not None:
        assert family.scope.replace("AzurePlan", "Azure plan") in (
            page.get_by_test_id("item-scope").inner_text()
        )
        page.select_option("#id_subscription_id", str(subscription.subscription_id))
        page.select_option("#id_scope", family.reservation_scope)
    page.click("button:has-text('Add to cart')")
    page.wait_for_url(re.compile(rf"/cart/{customer.pk}/$"))
    assert page.get_by_test_id("line-error").count() == 0, page.content()
    page.click("text=Review order")
    page.wait_for_url(re.compile("/review/$"))
    page.get_by_test_id("place-order").click()
    page.wait_for_url(re.compile(r"/checkouts/\d+/$"))
    page.get_by_test_id("checkout-state").filter(has_text="Submitted").wait_for(timeout=30_000)
    order = Order.objects.get(checkout__cart__customer=customer)
    page.goto(f"/orders/{order.pk}/")
    # Confirmed once Partner Center lists it, then the follow-up shows what was delivered,
    # all without a reload.
    page.get_by_test_id("order-sync").filter(has_text="Confirmed").wait_for(timeout=30_000)
    page.get_by_test_id("entitlement").first.wait_for(timeout=40_000)
    page.get_by_test_id("order-followup").filter(has_text="Done").wait_for(timeout=40_000)
    text = page.content()
    assert family.title in page.get_by_test_id("entitlement").first.inner_text()
    for expected in family.expect:
        page.get_by_text(expected).first.wait_for(timeout=20_000)
    assert "manage.py" not in text
