"""Fuzz every page with hypothesis: random query parameters (GET) and random form bodies (POST),
as a user holding the page's role. Whatever comes in, the answer is a page or a clean 4xx, never a
500. Partner Center is pointed at a closed port, so views that reach it must fail gracefully too.

Examples per URL are bounded (HYPOTHESIS_PROFILE=ci keeps CI fast).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.portal.test_access_matrix import ACCOUNT, ENTRIES, PUBLIC, _allowed_roles

KEYS = [
    "q",
    "page",
    "per_page",
    "sort",
    "format",
    "country",
    "currency",
    "segment",
    "status",
    "billing_cycle",
    "customer",
    "since",
    "until",
    "date_from",
    "date_to",
    "target_view",
    "quantity",
    "term",
    "availability",
    "subscription",
    "kind",
    "provider",
    "charge_type",
    "order",
    "product",
    "expiring_within",
    "note",
    "confirm",
    "region",
    "scope",
    "line",
]
VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "1e309",
            "NaN",
            "2026-02-30",
            "9999-12-31",
            "' OR 1=1 --",
            "<script>x</script>",
            "\x00",
            "../../etc/passwd",
            "USD",
            "US",
            "one_time",
        ]
    ),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
PARAMS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6)

TARGETS = [(n, u, c) for n, u, c in ENTRIES if n not in PUBLIC | ACCOUNT and _allowed_roles(c)]


@pytest.fixture(autouse=True)
def _partner_center_unreachable(settings, closed_port):
    settings.PARTNER_CENTER_API_URL = f"http://127.0.0.1:{closed_port}"
    settings.PARTNER_CENTER_AUTHORITY = f"{settings.PARTNER_CENTER_API_URL}/tenant"
    settings.PARTNER_CENTER_MAX_RETRIES = 0
    settings.PARTNER_CENTER_TIMEOUT = 1


def _client_for(role: str):
    from django.test import Client

    from tests.conftest import _make_user

    client = Client(raise_request_exception=False)
    client.force_login(_make_user(f"fuzz-{role}", [role]))
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url", "callback"), TARGETS, ids=[t[0] for t in TARGETS])
def test_fuzzed_requests_never_500(name, url, callback):
    role = sorted(r.value for r in _allowed_roles(callback))[0]
    client = _client_for(role)
    tried: list[str] = []

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(params=PARAMS, method=st.sampled_from(["get", "post"]), htmx=st.booleans())
    def run(params, method, htmx):
        headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        response = getattr(client, method)(url, params, **headers)
        tried.append(method)
        assert response.status_code < 500, (
            f"{method.upper()} {url} {params!r} -> {response.status_code}"
        )

    run()
    # The fuzzer really ran (no profile or filter reduced it to a handful of requests).
    assert len(tried) >= settings().max_examples // 2, f"only {len(tried)} requests tried"


def test_fuzz_reaches_every_page_behind_login():
    """No page drops out of the fuzz unnoticed (e.g. a view that lost its declared roles)."""
    behind_login = {name for name, _, _ in ENTRIES if name not in PUBLIC | ACCOUNT}
    assert behind_login, "the URLconf walk found no page"
    assert {name for name, _, _ in TARGETS} == behind_login
