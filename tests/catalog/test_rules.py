"""Market rule and perpetual qualification (purchase_blockers) against a synced sandbox catalog."""

from __future__ import annotations

import pytest

from catalog.models import Availability
from catalog.rules import purchase_blockers, software_subscription_unavailable_markets
from portal.admin_tools.services.settings_store import portal_setting_set

pytestmark = pytest.mark.django_db

SOFTSUB = "DG7GMGF0FKZV"  # Windows Server 2022 Standard - software subscription
PERPETUAL = "DG7GMGF0DWTK"  # Windows Server 2019 Datacenter - perpetual
VM = "DZH318Z0BQ3Q"


def _avail(product_id, country="US", segment="commercial"):
    return (
        Availability.objects.select_related("sku__product")
        .filter(sku__product__product_id=product_id, country=country, segment=segment)
        .first()
    )


def test_markets_data_is_in_the_project():
    markets = software_subscription_unavailable_markets()
    assert markets["BR"] == "Brazil" and "US" not in markets and len(markets) > 90


def test_br_customer_cannot_buy_a_software_subscription(synced_us, br_customer, us_customer):
    avail = _avail(SOFTSUB)
    reasons = purchase_blockers(availability=avail, customer=br_customer)
    assert any("Software subscriptions cannot be sold to customers in Brazil (BR)" in r
               for r in reasons)  # fmt: skip
    assert purchase_blockers(availability=avail, customer=us_customer) == []
    # a VM reservation is fine for the US customer
    assert purchase_blockers(availability=_avail(VM), customer=us_customer) == []


def test_perpetual_software_needs_the_qualification(synced_us, us_customer, admin_user):
    avail = _avail(PERPETUAL)
    reasons = purchase_blockers(availability=avail, customer=us_customer)
    assert len(reasons) == 1 and "qualified" in reasons[0]
    portal_setting_set(key="perpetual_software_qualified", value=True, actor=admin_user)
    assert purchase_blockers(availability=avail, customer=us_customer) == []


def test_vanished_and_wrong_segment_are_blockers(synced_us, us_customer):
    from tests.catalog.conftest import make_customer

    avail = _avail(PERPETUAL, segment="education")
    reasons = purchase_blockers(availability=avail, customer=us_customer)
    assert any("education segment" in r for r in reasons)
    vm = _avail(VM)
    Availability.objects.filter(pk=vm.pk).update(is_available=False)
    vm.refresh_from_db()
    assert any("no longer offers" in r for r in purchase_blockers(availability=vm, customer=None))
    ca = make_customer("Northwind CA", "CA", currency="CAD")
    assert any("CA" in r and "US market" in r for r in purchase_blockers(
        availability=_avail(VM), customer=ca))  # fmt: skip


def test_pages_show_software_subscription_unavailable_for_br_customer(
    synced_us, br_customer, sales_client
):
    from catalog.models import Sku

    sku = Sku.objects.filter(product__product_id=SOFTSUB).first()
    url = f"/catalog/{SOFTSUB}/{sku.sku_id}/?customer={br_customer.pk}"
    html = sales_client.get(url).content.decode()
    assert "Software subscriptions are not sold in Brazil" in html
    listing = sales_client.get(f"/catalog/?customer={br_customer.pk}&view=SoftwareSubscriptions")
    assert "Software subscriptions cannot be sold in Brazil (BR)" in listing.content.decode()
    # with the US market chosen the same SKU shows, with the BR customer's reason per row
    us_page = sales_client.get(f"/catalog/{SOFTSUB}/{sku.sku_id}/?country=US")
    assert us_page.status_code == 200 and "No price in the price sheet" in us_page.content.decode()
