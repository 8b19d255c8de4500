"""Client transport against a local fake Partner Center + authority (real requests, real msal)."""

from __future__ import annotations

import logging
import socket
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

import partnercenter
from partnercenter import MemoryTokenCacheStore, errors
from partnercenter.models import OneTimeInvoiceLineItem, RegistrationState

from .client_fakes import CLIENT_ID, CLIENT_SECRET, TENANT, FakePartnerCenter, reply

CID = "b44bb1fb-c595-45b0-9e09-d657365580bf"
CUSTOMER = {
    "id": CID,
    "companyProfile": {
        "tenantId": CID,
        "domain": "contoso.onmicrosoft.com",
        "companyName": "Contoso",
    },
    "relationshipToPartner": "reseller",
}


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def fake():
    with FakePartnerCenter() as server:
        yield server


@pytest.fixture
def sleeps():
    return Sleeps()


def make_client(fake, sleeps, **kwargs):
    options = dict(
        base_url=fake.base_url,
        authority=fake.authority,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        timeout=(2.0, 5.0),
        max_retries=3,
        sleep=sleeps,
    )
    options.update(kwargs)
    return partnercenter.Client(**options)


def test_msal_client_credentials_one_token_for_many_calls(fake, sleeps):
    fake.route("GET", f"/v1/customers/{CID}", reply(200, CUSTOMER))
    client = make_client(fake, sleeps)
    for _ in range(3):
        assert client.get_customer(CID).company_profile.domain == "contoso.onmicrosoft.com"
    assert len(fake.token_requests) == 1
    form = fake.token_requests[0]
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"] == ["https://api.partnercenter.microsoft.com/.default"]
    calls = fake.api_requests(f"/v1/customers/{CID}")
    assert [c.header("Authorization") for c in calls] == ["Bearer app-token-1"] * 3
    assert len({c.header("MS-RequestId") for c in calls}) == 3
    assert len({c.header("MS-CorrelationId") for c in calls}) == 3


def test_retry_reuses_request_id_new_id_per_call(fake, sleeps):
    fake.route(
        "GET",
        f"/v1/customers/{CID}",
        reply(503, {"code": 800003, "description": "busy"}),
        reply(200, CUSTOMER),
    )
    client = make_client(fake, sleeps)
    client.get_customer(CID)
    client.get_customer(CID, correlation_id="op-123")
    first, retry, second = fake.api_requests(f"/v1/customers/{CID}")
    assert first.header("MS-RequestId") == retry.header("MS-RequestId")
    assert first.header("MS-CorrelationId") == retry.header("MS-CorrelationId")
    assert second.header("MS-RequestId") != first.header("MS-RequestId")
    assert second.header("MS-CorrelationId") == "op-123"
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 0.5


def test_429_retry_after_honoured(fake, sleeps):
    throttled = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 7 seconds."}
    fake.route(
        "GET",
        f"/v1/customers/{CID}",
        reply(429, throttled, headers={"Retry-After": "7"}),
        reply(200, CUSTOMER),
    )
    make_client(fake, sleeps).get_customer(CID)
    assert sleeps == [7.0]


def test_429_after_retries_raises_throttled(fake, sleeps):
    throttled = {"statusCode": 429, "message": "Rate limit is exceeded."}
    fake.route("GET", "/v1/invoices/summary", reply(429, throttled, headers={"Retry-After": "3"}))
    with pytest.raises(errors.Throttled) as info:
        make_client(fake, sleeps, max_retries=2).get_account_balance()
    assert info.value.retry_after == 3.0 and info.value.status == 429
    assert sleeps == [3.0, 3.0]


def test_5xx_retried_then_server_error_with_ids(fake, sleeps):
    fake.route(
        "GET", f"/v1/customers/{CID}", reply(500, {"code": 800003, "description": "Unexpected"})
    )
    with pytest.raises(errors.ServerError) as info:
        make_client(fake, sleeps, max_retries=2).get_customer(CID)
    calls = fake.api_requests(f"/v1/customers/{CID}")
    assert len(calls) == 3 and len({c.header("MS-RequestId") for c in calls}) == 1
    err = info.value
    assert err.request_id == calls[0].header("MS-RequestId")
    assert err.correlation_id == calls[0].header("MS-CorrelationId")
    assert err.code == 800003 and err.should_retry
    assert err.request_id in str(err) and err.correlation_id in str(err)
    assert len(sleeps) == 2 and sleeps[1] <= 1.0


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (
            404,
            {"code": 20000, "description": "Order ID not found", "data": [], "source": "PartnerFD"},
            errors.NotFound,
        ),
        (
            403,
            {"code": 20002, "description": "No relationship", "source": "PartnerFD"},
            errors.PermissionDenied,
        ),
        (
            400,
            {"code": "800002", "description": "Invalid request input", "data": ["lineItems"]},
            errors.ValidationError,
        ),
        (409, {"code": 800064, "description": "Cart is being processed"}, errors.Conflict),
        (401, {"code": 800001, "description": "Partner Token missing"}, errors.AuthenticationError),
    ],
)
def test_typed_errors_carry_code_and_ids(fake, sleeps, status, body, cls):
    fake.route("GET", f"/v1/customers/{CID}/orders/o1", reply(status, body))
    with pytest.raises(cls) as info:
        make_client(fake, sleeps).get_order(CID, "o1")
    calls = fake.api_requests(f"/v1/customers/{CID}/orders/o1")  # no retry for 4xx ...
    if status == 401:  # ... except one at once with a fresh token, same request id
        assert [c.header("Authorization") for c in calls] == [
            "Bearer app-token-1",
            "Bearer app-token-2",
        ]
        assert len({c.header("MS-RequestId") for c in calls}) == 1
        calls = calls[1:]
    (call,) = calls
    err = info.value
    assert (err.status, err.code, err.description) == (status, body["code"], body["description"])
    assert err.request_id == call.header("MS-RequestId")
    assert body["description"] in str(err) and err.request_id in str(err)
    assert sleeps == []


def test_invalid_json_raises_invalid_response(fake, sleeps):
    fake.route(
        "GET",
        f"/v1/customers/{CID}",
        reply(200, raw=b"<html>oops</html>", headers={"Content-Type": "text/html"}),
    )
    with pytest.raises(errors.InvalidResponse):
        make_client(fake, sleeps).get_customer(CID)


def test_post_timeout_raises_outcome_unknown_same_request_id(fake, sleeps):
    path = f"/v1/customers/{CID}/carts/cart-1/checkout"
    fake.route("POST", path, reply(201, {"orders": []}, delay=1.0))
    client = make_client(fake, sleeps, timeout=(2.0, 0.2), max_retries=1)
    with pytest.raises(errors.OutcomeUnknown) as info:
        client.checkout_cart(CID, "cart-1", request_id="persisted-request-id")
    calls = fake.api_requests(path)
    assert [c.header("MS-RequestId") for c in calls] == ["persisted-request-id"] * 2
    assert info.value.request_id == "persisted-request-id"
    assert isinstance(info.value.__cause__, errors.Timeout)


def test_get_timeout_raises_timeout(fake, sleeps):
    fake.route("GET", f"/v1/customers/{CID}", reply(200, CUSTOMER, delay=1.0))
    with pytest.raises(errors.Timeout):
        make_client(fake, sleeps, timeout=(2.0, 0.2), max_retries=1).get_customer(CID)


def test_write_never_sent_is_connection_failed_not_outcome_unknown(fake, sleeps):
    client = make_client(fake, sleeps, max_retries=1)
    client.auth.app_token()  # token from the live fake authority
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    client._http.base_url = f"http://127.0.0.1:{closed_port}"
    with pytest.raises(errors.ConnectionFailed):
        client.create_cart(
            CID, [{"catalogItemId": "A:B:C", "quantity": 1, "billingCycle": "one_time"}]
        )


def _line(n: int) -> dict:
    return {
        "invoiceNumber": "G1",
        "orderId": f"o{n}",
        "unitPrice": str(n),
        "quantity": "1",
        "billingProvider": "one_time",
        "invoiceLineItemType": "billing_line_items",
    }


def _seek_page(items: list, token: str | None) -> dict:
    base = "/invoices/G1/lineitems?provider=OneTime&invoicelineitemtype=BillingLineItems&size=2"
    body = {
        "totalCount": len(items),
        "items": items,
        "links": {"self": {"uri": base, "method": "GET", "headers": []}},
        "attributes": {"objectType": "Collection"},
    }
    if token:
        body["continuationToken"] = token
        body["links"]["next"] = {
            "uri": base + "&seekOperation=Next",
            "method": "GET",
            "headers": [{"key": "MS-ContinuationToken", "value": token}],
        }
    return body


def test_seek_paging_token_in_header_never_url(fake, sleeps):
    tokens = ["tok,1/a+b=", "tok,2/c+d=="]
    fake.route(
        "GET",
        "/v1/invoices/G1/lineitems",
        reply(200, _seek_page([_line(1), _line(2)], tokens[0])),
        reply(200, _seek_page([_line(3), _line(4)], tokens[1])),
        reply(200, _seek_page([_line(5)], None)),
    )
    pages = list(make_client(fake, sleeps).iter_invoice_line_item_pages("G1", page_size=2))
    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert [p.continuation_token for p in pages] == [*tokens, None]
    assert isinstance(pages[0].items[0], OneTimeInvoiceLineItem)
    assert pages[2].items[0].unit_price == Decimal(5)
    first, second, third = fake.api_requests("/v1/invoices/G1/lineitems")
    assert first.query == {
        "provider": ["onetime"],
        "invoicelineitemtype": ["billinglineitems"],
        "size": ["2"],
    }
    assert first.header("MS-ContinuationToken") is None
    assert second.header("MS-ContinuationToken") == tokens[0]
    assert third.header("MS-ContinuationToken") == tokens[1]
    assert second.query["seekOperation"] == ["Next"]
    for call in (second, third):
        assert "tok" not in call.raw_path
    assert len({c.header("MS-CorrelationId") for c in (first, second, third)}) == 1
    assert len({c.header("MS-RequestId") for c in (first, second, third)}) == 3


def test_seek_paging_resume_from_token(fake, sleeps):
    fake.route("GET", "/v1/invoices/G1/lineitems", reply(200, _seek_page([_line(5)], None)))
    client = make_client(fake, sleeps)
    items = list(client.list_invoice_line_items("G1", continuation_token="tok,2/c+d=="))
    assert [i.order_id for i in items] == ["o5"]
    (call,) = fake.api_requests("/v1/invoices/G1/lineitems")
    assert call.header("MS-ContinuationToken") == "tok,2/c+d==" and call.query["seekOperation"] == [
        "Next"
    ]


def test_list_customers_is_lazy_and_follows_links(fake, sleeps):
    page1 = {
        "totalCount": 1,
        "items": [CUSTOMER],
        "continuationToken": "c1",
        "links": {
            "next": {
                "uri": "/v1/customers?size=1&seekOperation=Next",
                "method": "GET",
                "headers": [{"key": "MS-ContinuationToken", "value": "c1"}],
            }
        },
    }
    page2 = {"totalCount": 1, "items": [dict(CUSTOMER, id="second")], "links": {}}
    fake.route("GET", "/v1/customers", reply(200, page1), reply(200, page2))
    customers = make_client(fake, sleeps).list_customers(page_size=1)
    assert fake.api_requests("/v1/customers") == []  # nothing fetched until iterated
    assert [c.id for c in customers] == [CID, "second"]
    assert fake.api_requests("/v1/customers")[1].header("MS-ContinuationToken") == "c1"


def test_index_paging_invoices(fake, sleeps):
    page1 = {
        "items": [{"id": "G1", "totalCharges": 10}],
        "links": {"next": {"uri": "/invoices?size=1&offset=1"}},
    }
    page2 = {"items": [{"id": "G2", "totalCharges": "20.5"}], "links": {}}
    fake.route("GET", "/v1/invoices", reply(200, page1), reply(200, page2))
    invoices = list(make_client(fake, sleeps).list_invoices(page_size=1))
    assert [i.total_charges for i in invoices] == [Decimal(10), Decimal("20.5")]
    assert fake.api_requests("/v1/invoices")[1].query == {"size": ["1"], "offset": ["1"]}


def test_register_then_wait_for_registration(fake, sleeps):
    base = f"/v1/customers/{CID}/subscriptions/s1"
    location = f"/customers/{CID}/subscriptions/s1/registrationstatus"
    fake.route("POST", f"{base}/registrations", reply(202, None, headers={"Location": location}))
    fake.route(
        "GET",
        f"{base}/registrationstatus",
        reply(200, {"subscriptionId": "s1", "status": "NotRegistered"}),
        reply(200, {"subscriptionId": "s1", "status": "Registering"}),
        reply(200, {"subscriptionId": "s1", "status": "Registered"}),
    )
    client = make_client(fake, sleeps)
    assert client.register_subscription(CID, "s1") == location
    status = client.wait_for_registration(CID, "s1", interval=2.0, timeout=30)
    assert status.status is RegistrationState.REGISTERED
    assert sleeps == [2.0, 2.0]


def test_wait_for_registration_times_out(fake, sleeps):
    fake.route(
        "GET",
        f"/v1/customers/{CID}/subscriptions/s1/registrationstatus",
        reply(200, {"subscriptionId": "s1", "status": "Registering"}),
    )
    with pytest.raises(errors.Timeout):
        make_client(fake, sleeps).wait_for_registration(CID, "s1", interval=5.0, timeout=12)
    assert sleeps == [5.0, 5.0]


def test_logs_have_ids_and_no_secrets(fake, sleeps, caplog):
    caplog.set_level(logging.DEBUG)
    fake.route("GET", f"/v1/customers/{CID}", reply(503, {}), reply(200, CUSTOMER))
    make_client(fake, sleeps).get_customer(CID)
    records = [r for r in caplog.records if r.name == "partnercenter"]
    assert [r.partnercenter["status"] for r in records] == [503, 200]
    assert [r.partnercenter["attempt"] for r in records] == [1, 2]
    assert records[0].partnercenter["request_id"] == records[1].partnercenter["request_id"]
    text = caplog.text
    assert "app-token" not in text and CLIENT_SECRET not in text


def _sign_in(fake, client):
    flow = client.begin_user_sign_in("http://localhost/callback")
    assert flow["auth_uri"].startswith(f"{fake.authority}/oauth2/v2.0/authorize")
    fake.nonces["code-1"] = parse_qs(urlsplit(flow["auth_uri"]).query)["nonce"][0]
    return client.complete_user_sign_in(flow, {"code": "code-1", "state": flow["state"]})


def test_app_user_sign_in_then_silent_refresh_from_persisted_cache(fake, sleeps):
    store = MemoryTokenCacheStore()
    client = make_client(fake, sleeps, token_cache=store)
    with pytest.raises(errors.UserSignInRequired):
        list(client.list_entitlements(CID))
    assert fake.api_requests() == []
    user = _sign_in(fake, client)
    assert (user.username, user.name) == ("admin@partner.example", "Ada Admin")
    assert store.data and "user-token" in store.data

    fake.route("GET", f"/v1/customers/{CID}/entitlements", reply(200, {"items": [], "links": {}}))
    fresh = make_client(fake, sleeps, token_cache=store)  # e.g. another process
    assert fresh.signed_in_user().username == "admin@partner.example"
    assert list(fresh.list_entitlements(CID)) == []
    (call,) = fake.api_requests(f"/v1/customers/{CID}/entitlements")
    assert call.header("Authorization").startswith("Bearer user-token-")
    assert call.query["showExpiry"] == ["true"]
    grants = [t["grant_type"][0] for t in fake.token_requests]
    assert grants == ["authorization_code"]  # served from the persisted cache


def test_revoked_refresh_token_raises_user_sign_in_required(fake, sleeps):
    store = MemoryTokenCacheStore()
    fake.user_token_ttl = 60  # MSAL refreshes tokens this close to expiry
    _sign_in(fake, make_client(fake, sleeps, token_cache=store))
    fake.revoked = True
    with pytest.raises(errors.UserSignInRequired):
        make_client(fake, sleeps, token_cache=store).get_invoice("G1")
    assert fake.api_requests() == []


def test_price_sheet_uses_user_token_and_streams_csv(fake, sleeps):
    csv_text = (
        '"ProductTitle","ProductId","SkuId","TermDuration","BillingPlan","Market","Currency","UnitPrice",'
        '"EffectiveStartDate","EffectiveEndDate","Tags","ERP Price"\r\n'
        '"Microsoft 365 E3","CFQ7TTC0LFLX","0001","P1Y","Annual","US","USD","32.4","2/1/2024 12:00:00 AM",'
        '"11/30/9999 11:59:59 PM","License","36"\r\n'
    )
    path = "/v1.0/sales/pricesheets(Market='US',PricesheetView='updatedlicensebased')/$value"
    fake.route("GET", path, reply(200, raw=csv_text.encode(), headers={"Content-Type": "text/csv"}))
    client = make_client(fake, sleeps)
    _sign_in(fake, client)
    rows = list(client.get_price_sheet("US", "updatedlicensebased", month="202402"))
    assert rows[0].unit_price == Decimal("32.4") and rows[0].erp_price == Decimal(36)
    (call,) = fake.api_requests(path)
    assert call.query == {"timeline": ["history"], "month": ["202402"]}
    assert call.header("Accept-Encoding") == "identity"
    assert call.header("Authorization").startswith("Bearer user-token-")
    assert fake.token_requests[-1]["scope"][0].startswith(
        "https://api.partner.microsoft.com/user_impersonation"
    )


def test_links_with_or_without_v1(fake, sleeps):
    client = make_client(fake, sleeps)
    assert client._http.url("/customers/x") == f"{fake.base_url}/v1/customers/x"
    assert client._http.url("/v1/customers/x") == f"{fake.base_url}/v1/customers/x"
    assert client._http.url("customers/x") == f"{fake.base_url}/v1/customers/x"


def test_cloud_defaults():
    gov = partnercenter.Client(cloud="usgov", tenant_id=TENANT, client_id="c", client_secret="s")
    assert gov.auth.authority == f"https://login.microsoftonline.us/{TENANT}"
    assert gov.base_url == "https://api.partnercenter.microsoft.com"
    assert gov.pricing_base_url == "https://api.partner.microsoft.com"
    with pytest.raises(ValueError):
        partnercenter.Client(cloud="mars", tenant_id=TENANT, client_id="c", client_secret="s")


def test_retry_after_beyond_cap_is_not_waited_for(fake, sleeps):
    fake.route(
        "GET",
        "/v1/invoices/summary",
        reply(429, {"statusCode": 429}, headers={"Retry-After": "3600"}),
    )
    with pytest.raises(errors.Throttled) as info:
        make_client(fake, sleeps).get_account_balance()
    assert info.value.retry_after == 3600.0 and sleeps == []
    assert len(fake.api_requests("/v1/invoices/summary")) == 1


def test_file_token_cache_store_roundtrip(tmp_path):
    store = partnercenter.FileTokenCacheStore(tmp_path / "cache.json")
    assert store.load() is None
    store.save('{"a": 1}')
    assert store.load() == '{"a": 1}'
    assert (tmp_path / "cache.json").stat().st_mode & 0o777 == 0o600


def test_session_reads_the_environment_once_per_host(monkeypatch):
    """Proxy variables and ~/.netrc are honoured as by requests, but read once per host."""
    import requests

    from partnercenter.http import PartnerCenterSession

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    reads = []
    real = requests.utils.get_environ_proxies
    monkeypatch.setattr(requests.utils, "get_environ_proxies",
                        lambda url, no_proxy=None: reads.append(url) or real(url, no_proxy))  # fmt: skip
    ours, plain = PartnerCenterSession(), requests.Session()
    for url in ("https://api.partnercenter.microsoft.com/v1/customers",
                "https://api.partnercenter.microsoft.com/v1/invoices", "http://127.0.0.1:8765/v1/x"):  # fmt: skip
        assert ours.merge_environment_settings(url, {}, None, None, None) == (
            plain.merge_environment_settings(url, {}, None, None, None)
        )
    assert (
        ours.merge_environment_settings(
            "https://api.partnercenter.microsoft.com/v1/orders", {}, None, None, None
        )["proxies"]["https"]
        == "http://proxy.example:3128"
    )
    assert len(reads) == 2  # ours: once per host (requests' own session reads it every time)
