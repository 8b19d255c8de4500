"""A VM reservation enters the cart only with a recent passing inventory check for its subscription
and region; every other case keeps it out with its reason on the line (add form and review)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import InventoryCheck
from catalog.services.inventory_checks import inventory_check_run
from purchasing.models import Cart
from purchasing.services.cart import CartValidationError
from tests.purchasing.conftest import add_line, availability_titled

VM = "Reserved VM Instance, Standard_D2s_v3, US East, 1 Year"
SCOPE = "AzurePlan"


@pytest.fixture
def vm(world, sandbox):
    from portal.models import AzureSubscription

    sandbox.configure(inventory_restrictions=[])
    plan = AzureSubscription.objects.get(customer=world["contoso"], registration_state="registered")
    other = AzureSubscription.objects.get(customer=world["contoso"], offer_id="MS-AZR-0145P")
    availability = availability_titled(VM, scope=SCOPE)
    return {
        "customer": world["contoso"],
        "sku": availability.sku,
        "sub": str(plan.subscription_id),
        "other_sub": str(other.subscription_id),
        "context": {"subscriptionId": str(plan.subscription_id), "scope": "single",
                    "duration": "1Year"},
    }  # fmt: skip


def _check(vm, **context):
    return inventory_check_run(
        customer=vm["customer"], sku=vm["sku"],
        context={"azureSubscriptionId": vm["sub"], **context},
    )  # fmt: skip


def _refused(vm, user) -> str:
    with pytest.raises(CartValidationError) as err:
        add_line(vm["customer"], user, title=VM, quantity=1, context=vm["context"],
                 scope=SCOPE)  # fmt: skip
    assert not Cart.objects.filter(lines__isnull=False).exists()
    return " ".join(err.value.errors["__all__"])


def test_passing_check_lets_the_line_in(vm, sales_user, sandbox):
    assert _check(vm).state == InventoryCheck.State.AVAILABLE
    line = add_line(vm["customer"], sales_user, title=VM, quantity=1, context=vm["context"],
                    scope=SCOPE)  # fmt: skip
    assert line.pk and not line.error_code
    pc_cart = sandbox.client().get_cart(str(vm["customer"].tenant_id), line.cart.pc_cart_id)
    assert [li.catalog_item_id for li in pc_cart.line_items] == [line.catalog_item_id]


def test_without_any_check_the_reason_says_to_run_one(vm, sales_user):
    assert "No inventory check yet" in _refused(vm, sales_user)


def test_restricted_check_keeps_it_out_with_partner_centers_reason(vm, sales_user, sandbox):
    sandbox.configure(inventory_restrictions=[{"armRegionName": "eastus"}])
    assert _check(vm).state == InventoryCheck.State.RESTRICTED
    reason = _refused(vm, sales_user)
    assert "restricted" in reason and "'Location' with values 'eastus'" in reason


def test_failed_check_keeps_it_out(vm, sales_user, sandbox):
    sandbox.add_fault("500", path="/v1/extensions/product/checkinventory", count=10)
    try:
        assert _check(vm).state == InventoryCheck.State.FAILED
    finally:
        sandbox.clear_faults()
    assert "did not complete" in _refused(vm, sales_user)


def test_check_for_another_subscription_keeps_it_out(vm, sales_user):
    inventory_check_run(customer=vm["customer"], sku=vm["sku"],
                        context={"azureSubscriptionId": vm["other_sub"]})  # fmt: skip
    reason = _refused(vm, sales_user)
    assert f"made for subscription {vm['other_sub'].lower()}" in reason


def test_check_for_another_region_keeps_it_out(vm, sales_user):
    assert _check(vm, armRegionName="westus2").state == InventoryCheck.State.AVAILABLE
    assert "made for region westus2" in _refused(vm, sales_user)


def test_check_older_than_the_configured_age_keeps_it_out(vm, sales_user, settings):
    settings.CATALOG_INVENTORY_CHECK_MAX_AGE_MINUTES = 30
    check = _check(vm)
    InventoryCheck.objects.filter(pk=check.pk).update(
        checked_at=timezone.now() - timedelta(minutes=45)
    )
    reason = _refused(vm, sales_user)
    assert "45 minutes old" in reason and "trusted for 30 minutes" in reason


def test_review_shows_the_reason_once_the_check_has_aged(vm, sales_user, sales_client, settings):
    settings.CATALOG_INVENTORY_CHECK_MAX_AGE_MINUTES = 30
    check = _check(vm)
    line = add_line(vm["customer"], sales_user, title=VM, quantity=1, context=vm["context"],
                    scope=SCOPE)  # fmt: skip
    InventoryCheck.objects.filter(pk=check.pk).update(
        checked_at=timezone.now() - timedelta(minutes=31)
    )
    page = sales_client.get(f"/cart/{vm['customer'].pk}/review/").content.decode()
    assert line.title in page and "31 minutes old" in page


def test_add_form_shows_the_reason(vm, sales_client):
    availability = availability_titled(VM, scope=SCOPE)
    response = sales_client.post("/cart/add/", {
        "availability": availability.pk, "customer": vm["customer"].pk, "quantity": 1,
        "billing_cycle": "one_time", "term_duration": "P1Y", "subscription_id": vm["sub"],
        "scope": "single",
    })  # fmt: skip
    assert "No inventory check yet" in response.content.decode()
