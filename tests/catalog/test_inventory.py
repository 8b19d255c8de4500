"""Inventory check against the sandbox: available, restricted, latest passing check."""

from __future__ import annotations

from datetime import timedelta

import pytest

from catalog.models import InventoryCheck, Sku
from catalog.services.inventory_checks import inventory_check_latest_passing, inventory_check_run
from portal.shared.errors import PortalError

pytestmark = pytest.mark.django_db
SUB = "3c0b0a0e-5b7e-4d64-9a0a-2d7b6f1e0c11"


@pytest.fixture
def vm_sku(synced_us, sandbox):
    sandbox.configure(
        inventory_restrictions=[]
    )  # no restriction at all (reset() restores the seed ones)
    return (
        Sku.objects.select_related("product")
        .filter(product__product_id="DZH318Z0BQ3Q", dynamic_attributes__armRegionName="eastus")
        .first()
    )


def test_inventory_available_then_reused_by_the_cart_rule(sandbox, vm_sku, us_customer):
    check = inventory_check_run(
        customer=us_customer, sku=vm_sku, context={"azureSubscriptionId": SUB}
    )
    assert check.state == InventoryCheck.State.AVAILABLE and check.checked_at
    assert check.context == {
        "azureSubscriptionId": SUB, "customerId": str(us_customer.tenant_id),
        "armRegionName": "eastus",
    }  # fmt: skip
    found = inventory_check_latest_passing(
        customer=us_customer, sku=vm_sku, context={"AzureSubscriptionId": SUB.upper()}
    )
    assert found == check
    other_sub = {"azureSubscriptionId": "11111111-1111-4111-8111-111111111111"}
    assert (
        inventory_check_latest_passing(customer=us_customer, sku=vm_sku, context=other_sub) is None
    )
    assert (
        inventory_check_latest_passing(
            customer=us_customer, sku=vm_sku, context={"azureSubscriptionId": SUB},
            max_age=timedelta(seconds=0),
        )
        is None
    )  # fmt: skip


def test_inventory_restricted_shows_each_reason(sandbox, vm_sku, us_customer):
    sandbox.configure(inventory_restrictions=[{"armRegionName": "eastus"}])
    check = inventory_check_run(
        customer=us_customer, sku=vm_sku, context={"azureSubscriptionId": SUB}
    )
    assert check.state == InventoryCheck.State.RESTRICTED
    assert check.restrictions[0]["reason_code"] == "NotAvailableForSubscription"
    assert "Location" in check.restrictions[0]["description"]
    assert (
        inventory_check_latest_passing(
            customer=us_customer, sku=vm_sku, context={"azureSubscriptionId": SUB}
        )
        is None
    )


def test_inventory_check_needs_the_subscription(sandbox, vm_sku, us_customer):
    with pytest.raises(PortalError, match="AzureSubscriptionId"):
        inventory_check_run(customer=us_customer, sku=vm_sku, context={})


def test_inventory_check_page_htmx(sandbox, vm_sku, us_customer, sales_client):
    url = f"/catalog/{vm_sku.product.product_id}/{vm_sku.sku_id}/inventory-check/"
    assert sales_client.get(url).status_code == 405
    response = sales_client.post(
        url, {"customer": us_customer.pk, "azure_subscription": SUB}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "Available." in html and "<html" not in html
    bad = sales_client.post(
        url, {"customer": us_customer.pk, "azure_subscription": "not-a-guid"},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert bad.status_code == 200 and "GUID" in bad.content.decode()
    assert InventoryCheck.objects.count() == 1
