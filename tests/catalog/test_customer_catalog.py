"""Browsing for a customer uses Partner Center's customer-scoped catalog routes."""

from __future__ import annotations

import time

import pytest

from catalog.models import Availability, CustomerOffer
from catalog.services.customer_catalog import customer_catalog_kind, customer_catalog_sync
from catalog.services.sync import catalog_sync

WINDOWS = "DG7GMGF0FKZV"  # a software subscription: not sold in Brazil
SQL_DB = "DZH318Z0BQ5S"


@pytest.fixture
def customers(db, sandbox):
    from portal.customers.services.sync import customer_sync_all
    from portal.models import Customer

    customer_sync_all()
    return {
        "contoso": Customer.objects.get(company_name="Contoso Ltd"),
        "tailspin": Customer.objects.get(company_name="Tailspin Toys Brasil Ltda"),
    }


def test_client_reads_the_customer_scoped_routes(customers, sandbox):
    client = sandbox.client()
    contoso, tailspin = (str(customers[k].tenant_id) for k in ("contoso", "tailspin"))
    us = {p.id for p in client.list_customer_products(contoso, "SoftwareSubscriptions")}
    br = {p.id for p in client.list_customer_products(tailspin, "SoftwareSubscriptions")}
    assert WINDOWS in us and br == set()
    assert client.get_customer_product(contoso, SQL_DB).id == SQL_DB
    sku = next(iter(client.list_customer_skus(contoso, SQL_DB)))
    assert client.get_customer_sku(contoso, SQL_DB, sku.id).id == sku.id
    legacy = list(client.list_customer_availabilities(contoso, SQL_DB, sku.id))
    plan = list(
        client.list_customer_availabilities(contoso, SQL_DB, sku.id, reservation_scope="AzurePlan")
    )
    assert [a.country for a in legacy] == ["US"] and legacy[0].id != plan[0].id
    one = client.get_customer_availability(contoso, SQL_DB, sku.id, legacy[0].id)
    assert one.catalog_item_id == legacy[0].catalog_item_id
    brazil = list(client.list_customer_availabilities(tailspin, SQL_DB, sku.id))
    assert brazil[0].country == "BR"


def test_customer_catalog_sync_records_the_offer_set_only(customers):
    catalog_sync(country="US", target_views=["AzureReservationsSQL", "SoftwareSubscriptions"])
    market = Availability.objects.filter(country="US", is_available=True).count()
    # An item of the US market that Partner Center does not offer to Contoso stays available.
    result = customer_catalog_sync(
        customer=customers["contoso"], target_views=["AzureReservationsSQL"]
    )
    assert (
        result.availabilities == CustomerOffer.objects.filter(customer=customers["contoso"]).count()
    )
    assert Availability.objects.filter(country="US", is_available=True).count() == market
    offered = Availability.objects.filter(customer_offers__customer=customers["contoso"])
    assert {a.sku.product.product_id for a in offered} == {SQL_DB}
    assert {a.reservation_scope for a in offered} == {"", "AzurePlan"}
    # Read again with a narrower answer: the offer set follows Partner Center.
    customer_catalog_sync(customer=customers["contoso"], target_views=["SoftwareSubscriptions"])
    offered = Availability.objects.filter(customer_offers__customer=customers["contoso"])
    assert {a.sku.product.product_id for a in offered} == {WINDOWS, "DG7GMGF0FLR2"}


def test_browsing_for_the_customer_uses_its_catalog(customers, sales_client, sales_user):
    from purchasing.services.cart import CartValidationError, LineInput, cart_add_line

    contoso = customers["contoso"]
    catalog_sync(country="US", target_views=["AzureReservationsSQL"])
    sku_availability = Availability.objects.filter(
        country="US", sku__product__product_id=SQL_DB, reservation_scope=""
    ).first()
    # The local mirror knows an item (same market and segment) that Partner Center does not sell
    # to Contoso: the country/segment approximation would offer it.
    stray = Availability.objects.create(
        sku=sku_availability.sku, availability_id="STRAY0000001", country="US",
        segment="commercial", currency="USD", catalog_item_id=f"{SQL_DB}:0001:STRAY0000001",
        terms=[{"duration": "P1Y", "description": "1 Year"}], term_durations="|P1Y|",
    )  # fmt: skip
    url = f"/catalog/{SQL_DB}/{sku_availability.sku.sku_id}/?customer={contoso.pk}"
    html = sales_client.get(url).content.decode()
    assert "has not been read yet" in html and stray.catalog_item_id in html
    customer_catalog_sync(customer=contoso, target_views=["AzureReservationsSQL"])
    html = sales_client.get(url).content.decode()
    assert "Showing the catalog Partner Center offers" in html
    assert stray.catalog_item_id not in html and sku_availability.catalog_item_id in html
    with pytest.raises(CartValidationError) as err:
        cart_add_line(customer=contoso, availability=stray, user=sales_user,
                      data=LineInput(quantity=1, term_duration="P1Y"))  # fmt: skip
    assert "does not offer this catalog item to Contoso Ltd" in err.value.message
    listing = sales_client.get(f"/catalog/?customer={contoso.pk}&q=sql").content.decode()
    assert "SQL Database" in listing


def _wait_until_read(kind: str, failure: str) -> None:
    from portal.shared.progress import sync_state

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = sync_state(kind)
        if state and not state.running and state.last_success_at:
            return
        time.sleep(0.3)
    raise AssertionError(failure)


def test_read_button_queues_the_read_with_progress(customers, sales_client, celery_worker):

    contoso = customers["contoso"]
    response = sales_client.post(f"/catalog/customer/{contoso.pk}/read/")
    assert response.status_code == 302 and response["Location"].endswith(f"?customer={contoso.pk}")
    kind = customer_catalog_kind(contoso)
    _wait_until_read(kind, "the customer catalog was not read")
    assert CustomerOffer.objects.filter(customer=contoso).exists()
    html = sales_client.get(f"/catalog/?customer={contoso.pk}").content.decode()
    assert "Showing the catalog Partner Center offers" in html and "Last synced" in html


def test_choosing_a_customer_reads_its_catalog_once_without_a_click(
    customers, sales_client, celery_worker
):
    from portal.models import AuditEvent
    from portal.shared.progress import sync_state

    contoso = customers["contoso"]
    kind = customer_catalog_kind(contoso)
    assert sync_state(kind) is None
    sales_client.get(f"/catalog/?customer={contoso.pk}")
    _wait_until_read(kind, "choosing the customer did not read its catalog")
    html = sales_client.get(f"/catalog/?customer={contoso.pk}").content.decode()
    assert "Showing the catalog Partner Center offers" in html
    # Later visits show the catalog read; only the button reads it again.
    requested = AuditEvent.objects.filter(action="catalog.customer_catalog_requested")
    assert requested.count() == 1
