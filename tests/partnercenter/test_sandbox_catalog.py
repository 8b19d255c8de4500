"""Catalog routes: ids, target views, SKU fields, availabilities per market, inventory checks."""

from __future__ import annotations

import re

import pytest

from tests.partnercenter.conftest import CATALOG_ITEM, seeded_ids

customer_id, subscription_id = seeded_ids()


@pytest.mark.parametrize(
    ("view", "expected"),
    [("AzureReservationsVM", {"DZH318Z0BQ3Q", "DZH318Z0BQ4Z"}), ("AzureReservationsSQL", {"DZH318Z0BQ5S"}),
     ("AzureReservationsCosmosDb", {"DZH318Z0BQ6C"}), ("SoftwarePerpetual", {"DG7GMGF0DWTL", "DG7GMGF0DWTK"}),
     ("SoftwareSubscriptions", {"DG7GMGF0FKZV", "DG7GMGF0FLR2"}), ("MicrosoftAzure", {"DZH318Z0BPS6"})],
)  # fmt: skip
def test_target_views(api, view, expected):
    resp = api.get("/v1/products", params={"country": "US", "targetView": view})
    assert resp.status_code == 200
    body = resp.json()
    assert {p["id"] for p in body["items"]} == expected and body["totalCount"] == len(expected)
    assert body["links"]["self"]["uri"] == f"/products?country=US&targetView={view}"
    assert all(re.fullmatch(r"[0-9A-Z]{12}", p["id"]) for p in body["items"])


def test_reservations_view_and_bad_parameters(api):
    all_ri = api.get(
        "/v1/products", params={"country": "us", "targetview": "azurereservations"}
    ).json()["items"]
    assert len(all_ri) == 5
    assert (
        api.get("/v1/products", params={"country": "US", "targetView": "Bogus"}).json()["code"]
        == 400036
    )
    bad_segment = api.get(
        "/v1/products", params={"country": "US", "targetView": "Software", "targetSegment": "x"}
    )
    assert bad_segment.status_code == 403 and bad_segment.json()["code"] == 400030
    assert api.get("/v1/products", params={"targetView": "Software"}).status_code == 400


def test_sku_shape(api):
    sku = api.get("/v1/products/DZH318Z0BQ3Q/skus/0001", params={"country": "US"}).json()
    assert re.fullmatch(r"[0-9A-Z]{4}", sku["id"]) and sku["productId"] == "DZH318Z0BQ3Q"
    assert sku["supportedBillingCycles"] == ["one_time"]
    assert sku["purchasePrerequisites"] == ["InventoryCheck", "AzureSubscriptionRegistration"]
    assert sku["inventoryVariables"] == ["CustomerId", "AzureSubscriptionId", "ArmRegionName"]
    assert sku["provisioningVariables"] == ["Scope", "SubscriptionId", "Duration"]
    assert {"armSkuName", "armRegionName", "duration", "region"} <= sku["dynamicAttributes"].keys()
    assert (
        sku["links"]["availabilities"]["uri"]
        == "/products/DZH318Z0BQ3Q/skus/0001/availabilities?country=US"
    )
    assert not any(k.startswith("_") for k in sku)


def test_availabilities_per_market_currency_and_scope(api):
    path = "/v1/products/DZH318Z0BQ3Q/skus/0001/availabilities"
    us = api.get(path, params={"country": "US"}).json()["items"]
    gb = api.get(path, params={"country": "GB"}).json()["items"]
    plan = api.get(path, params={"country": "US", "reservationScope": "AzurePlan"}).json()["items"]
    assert us[0]["defaultCurrency"] == {"code": "USD", "symbol": "$"}
    assert gb[0]["defaultCurrency"]["code"] == "GBP" and gb[0]["country"] == "GB"
    assert us[0]["id"] != gb[0]["id"] != plan[0]["id"]
    for item in (us[0], gb[0], plan[0]):
        assert CATALOG_ITEM.match(item["catalogItemId"])
        assert item["catalogItemId"] == f"{item['productId']}:{item['skuId']}:{item['id']}"
        assert item["terms"] == [{"duration": "P1Y", "description": "1 Year Prepaid"}]
    one = api.get(f"{path}/{us[0]['id']}", params={"country": "US"}).json()
    assert one["id"] == us[0]["id"] and one["sku"]["id"] == "0001"
    missing = api.get(f"{path}/NOPE", params={"country": "US"})
    assert missing.status_code == 404 and missing.json()["code"] == 400019
    software = api.get("/v1/products/DG7GMGF0DWTL/skus/0001/availabilities",
                       params={"country": "DE", "targetSegment": "Education"}).json()["items"]  # fmt: skip
    assert [a["segment"] for a in software] == ["education"] and software[0]["defaultCurrency"][
        "code"
    ] == "EUR"


def test_not_found_codes(api):
    assert api.get("/v1/products/NOPE", params={"country": "US"}).json()["code"] == 400013
    assert (
        api.get("/v1/products/DZH318Z0BQ3Q/skus/ZZZZ", params={"country": "US"}).json()["code"]
        == 400018
    )
    assert api.get("/v1/nothing/here").status_code == 404


def test_check_inventory_pascal_case_and_restrictions(api):
    contoso, plan = customer_id("contoso"), subscription_id("contoso-plan")
    body = {"TargetItems": [{"ProductId": "DZH318Z0BQ3Q"}, {"ProductId": "UNKNOWN00000"}],
            "InventoryContext": {"CustomerId": contoso, "AzureSubscriptionId": plan, "ArmRegionName": "westeurope"}}  # fmt: skip
    resp = api.post("/v1/extensions/product/checkInventory", params={"country": "US"}, json=body)
    assert resp.status_code == 200 and isinstance(resp.json(), list)
    items = resp.json()
    skus = api.get("/v1/products/DZH318Z0BQ3Q/skus", params={"country": "US"}).json()["items"]
    assert len(items) == len(skus)  # product-only target expands to all SKUs; unknown dropped
    region = {s["id"]: s["dynamicAttributes"]["armRegionName"] for s in skus}
    restricted = {i["skuId"] for i in items if i["isRestricted"]}
    assert restricted == {s for s, r in region.items() if r in ("japanwest", "westeurope")}
    sample = next(i for i in items if region[i["skuId"]] == "japanwest")
    assert sample["restrictions"][0]["reasonCode"] == "NotAvailableForSubscription"
    other = api.post("/v1/extensions/product/checkinventory", params={"country": "US"},
                     json={"targetItems": [{"productId": "DZH318Z0BQ3Q", "skuId": "0001"}],
                           "inventoryContext": {"customerId": contoso, "azureSubscriptionId": plan}})  # fmt: skip
    assert other.json() == [
        {"productId": "DZH318Z0BQ3Q", "skuId": "0001", "isRestricted": False, "restrictions": []}
    ]


def test_customers_are_seek_paged(api):
    first = api.get("/v1/customers", params={"size": 4}).json()
    assert first["totalCount"] == 4 and first["continuationToken"]
    nxt = first["links"]["next"]
    assert nxt["uri"] == "/customers?size=4&seekOperation=Next"
    assert nxt["headers"] == [{"key": "MS-ContinuationToken", "value": first["continuationToken"]}]
    second = api.get(
        f"/v1{nxt['uri']}", headers={"MS-ContinuationToken": first["continuationToken"]}
    ).json()
    assert (
        second["totalCount"] == 2
        and "next" not in second["links"]
        and "continuationToken" not in second
    )
    countries = {
        c["billingProfile"]["defaultAddress"]["country"] for c in first["items"] + second["items"]
    }
    assert {"US", "TW", "BR", "GB", "DE"} <= countries
    customer = api.get(f"/v1/customers/{first['items'][0]['id']}").json()
    assert customer["companyProfile"]["attributes"]["objectType"] == "CustomerCompanyProfile"
    assert customer["relationshipToPartner"] == "reseller"
    assert (
        api.get(
            "/v1/customers?size=4&seekOperation=Next", headers={"MS-ContinuationToken": "junk"}
        ).status_code
        == 400
    )


def test_subscriptions_of_a_customer(api):
    subs = api.get(f"/v1/customers/{customer_id('contoso')}/subscriptions").json()["items"]
    offers = {s["offerId"] for s in subs}
    assert "MS-AZR-0145P" in offers and any(o.startswith("DZH318Z0BPS6:") for o in offers)
    legacy = next(s for s in subs if s["offerId"] == "MS-AZR-0145P")
    assert legacy["unitType"] == "Usage-based" and legacy["billingType"] == "usage"
    assert legacy["links"]["offer"]["uri"] == "/offers/MS-AZR-0145P?country=US"
    got = api.get(f"/v1/customers/{customer_id('contoso')}/subscriptions/{legacy['id'].lower()}")
    assert got.status_code == 200 and got.json()["id"] == legacy["id"]
    assert (
        api.get(f"/v1/customers/{customer_id('contoso')}/subscriptions/nope").json()["code"]
        == 20003
    )


def test_azure_plan_reservation_catalog_is_its_own(api):
    plan = {"country": "US", "reservationScope": "AzurePlan"}
    products = api.get("/v1/products", params={**plan, "targetView": "AzureReservations"}).json()
    assert "DZH318Z0BQ5S" in {p["id"] for p in products["items"]}
    software = api.get("/v1/products", params={**plan, "targetView": "Software"}).json()
    assert software["items"] == []
    assert api.get("/v1/products/DG7GMGF0DWTL/skus", params=plan).json()["items"] == []
    path = "/v1/products/DZH318Z0BQ5S/skus/0001/availabilities"
    legacy = api.get(path, params={"country": "US"}).json()["items"]
    azure_plan = api.get(path, params=plan).json()["items"]
    assert len(legacy) == len(azure_plan) == 1
    assert legacy[0]["catalogItemId"] != azure_plan[0]["catalogItemId"]
