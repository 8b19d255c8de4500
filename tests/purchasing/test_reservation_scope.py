"""Reservation scope as Partner Center keeps it: Azure-plan items and MS-AZR-0145P items are
different catalog items; each is sold only for the subscriptions it fits."""

from __future__ import annotations

import pytest

from portal.models import AzureSubscription
from purchasing.services.cart import CartValidationError
from tests.purchasing.conftest import add_line, availability_titled

APP_SERVICE = "App Service, Premium v3 P1v3, US East, 3 Years"
CONTEXT = {"scope": "shared", "duration": "3Year"}


@pytest.fixture
def subs(world):
    contoso = world["contoso"]
    return {
        "plan": AzureSubscription.objects.get(
            customer=contoso, offer_id__startswith="DZH318Z0BPS6"
        ),
        "legacy": AzureSubscription.objects.get(customer=contoso, offer_id="MS-AZR-0145P"),
        "m365": AzureSubscription.objects.get(customer=contoso, friendly_name__contains="365"),
    }


def _picker(sales_client, world, scope: str) -> str:
    availability = availability_titled(APP_SERVICE, scope=scope)
    url = f"/cart/add/?availability={availability.pk}&customer={world['contoso'].pk}"
    return sales_client.get(url).content.decode()


def test_sku_page_shows_which_subscriptions_each_item_is_for(world, sales_client):
    availability = availability_titled(APP_SERVICE)
    sku = availability.sku
    page = sales_client.get(f"/catalog/{sku.product.product_id}/{sku.sku_id}/?country=US")
    html = page.content.decode()
    assert availability.catalog_item_id in html
    assert availability_titled(APP_SERVICE, scope="AzurePlan").catalog_item_id in html
    assert "Azure plan</span>" in html and "Azure subscription (MS-AZR-0145P)</span>" in html


def test_azure_plan_item_offers_only_the_azure_plan(world, subs, sales_client):
    html = _picker(sales_client, world, "AzurePlan")
    assert 'Reservation for: <span class="status">Azure plan' in html
    assert str(subs["plan"].subscription_id) in html
    assert str(subs["legacy"].subscription_id) not in html
    assert str(subs["m365"].subscription_id) not in html and "Microsoft 365" not in html


def test_legacy_item_offers_only_registered_ms_azr_0145p(world, subs, sales_client):
    html = _picker(sales_client, world, "")
    # Contoso's MS-AZR-0145P subscription is not registered: not offered, and the page says why.
    assert str(subs["legacy"].subscription_id) not in html.split("subscription-left-out")[0]
    assert "not registered for Azure reservations yet" in html
    assert str(subs["plan"].subscription_id) not in html and "Microsoft 365" not in html
    AzureSubscription.objects.filter(pk=subs["legacy"].pk).update(registration_state="registered")
    html = _picker(sales_client, world, "")
    assert f'value="{subs["legacy"].subscription_id}"' in html
    assert str(subs["plan"].subscription_id) not in html


@pytest.mark.parametrize(
    ("scope", "sub", "expected"),
    [
        ("", "plan", "is an Azure plan, but this item is for MS-AZR-0145P subscriptions"),
        ("AzurePlan", "legacy", "is an MS-AZR-0145P subscription, but this item is from the "
                                "Azure plan catalog"),
        ("AzurePlan", "m365", "is not an Azure subscription"),
        ("", "m365", "is not an Azure subscription"),
    ],
)  # fmt: skip
def test_cart_refuses_a_subscription_that_does_not_fit(world, subs, sales_user, scope, sub,
                                                       expected):  # fmt: skip
    context = {"subscriptionId": str(subs[sub].subscription_id), **CONTEXT}
    with pytest.raises(CartValidationError) as err:
        add_line(world["contoso"], sales_user, title=APP_SERVICE, quantity=1, scope=scope,
                 context=context)  # fmt: skip
    assert expected in err.value.errors["ctx_subscriptionid"][0]


def test_partner_centers_refusal_of_a_mismatch_is_shown_in_words(
    world, subs, sales_user, sales_client
):
    # The portal's mirror is out of date: it believes the Azure plan is an MS-AZR-0145P
    # subscription, so only Partner Center can notice the mismatch.
    AzureSubscription.objects.filter(pk=subs["plan"].pk).update(offer_id="MS-AZR-0145P")
    line = add_line(world["contoso"], sales_user, title=APP_SERVICE, quantity=1, scope="",
                    context={"subscriptionId": str(subs["plan"].subscription_id), **CONTEXT})  # fmt: skip
    assert line.error_code == "10008"
    html = sales_client.get(f"/cart/{world['contoso'].pk}/").content.decode()
    assert "The subscription on this line cannot carry this reservation." in html
    assert "is an Azure plan; this catalog item is for MS-AZR-0145P subscriptions" in html
    assert "Reservation for: Azure subscription (MS-AZR-0145P)" in html
