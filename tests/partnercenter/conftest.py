"""Fixtures for the sandbox suite: one sandbox process per session, reset before each test, and
helpers that get real tokens from it with ``msal`` (client credentials and auth code + refresh)."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlparse

import msal
import pytest
import requests

FAST = {
    "order_list_delay": 60,
    "registration_delay": 30,
    "order_completion_delay": 30,
    "log_requests": False,
}


class LocalAuthoritySession(requests.Session):
    """MSAL's http_client: sends ``https://<sandbox host>`` requests over plain HTTP."""

    def __init__(self, host: str):
        super().__init__()
        self.trust_env = False
        self.host = host

    def request(self, method, url, *args, **kwargs):
        if url.startswith(f"https://{self.host}/"):
            url = "http://" + url[len("https://") :]
        return super().request(method, url, *args, **kwargs)


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.action = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action", "")
        if tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""


class Api:
    """Raw HTTP against the sandbox with real tokens (``user=True`` for App+User calls)."""

    SCOPE = "https://api.partnercenter.microsoft.com/.default"
    USER_SCOPE = "https://api.partnercenter.microsoft.com/user_impersonation"

    def __init__(self, server):
        self.server = server
        self.base = server.base_url
        self.http = requests.Session()
        self.http.trust_env = False
        self._app_token = None
        self._user_token = None

    def msal_app(self, **kw) -> msal.ConfidentialClientApplication:
        host = urlparse(self.base).netloc
        params = dict(
            client_id=self.server.client_id,
            client_credential=self.server.client_secret,
            authority=f"https://{host}/{self.server.tenant_id}",
            http_client=LocalAuthoritySession(host),
            instance_discovery=False,
        )
        params.update(kw)
        return msal.ConfidentialClientApplication(**params)

    def app_token(self) -> str:
        if not self._app_token:
            result = self.msal_app().acquire_token_for_client(scopes=[self.SCOPE])
            assert "access_token" in result, result
            self._app_token = result["access_token"]
        return self._app_token

    def sign_in(
        self, app=None, username="avery.admin@partner.example", redirect_uri="http://localhost/cb"
    ):
        """Drive the sandbox's sign-in page like a browser and redeem the code with MSAL."""
        app = app or self.msal_app()
        flow = app.initiate_auth_code_flow(scopes=[self.USER_SCOPE], redirect_uri=redirect_uri)
        auth_uri = flow["auth_uri"].replace("https://", "http://", 1)
        page = self.http.get(auth_uri)
        assert page.status_code == 200 and 'name="username"' in page.text
        form = FormParser()
        form.feed(page.text)
        form.fields["username"] = username
        resp = self.http.post(
            urljoin(auth_uri, form.action or auth_uri), data=form.fields, allow_redirects=False
        )
        assert resp.status_code == 302, resp.text
        location = resp.headers["Location"]
        assert location.startswith(redirect_uri)
        params = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
        result = app.acquire_token_by_auth_code_flow(flow, params)
        assert "access_token" in result, result
        return app, result

    def user_token(self) -> str:
        if not self._user_token:
            _, result = self.sign_in()
            self._user_token = result["access_token"]
        return self._user_token

    def advance_clock(self, seconds: float) -> None:
        """Move the sandbox clock; cached tokens expire on that clock, so fetch new ones later."""
        self.server.advance_clock(seconds)
        self._app_token = self._user_token = None

    def request(
        self, method, path, *, user=False, token=None, headers=None, **kw
    ) -> requests.Response:
        hdrs = {"Accept": "application/json", "MS-CorrelationId": str(uuid.uuid4())}
        if token is not False:
            hdrs["Authorization"] = (
                f"Bearer {token or (self.user_token() if user else self.app_token())}"
            )
        hdrs.update(headers or {})
        url = path if path.startswith("http") else f"{self.base}{path}"
        return self.http.request(method, url, headers=hdrs, timeout=kw.pop("timeout", 30), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def put(self, path, **kw):
        return self.request("PUT", path, **kw)


@pytest.fixture(scope="session")
def pc_sandbox(tmp_path_factory):
    """One sandbox process for the sandbox suite."""
    from partnercenter.sandbox.testing import SandboxServer

    with SandboxServer(tmp_path_factory.mktemp("pc-sandbox"), **FAST) as server:
        yield server


@pytest.fixture
def sb(pc_sandbox):
    """The session sandbox reset to its seeded state (clock, faults and settings back to defaults)."""
    pc_sandbox.clear_faults()
    pc_sandbox.reset()
    pc_sandbox.configure(
        failing_catalog_items=[],
        order_failure_probability=0.0,
        latency_ms=0,
        checkout_processing_delay=0,
        cart_ttl=7 * 86400,
        **FAST,
    )
    return pc_sandbox


@pytest.fixture
def api(sb) -> Api:
    return Api(sb)


# -- seeded data helpers ----------------------------------------------------------------------------
def seeded_ids():
    from partnercenter.sandbox.seed import customer_id, subscription_id

    return customer_id, subscription_id


def first_availability(api: Api, product_id: str, sku_id: str, country: str, **params) -> dict:
    resp = api.get(
        f"/v1/products/{product_id}/skus/{sku_id}/availabilities",
        params={"country": country, **params},
    )
    assert resp.status_code == 200, resp.text
    items = resp.json()["items"]
    assert items, f"no availability for {product_id}:{sku_id} in {country}"
    return items[0]


CATALOG_ITEM = re.compile(r"^[0-9A-Z]{12}:[0-9A-Z]{4}:[0-9A-Z]{12}$")
