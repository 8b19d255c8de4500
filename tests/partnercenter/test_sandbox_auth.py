"""The sandbox's Azure AD authority, driven by the real ``msal`` library, and API token checks."""

from __future__ import annotations

import pytest

from tests.partnercenter.conftest import seeded_ids


def test_discovery_document_uses_request_host_and_https_token_endpoint(api):
    host = api.base.split("://")[1]
    doc = api.http.get(
        f"{api.base}/{api.server.tenant_id}/v2.0/.well-known/openid-configuration"
    ).json()
    assert doc["token_endpoint"] == f"https://{host}/{api.server.tenant_id}/oauth2/v2.0/token"
    assert doc["issuer"] == f"https://{host}/{api.server.tenant_id}/v2.0"
    assert (
        doc["authorization_endpoint"]
        == f"http://{host}/{api.server.tenant_id}/oauth2/v2.0/authorize"
    )
    forwarded = api.http.get(
        f"{api.base}/{api.server.tenant_id}/v2.0/.well-known/openid-configuration",
        headers={"X-Forwarded-Proto": "https"},
    ).json()
    assert forwarded["authorization_endpoint"].startswith("https://")
    unknown = api.http.get(f"{api.base}/not-a-tenant/v2.0/.well-known/openid-configuration")
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_tenant"


def test_client_credentials_with_msal_and_one_token_per_cache(api):
    app = api.msal_app()
    first = app.acquire_token_for_client(scopes=[api.SCOPE])
    second = app.acquire_token_for_client(scopes=[api.SCOPE])
    assert first["token_type"] == "Bearer" and first["expires_in"] > 3000
    assert second["access_token"] == first["access_token"]  # served from MSAL's cache
    assert api.server.stats()["token_requests"] == {"client_credentials": 1}
    resp = api.get("/v1/customers", token=first["access_token"])
    assert resp.status_code == 200


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"client_credential": "wrong-secret"}, 7000215), ({"client_id": "someone-else"}, 700016)],
)
def test_only_the_configured_client_is_accepted(api, kwargs, code):
    result = api.msal_app(**kwargs).acquire_token_for_client(scopes=[api.SCOPE])
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [code] and "Trace ID" in result["error_description"]


def test_auth_code_flow_refresh_and_revocation(api):
    app, result = api.sign_in(username="mei.lin@partner.example")
    claims = result["id_token_claims"]
    assert claims["preferred_username"] == "mei.lin@partner.example"
    assert claims["tid"] == api.server.tenant_id and claims["aud"] == api.server.client_id
    assert {"oid", "name", "iss", "exp", "iat", "nonce"} <= claims.keys()
    account = app.get_accounts()[0]
    assert account["username"] == "mei.lin@partner.example"
    assert account["home_account_id"] == f"{claims['oid']}.{api.server.tenant_id}"

    refreshed = app.acquire_token_silent([api.USER_SCOPE], account=account, force_refresh=True)
    assert refreshed and refreshed["access_token"] != result["access_token"]
    assert api.get(f"/v1/customers/{seeded_ids()[0]('contoso')}/entitlements",
                   token=refreshed["access_token"]).status_code == 200  # fmt: skip

    api.server.revoke_user_tokens()
    denied = app.acquire_token_silent_with_error(
        [api.USER_SCOPE], account=account, force_refresh=True
    )
    assert denied["error"] == "invalid_grant" and 50076 in denied["error_codes"]
    # access tokens stay valid until they expire (as after an MFA policy change) ...
    assert api.get("/v1/invoices/summaries", token=refreshed["access_token"]).status_code == 200
    # ... unless revoked too
    api.server.revoke_user_tokens(access_tokens=True)
    assert api.get("/v1/invoices/summaries", token=refreshed["access_token"]).status_code == 401


def test_sign_in_page_requires_an_account_name(api):
    app = api.msal_app()
    flow = app.initiate_auth_code_flow(scopes=[api.USER_SCOPE], redirect_uri="http://localhost/cb")
    auth_uri = flow["auth_uri"].replace("https://", "http://", 1)
    resp = api.http.post(auth_uri, data={"username": ""}, allow_redirects=False)
    assert resp.status_code == 400 and "valid account name" in resp.text


def test_code_is_single_use(api):
    app = api.msal_app()
    flow = app.initiate_auth_code_flow(scopes=[api.USER_SCOPE], redirect_uri="http://localhost/cb")
    auth_uri = flow["auth_uri"].replace("https://", "http://", 1)
    resp = api.http.post(auth_uri, data={"username": "a@b.example"}, allow_redirects=False)
    code = resp.headers["Location"].split("code=")[1].split("&")[0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost/cb",
            "client_id": api.server.client_id, "client_secret": api.server.client_secret}  # fmt: skip
    token_url = f"{api.base}/{api.server.tenant_id}/oauth2/v2.0/token"
    first = api.http.post(token_url, data={**form, "code_verifier": flow["code_verifier"]})
    assert first.status_code == 200 and "refresh_token" in first.json()
    again = api.http.post(token_url, data={**form, "code_verifier": flow["code_verifier"]})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_v1_token_endpoint_uses_string_numbers(api):
    resp = api.http.post(
        f"{api.base}/{api.server.tenant_id}/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": api.server.client_id,
              "client_secret": api.server.client_secret, "resource": "https://graph.windows.net"},
    )  # fmt: skip
    body = resp.json()
    assert (
        resp.status_code == 200
        and body["expires_in"] == "3600"
        and body["resource"] == "https://graph.windows.net"
    )


def test_api_rejects_missing_and_bad_tokens(api):
    missing = api.get("/v1/customers", token=False)
    assert missing.status_code == 401
    assert missing.json() == {"code": 800001, "description": "Partner Token missing in request context.",
                              "data": [], "source": "PartnerFD"}  # fmt: skip
    assert missing.headers["WWW-Authenticate"].startswith("OAuth realm=urn:cpsvc:cpid:")
    bad = api.get("/v1/customers", token="not.a.jwt")
    assert bad.status_code == 401 and bad.json()["code"] == 400


def test_tokens_expire_on_the_sandbox_clock(api):
    token = api.app_token()
    api.advance_clock(3700)
    resp = api.get("/v1/customers", token=token)
    assert resp.status_code == 401 and "expired" in resp.json()["description"]


def user_only_paths():
    customer_id, _ = seeded_ids()
    cid = customer_id("contoso")
    return [
        f"/v1/customers/{cid}/entitlements",
        f"/v1/customers/{cid}/orders/any/provisioningstatus",
        "/v1/invoices/summaries",
        "/v1/invoices/G000773582",
        "/v1/invoices/G000773582/documents/statement",
        "/v1.0/sales/pricesheets(Market='US',PricesheetView='azure_reservations')/$value",
    ]


@pytest.mark.parametrize("path", user_only_paths())
def test_app_user_only_operations_refuse_app_tokens(api, path):
    resp = api.get(path)
    assert resp.status_code == 403
    assert resp.json()["code"] == 2032 and resp.json()["source"] == "PartnerFD"


def test_echoes_request_and_correlation_ids(api):
    resp = api.get("/v1/customers", headers={"MS-RequestId": "r-1", "MS-CorrelationId": "c-1"})
    assert resp.headers["MS-RequestId"] == "r-1" and resp.headers["MS-CorrelationId"] == "c-1"
    generated = api.get("/v1/customers", headers={"MS-CorrelationId": ""})
    assert generated.headers["MS-RequestId"]
