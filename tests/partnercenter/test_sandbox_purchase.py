"""Registration, carts, checkout, orders and entitlements over real HTTP."""

from __future__ import annotations

import threading
import uuid

import pytest

from tests.partnercenter.conftest import first_availability, seeded_ids

customer_id, subscription_id = seeded_ids()
CONTOSO = customer_id("contoso")
RI_PRODUCT, RI_SKU = (
    "DZH318Z0BQ3Q",
    "0001",
)  # D2s v3, US East, 1 year: InventoryCheck + registration


def ri_line(api, sub_key="contoso-plan", sku=RI_SKU, country="US", scope=None, **extra):
    """A reservation line; the item comes from the catalog that fits the subscription unless
    ``scope`` says otherwise ("AzurePlan" or "" for the MS-AZR-0145P catalog)."""
    if scope is None:
        scope = "AzurePlan" if sub_key.endswith("plan") else ""
    params = {"reservationScope": scope} if scope else {}
    avail = first_availability(api, RI_PRODUCT, sku, country, **params)
    line = {"id": 0, "catalogItemId": avail["catalogItemId"], "quantity": 1, "billingCycle": "one_time",
            "termDuration": "P1Y",
            "provisioningContext": {"subscriptionId": subscription_id(sub_key), "scope": "shared", "duration": "1Year"}}  # fmt: skip
    line.update(extra)
    return line


def software_line(api, country="US", quantity=2):
    avail = first_availability(api, "DG7GMGF0DWTL", "0001", country)
    return {
        "id": 1,
        "catalogItemId": avail["catalogItemId"],
        "quantity": quantity,
        "billingCycle": "OneTime",
    }


def licence_line(api):
    avail = first_availability(api, "CFQ7TTC0LH18", "0001", "US")
    return {"id": 2, "catalogItemId": avail["catalogItemId"], "quantity": 5, "billingCycle": "Monthly",
            "termDuration": "P1M"}  # fmt: skip


def create_cart(api, lines, customer=CONTOSO, **kw):
    return api.post(f"/v1/customers/{customer}/carts", json={"lineItems": lines}, **kw)


def checkout(api, cart_id, customer=CONTOSO, **kw):
    return api.post(f"/v1/customers/{customer}/carts/{cart_id}/checkout", **kw)


def test_registration_moves_through_registering_to_registered(api, sb):
    sub = subscription_id("contoso-legacy")
    status_url = f"/v1/customers/{CONTOSO}/subscriptions/{sub}/registrationstatus"
    assert api.get(status_url).json()["status"] == "NotRegistered"
    resp = api.post(f"/v1/customers/{CONTOSO}/subscriptions/{sub.lower()}/registrations", data="null",
                    headers={"Content-Type": "application/json"})  # fmt: skip
    assert resp.status_code == 202 and resp.content == b""
    assert (
        resp.headers["Location"] == f"/customers/{CONTOSO}/subscriptions/{sub}/registrationstatus"
    )
    assert api.get(status_url).json() == {"subscriptionId": sub, "status": "Registering",
                                          "attributes": {"objectType": "SubscriptionRegistrationStatus"}}  # fmt: skip
    api.advance_clock(31)
    assert api.get(status_url).json()["status"] == "Registered"


def test_registration_errors(api):
    unknown = api.post(f"/v1/customers/{CONTOSO}/subscriptions/{uuid.uuid4()}/registrations")
    assert unknown.status_code == 404 and unknown.json()["code"] == 20003
    stranger = api.post(f"/v1/customers/{uuid.uuid4()}/subscriptions/{uuid.uuid4()}/registrations")
    assert stranger.status_code == 403 and stranger.json()["code"] == 20002


def test_cart_accepts_any_casing_and_groups_by_billing_cycle(api):
    ri = ri_line(api)
    pascal = {"Id": 0, "CatalogItemId": ri["catalogItemId"], "Quantity": 1, "BillingCycle": "OneTime",
              "TermDuration": "P1Y", "ProvisioningContext": {"SubscriptionId": subscription_id("contoso-plan"),
                                                             "Scope": "Shared", "Duration": "1Year"}}  # fmt: skip
    resp = api.post(f"/v1/customers/{CONTOSO}/carts",
                    json={"LineItems": [pascal, software_line(api), licence_line(api)]})  # fmt: skip
    assert resp.status_code == 201, resp.text
    cart = resp.json()
    assert cart["status"] == "Active" and cart["attributes"] == {"objectType": "Cart"}
    assert [(x["billingCycle"], x["orderGroup"]) for x in cart["lineItems"]] == [
        ("one_time", "0"),
        ("one_time", "0"),
        ("monthly", "1"),
    ]
    assert cart["lineItems"][0]["provisioningContext"]["subscriptionId"] == subscription_id(
        "contoso-plan"
    )
    assert all("error" not in x for x in cart["lineItems"])
    assert cart["links"]["self"]["uri"] == f"/customers/{CONTOSO}/carts/{cart['id']}"

    result = checkout(api, cart["id"]).json()
    assert {o["billingCycle"] for o in result["orders"]} == {"one_time", "monthly"}
    assert result["orderErrors"] == []
    one_time = next(o for o in result["orders"] if o["billingCycle"] == "one_time")
    assert (
        one_time["status"] == "pending"
        and one_time["id"].endswith("1")
        and len(one_time["id"]) == 33
    )
    assert api.get(f"/v1/customers/{CONTOSO}/carts/{cart['id']}").json()["status"] == "Ordered"


@pytest.mark.parametrize(
    ("line_fn", "code"),
    [
        (lambda api: ri_line(api, sub_key="contoso-legacy"), 10011),  # not registered
        (
            lambda api: ri_line(api, provisioningContext={"scope": "shared", "duration": "1Year"}),
            10010,
        ),
        (
            lambda api: ri_line(api, sub_key="fabrikam-plan"),
            10007,
        ),  # another customer's subscription
        (lambda api: software_line(api, quantity=0), 10010),
        (
            lambda api: {**software_line(api), "catalogItemId": "DG7GMGF0DWTL:0001:ZZZZZZZZZZZZ"},
            10001,
        ),
        (lambda api: {**software_line(api), "billingCycle": "monthly"}, 10010),
    ],
)
def test_bad_lines_carry_errors_and_block_checkout(api, line_fn, code):
    resp = create_cart(api, [line_fn(api)])
    assert resp.status_code == 201
    line = resp.json()["lineItems"][0]
    assert line["error"]["errorCode"] == code and line["error"]["errorDescription"]
    failed = checkout(api, resp.json()["id"])
    assert failed.status_code == 400 and failed.json()["data"][0]["errorCode"] == code


def test_reservation_scope_must_fit_the_subscription(api):
    plan_on_legacy_item = ri_line(api, sub_key="contoso-plan", scope="")
    legacy_on_plan_item = ri_line(api, sub_key="wingtip-legacy", country="DE", scope="AzurePlan")
    fits = ri_line(api, sub_key="wingtip-legacy", country="DE")
    assert plan_on_legacy_item["catalogItemId"] != ri_line(api)["catalogItemId"]
    line = create_cart(api, [plan_on_legacy_item]).json()["lineItems"][0]
    assert line["error"]["errorCode"] == 10008
    assert "is an Azure plan" in line["error"]["errorDescription"]
    wingtip = customer_id("wingtip")
    line = create_cart(api, [legacy_on_plan_item], customer=wingtip).json()["lineItems"][0]
    assert line["error"]["errorCode"] == 10008
    assert "not an Azure plan" in line["error"]["errorDescription"]
    cart = create_cart(api, [fits], customer=wingtip).json()
    assert "error" not in cart["lineItems"][0]
    assert checkout(api, cart["id"], customer=wingtip).status_code == 201


def test_unregistered_subscription_checkout_is_800030_and_inventory_restriction_10003(api, sb):
    cart = create_cart(api, [ri_line(api, sub_key="contoso-legacy")]).json()
    assert checkout(api, cart["id"]).json()["code"] == 800030
    skus = api.get(f"/v1/products/{RI_PRODUCT}/skus", params={"country": "US"}).json()["items"]
    westeurope = next(
        s["id"] for s in skus if s["dynamicAttributes"]["armRegionName"] == "westeurope"
    )
    # the seeded inventory rules restrict EU West for contoso-plan
    restricted = create_cart(api, [ri_line(api, sku=westeurope)]).json()["lineItems"][0]
    assert restricted["error"]["errorCode"] == 10003


def test_software_subscriptions_unavailable_in_brazil(api):
    tailspin = customer_id("tailspin")
    products = api.get(
        "/v1/products", params={"country": "BR", "targetView": "SoftwareSubscriptions"}
    ).json()
    assert products["items"] == []
    us = first_availability(api, "DG7GMGF0FKZV", "0001", "US")
    resp = create_cart(api, [{"catalogItemId": us["catalogItemId"], "quantity": 8, "billingCycle": "one_time",
                              "termDuration": "P1Y"}], customer=tailspin)  # fmt: skip
    assert resp.status_code == 400 and resp.json()["code"] == 800070


def test_bad_bodies_are_800002(api):
    assert create_cart(api, []).json()["code"] == 800002
    resp = api.post(
        f"/v1/customers/{CONTOSO}/carts",
        data="{not json",
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 400 and resp.json()["code"] == 800002


def test_idempotent_create_and_checkout(api, sb):
    rid = str(uuid.uuid4())
    first = create_cart(api, [software_line(api)], headers={"MS-RequestId": rid})
    again = create_cart(api, [software_line(api)], headers={"MS-RequestId": rid})
    assert (
        first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    )
    cart_id = first.json()["id"]
    rid = str(uuid.uuid4())
    one = checkout(api, cart_id, headers={"MS-RequestId": rid})
    two = checkout(api, cart_id, headers={"MS-RequestId": rid})
    assert one.status_code == two.status_code == 201 and one.json() == two.json()
    stats = sb.stats()
    assert stats["orders_per_cart"] == {cart_id: 1} and stats["checkouts_per_cart"] == {cart_id: 1}
    assert stats["checkout_attempts_per_cart"] == {cart_id: 2}  # the replay reached the sandbox
    fresh = checkout(api, cart_id, headers={"MS-RequestId": str(uuid.uuid4())})
    assert fresh.status_code == 400 and fresh.json()["code"] == 800065


def test_concurrent_checkout_gets_409(api, sb):
    sb.configure(checkout_processing_delay=0.5)
    cart_id = create_cart(api, [software_line(api)]).json()["id"]
    api.app_token()
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(checkout(api, cart_id))) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409]
    assert next(r for r in results if r.status_code == 409).json()["code"] == 800064
    assert sb.stats()["orders_per_cart"] == {cart_id: 1}


def test_cart_expires_seven_days_after_last_change(api, sb):
    cart = create_cart(api, [software_line(api)]).json()
    api.advance_clock(6 * 86400)
    updated = api.put(
        f"/v1/customers/{CONTOSO}/carts/{cart['id']}",
        json={**cart, "lineItems": [software_line(api, quantity=3)]},
    )
    assert updated.status_code == 201 and updated.json()["lineItems"][0]["quantity"] == 3
    api.advance_clock(6 * 86400)  # 12 days after creation, 6 after the update
    assert api.get(f"/v1/customers/{CONTOSO}/carts/{cart['id']}").status_code == 200
    api.advance_clock(2 * 86400)
    for resp in (api.get(f"/v1/customers/{CONTOSO}/carts/{cart['id']}"), checkout(api, cart["id"]),
                 api.put(f"/v1/customers/{CONTOSO}/carts/{cart['id']}", json=cart)):  # fmt: skip
        assert resp.status_code == 404 and resp.json()["code"] == 800008


def test_reissued_catalog_ids_invalidate_cart_lines(api, sb):
    old = software_line(api)
    cart_id = create_cart(api, [old]).json()["id"]
    sb.reissue_catalog_ids()
    new = first_availability(api, "DG7GMGF0DWTL", "0001", "US")
    assert new["catalogItemId"] != old["catalogItemId"]
    failed = checkout(api, cart_id)
    assert failed.status_code == 400 and failed.json()["data"][0]["errorCode"] == 10001
    assert (
        api.get(f"/v1/customers/{CONTOSO}/carts/{cart_id}").json()["lineItems"][0]["error"][
            "errorCode"
        ]
        == 10001
    )
    stale = create_cart(api, [old]).json()["lineItems"][0]
    assert stale["error"]["errorCode"] == 10001


def test_per_group_failures_are_reported_in_order_errors(api, sb):
    sb.configure(failing_catalog_items=["CFQ7TTC0LH18"])
    cart_id = create_cart(api, [software_line(api), licence_line(api)]).json()["id"]
    result = checkout(api, cart_id).json()
    assert [o["billingCycle"] for o in result["orders"]] == ["one_time"]
    assert result["orderErrors"] == [{"orderGroupId": "1", "code": 800005,
                                      "description": "Create order was not successful."}]  # fmt: skip


def test_order_lists_lag_and_billing_type_filter(api, sb):
    before = {o["id"] for o in api.get(f"/v1/customers/{CONTOSO}/orders").json()["items"]}
    result = checkout(
        api, create_cart(api, [software_line(api), licence_line(api)]).json()["id"]
    ).json()
    ids = {o["id"] for o in result["orders"]}
    for order_id in ids:  # get-by-id works at once
        assert api.get(f"/v1/customers/{CONTOSO}/orders/{order_id}").status_code == 200
    listed = {o["id"] for o in api.get(f"/v1/customers/{CONTOSO}/orders").json()["items"]}
    assert listed == before
    api.advance_clock(61)
    assert ids <= {o["id"] for o in api.get(f"/v1/customers/{CONTOSO}/orders").json()["items"]}
    for spelling in ("onetime", "OneTime", "one_time"):
        items = api.get(f"/v1/customers/{CONTOSO}/orders", params={"billingType": spelling}).json()[
            "items"
        ]
        assert items and {o["billingCycle"] for o in items} == {"one_time"}
    monthly = api.get(f"/v1/customers/{CONTOSO}/orders", params={"billingType": "Monthly"}).json()[
        "items"
    ]
    assert {o["billingCycle"] for o in monthly} == {"monthly"}
    assert api.get(f"/v1/customers/{CONTOSO}/orders/nope").json()["code"] == 20000


def test_one_time_orders_complete_and_produce_entitlements(api, sb):
    order = checkout(api, create_cart(api, [ri_line(api), software_line(api)]).json()["id"]).json()[
        "orders"
    ][0]
    path = f"/v1/customers/{CONTOSO}/orders/{order['id']}"
    status = api.get(f"{path}/provisioningstatus", user=True).json()["items"]
    assert {s["status"] for s in status} == {"prefulfillment_pending"}
    api.advance_clock(31)
    assert api.get(path).json()["status"] == "completed"
    assert {
        s["status"] for s in api.get(f"{path}/provisioningstatus", user=True).json()["items"]
    } == {"fulfilled"}
    ents = api.get(f"/v1/customers/{CONTOSO}/entitlements", params={"entitlementType": "reservedInstance", "showExpiry": "True"},
                   user=True).json()["items"]  # fmt: skip
    mine = [e for e in ents if e["referenceOrder"]["id"] == order["id"]]
    assert len(mine) == 1 and mine[0]["expiryDate"]
    artifact = mine[0]["entitledArtifacts"][0]
    assert artifact["artifactType"] == "reservedinstance"
    details = api.get(f"/v1{artifact['link']['uri']}", user=True).json()
    assert (
        details["reservations"][0]["scopeType"] == "Shared"
        and details["reservations"][0]["quantity"] == 1
    )
    software = api.get(
        f"/v1/customers/{CONTOSO}/entitlements", params={"entitlementtype": "software"}, user=True
    ).json()
    assert any(e["referenceOrder"]["id"] == order["id"] for e in software["items"])


def test_licence_orders_create_subscriptions(api):
    result = checkout(api, create_cart(api, [licence_line(api)]).json()["id"]).json()
    sub_id = result["orders"][0]["lineItems"][0]["subscriptionId"]
    sub = api.get(f"/v1/customers/{CONTOSO}/subscriptions/{sub_id}").json()
    assert (
        sub["offerName"] == "Microsoft 365 Business Basic"
        and sub["attributes"]["objectType"] == "Subscription"
    )
    listed = api.get(f"/v1/customers/{CONTOSO}/subscriptions").json()["items"]
    assert sub_id in {s["id"] for s in listed}
