"""Fault injection through the control endpoint: 429, 5xx, reset, latency, slow commit, probability."""

from __future__ import annotations

import time
import uuid

import msal
import pytest
import requests

from tests.partnercenter.conftest import first_availability, seeded_ids

customer_id, _ = seeded_ids()
CONTOSO = customer_id("contoso")


def test_429_with_retry_after_then_success(api, sb):
    sb.add_fault("429", path="/v1/customers", method="GET", count=1, retry_after=7)
    throttled = api.get("/v1/customers")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "7"
    assert throttled.json() == {
        "statusCode": 429,
        "message": "Rate limit is exceeded. Try again in 7 seconds.",
    }
    assert api.get("/v1/customers").status_code == 200


@pytest.mark.parametrize("kind", ["500", "503"])
def test_server_errors_use_the_standard_body(api, sb, kind):
    sb.add_fault(kind, path="/v1/invoices*", count=1)
    resp = api.get("/v1/invoices")
    assert resp.status_code == int(kind)
    assert resp.json()["code"] == 800003 and resp.json()["source"] == "PartnerFD"
    assert api.get("/v1/invoices").status_code == 200


def test_connection_reset(api, sb):
    sb.add_fault("reset", path="/v1/customers/*/orders", method="GET", count=1)
    with pytest.raises(requests.ConnectionError):
        api.get(f"/v1/customers/{CONTOSO}/orders")
    assert api.get(f"/v1/customers/{CONTOSO}/orders").status_code == 200


def test_latency(api, sb):
    sb.add_fault("latency", path="/v1/customers", delay=0.4)
    started = time.monotonic()
    assert api.get("/v1/customers").status_code == 200
    assert time.monotonic() - started >= 0.4


def test_slow_commit_times_out_but_commits_and_replays(api, sb):
    avail = first_availability(api, "DG7GMGF0DWTL", "0001", "US")
    line = {"catalogItemId": avail["catalogItemId"], "quantity": 1, "billingCycle": "one_time"}
    cart_id = api.post(f"/v1/customers/{CONTOSO}/carts", json={"lineItems": [line]}).json()["id"]
    sb.add_fault(
        "slow_commit", path="/v1/customers/*/carts/*/checkout", method="POST", delay=1.5, count=1
    )
    rid = str(uuid.uuid4())
    checkout = f"/v1/customers/{CONTOSO}/carts/{cart_id}/checkout"
    with pytest.raises(requests.ReadTimeout):
        api.post(checkout, headers={"MS-RequestId": rid}, timeout=0.5)
    retry = api.post(
        checkout, headers={"MS-RequestId": rid}
    )  # same id: waits for and replays the first
    assert retry.status_code == 201 and len(retry.json()["orders"]) == 1
    assert sb.stats()["orders_per_cart"] == {cart_id: 1}


def test_probability_is_reproducible_with_a_seed(api, sb):
    def pattern():
        sb.clear_faults()
        sb.add_fault("503", path="/v1/invoices/summary", probability=0.5, seed=42)
        return [api.get("/v1/invoices/summary").status_code for _ in range(20)]

    first = pattern()
    assert set(first) == {200, 503}
    assert pattern() == first


def test_faults_can_target_the_token_endpoint(api, sb):
    sb.add_fault("503", path=f"/{sb.tenant_id}/oauth2/v2.0/token", count=1)
    with pytest.raises(msal.exceptions.MsalServiceError, match="503"):
        api.msal_app().acquire_token_for_client(scopes=[api.SCOPE])
    assert "access_token" in api.msal_app().acquire_token_for_client(scopes=[api.SCOPE])


def test_bad_fault_spec_is_rejected(sb):
    with pytest.raises(RuntimeError, match="unknown fault kind"):
        sb.add_fault("explode")


def _contoso_cart(api) -> str:
    avail = first_availability(api, "DG7GMGF0DWTL", "0001", "US")
    line = {"catalogItemId": avail["catalogItemId"], "quantity": 2, "billingCycle": "one_time",
            "provisioningContext": {"note": "soak-7"}}  # fmt: skip
    cart = api.post(f"/v1/customers/{CONTOSO}/carts", json={"lineItems": [line]}).json()
    return cart["id"]


def test_reset_after_commit_orders_loses_the_answer_and_replays(api, sb):
    cart_id = _contoso_cart(api)
    sb.add_fault("reset_after", path="/v1/customers/*/carts/*/checkout", method="POST", count=1)
    checkout = f"/v1/customers/{CONTOSO}/carts/{cart_id}/checkout"
    rid = str(uuid.uuid4())
    with pytest.raises(requests.ConnectionError):
        api.post(checkout, headers={"MS-RequestId": rid})
    ledger = sb.ledger(CONTOSO)["customers"][CONTOSO]
    bought = [o for o in ledger["orders"] if o["cartId"] == cart_id]
    assert len(bought) == 1  # bought although the caller never heard so
    assert [c["status"] for c in ledger["carts"] if c["id"] == cart_id] == ["Ordered"]
    replay = api.post(checkout, headers={"MS-RequestId": rid})
    assert replay.status_code == 201 and replay.json()["orders"][0]["id"] == bought[0]["id"]
    again = api.post(checkout, headers={"MS-RequestId": str(uuid.uuid4())})
    assert again.status_code == 400 and again.json()["code"] == 800065
    assert sb.stats()["fault_outcomes"] == {"after:reset_after": 1}


def test_500_after_commit_on_cart_create_keeps_the_cart(api, sb):
    avail = first_availability(api, "DG7GMGF0DWTL", "0001", "US")
    line = {"catalogItemId": avail["catalogItemId"], "quantity": 1, "billingCycle": "one_time"}
    sb.add_fault("500_after", path="/v1/customers/*/carts", method="POST", count=1)
    rid = str(uuid.uuid4())
    lost = api.post(
        f"/v1/customers/{CONTOSO}/carts", json={"lineItems": [line]}, headers={"MS-RequestId": rid}
    )
    assert lost.status_code == 500 and lost.json()["code"] == 800003
    carts = sb.ledger(CONTOSO)["customers"][CONTOSO]["carts"]
    assert len(carts) == 1
    replay = api.post(
        f"/v1/customers/{CONTOSO}/carts", json={"lineItems": [line]}, headers={"MS-RequestId": rid}
    )
    assert replay.status_code == 201 and replay.json()["id"] == carts[0]["id"]
    assert len(sb.ledger(CONTOSO)["customers"][CONTOSO]["carts"]) == 1


def test_before_faults_leave_nothing_behind(api, sb):
    avail = first_availability(api, "DG7GMGF0DWTL", "0001", "US")
    line = {"catalogItemId": avail["catalogItemId"], "quantity": 1, "billingCycle": "one_time"}
    sb.add_fault("reset", path="/v1/customers/*/carts", method="POST", count=1)
    with pytest.raises(requests.ConnectionError):
        api.post(f"/v1/customers/{CONTOSO}/carts", json={"lineItems": [line]})
    assert sb.ledger(CONTOSO)["customers"][CONTOSO]["carts"] == []
    assert sb.stats()["fault_outcomes"] == {"before:reset": 1}


def test_ledger_lists_every_cart_and_order_per_customer(api, sb):
    cart_id = _contoso_cart(api)
    api.post(f"/v1/customers/{CONTOSO}/carts/{cart_id}/checkout")
    ledger = sb.ledger()
    assert CONTOSO in ledger["customers"] and len(ledger["customers"]) > 1
    mine = ledger["customers"][CONTOSO]
    cart = next(c for c in mine["carts"] if c["id"] == cart_id)
    assert cart["checkouts"] == 1 and cart["checkoutAttempts"] == 1
    assert cart["lineItems"][0]["provisioningContext"] == {"note": "soak-7"}
    order = next(o for o in mine["orders"] if o["cartId"] == cart_id)
    assert order["lineItems"][0]["quantity"] == 2
    assert order["lineItems"][0]["provisioningContext"] == {"note": "soak-7"}
