"""Browser: a sales user finds a reservation SKU for a US customer and runs the inventory check."""

from __future__ import annotations

import re

import pytest

from tests.catalog.conftest import make_customer
from tests.conftest import browser_login

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
SUB = "3c0b0a0e-5b7e-4d64-9a0a-2d7b6f1e0c11"


def test_sales_finds_reservation_and_checks_inventory(sandbox, sales_user, page, tmp_path):
    from catalog.services.sync import catalog_sync

    sandbox.configure(inventory_restrictions=[{"armRegionName": "westus2"}])
    catalog_sync(country="US")
    customer = make_customer("Contoso US")
    browser_login(page, "sally")
    page.goto("/catalog/")
    page.select_option("#id_customer", str(customer.pk))
    page.wait_for_url(re.compile(rf"customer={customer.pk}"))
    page.select_option("#id_view", "AzureReservationsVM")
    page.wait_for_url(re.compile(r"view=AzureReservationsVM"))
    page.fill("#id_q", "d2s us east")
    page.wait_for_url(re.compile(r"q=d2s"))
    results = page.locator("#catalog-results")
    results.get_by_text("Reserved VM Instance, Standard_D2s_v3, US East, 1 Year").wait_for()
    assert "US West 2" not in results.inner_text()
    page.screenshot(path=str(tmp_path / "catalog-list.png"), full_page=True)
    results.get_by_role(
        "link", name="Reserved VM Instance, Standard_D2s_v3, US East, 1 Year"
    ).click()
    page.get_by_role("heading", name="Inventory check").wait_for()
    assert "InventoryCheck" in page.content() or "Inventory check" in page.content()
    page.select_option("#id_customer_check", str(customer.pk))
    page.fill("#id_azure_subscription", SUB)
    url_before = page.url
    page.get_by_role("button", name="Check inventory").click()
    page.locator("#inventory-result").get_by_text("Available.").wait_for()
    assert page.url == url_before  # swapped in place by HTMX, no navigation
    page.screenshot(path=str(tmp_path / "catalog-sku.png"), full_page=True)

    # the same subscription in a restricted region: each restriction's reason is shown
    page.goto("/catalog/?country=US&q=d2s+us+west+2+1+year")
    page.get_by_role("link", name=re.compile("Standard_D2s_v3, US West 2, 1 Year")).click()
    page.select_option("#id_customer_check", str(customer.pk))
    page.fill("#id_azure_subscription", SUB)
    page.get_by_role("button", name="Check inventory").click()
    result = page.locator("#inventory-result")
    result.get_by_text("Restricted.").wait_for()
    assert "westus2" in result.inner_text() or "Location" in result.inner_text()
