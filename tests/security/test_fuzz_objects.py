"""Hypothesis against real objects: every URL addressed with the ids of real objects gets random
query/form parameters (GET and POST, HTMX or not), and the main forms get hostile values
(quantities, ids, dates, currencies, huge strings). Whatever comes in: a page or a clean 4xx,
never a 500, and invalid input changes nothing. Partner Center is unreachable (fails fast).

Counts are printed at the end (``fuzz-objects: requests=N``)."""

from __future__ import annotations

import os

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.portal.test_access_matrix import ACCOUNT, ENTRIES, PUBLIC, _allowed_roles
from tests.security.conftest import object_url
from tests.security.test_fuzz_requests import PARAMS, VALUES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pc_unreachable")]
EXAMPLES = int(os.environ.get("FUZZ_OBJECT_EXAMPLES", "10"))
HUGE = st.sampled_from(["9" * 5000, "A" * 100_000, "é" * 30_000, "<b>" * 10_000, "1" * 400])
HOSTILE = st.one_of(
    VALUES,
    HUGE,
    st.integers().map(str),
    st.sampled_from(
        [
            "0",
            "-5",
            "1.5",
            "1e3",
            "0x10",
            "\u0663",
            "\uff11",
            "\u00b2",
            " 3 ",
            "3\x00",
            "999999999999",
            "9" * 30,
        ]
    ),
)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# URLs that address an object (their sample URL carries a placeholder id or an unfilled
# converter such as <str:invoice_id>).
OBJECT_TARGETS = [
    (n, c) for n, u, c in ENTRIES
    if n not in PUBLIC | ACCOUNT and _allowed_roles(c) and ("999999" in u or "/x/" in u or "<" in u)
]  # fmt: skip


def _client(world, role):
    client = Client(raise_request_exception=False)
    client.force_login(world["users"][role])
    return client


def _send(client, method, url, data, htmx=False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = getattr(client, method)(url, data, **headers)
    assert response.status_code < 500, f"{method.upper()} {url} {data!r}"
    return response


@pytest.mark.parametrize(("name", "callback"), OBJECT_TARGETS, ids=[t[0] for t in OBJECT_TARGETS])
def test_object_urls_fuzzed(name, callback, world):
    role = sorted(r.value for r in _allowed_roles(callback))[0]
    client = _client(world, role)
    url = object_url(name, world)

    @FUZZ
    @given(params=PARAMS, method=st.sampled_from(["get", "post"]), htmx=st.booleans())
    def run(params, method, htmx):
        _send(client, method, url, params, htmx)

    run()


def _valid_quantity(value: str) -> int | None:
    try:
        number = int(value.strip())
    except (ValueError, AttributeError):
        return None
    return number if 1 <= number <= 10_000_000 else None


def test_cart_line_quantity_fuzzed(world):
    client = _client(world, "sales")
    line = world["line_a"]
    url = object_url("purchasing:cart_line_update", world)

    @FUZZ
    @given(quantity=HOSTILE, htmx=st.booleans())
    def run(quantity, htmx):
        line.refresh_from_db()
        before = line.quantity
        _send(client, "post", url, {"quantity": quantity}, htmx)
        line.refresh_from_db()
        assert line.quantity >= 1
        if _valid_quantity(quantity) is None:
            assert line.quantity == before, f"invalid quantity {quantity[:20]!r} was stored"

    run()


def test_cart_add_form_fuzzed(world):
    from purchasing.models import CartLine

    client = _client(world, "sales")

    @FUZZ
    @given(
        quantity=HOSTILE,
        billing_cycle=st.one_of(HOSTILE, st.just("one_time")),
        term=HOSTILE,
        availability=st.one_of(HOSTILE, st.just(str(world["availability"].pk))),
        customer=st.one_of(HOSTILE, st.just(str(world["b"].pk))),
        subscription=HOSTILE,
        scope=HOSTILE,
    )
    def run(quantity, billing_cycle, term, availability, customer, subscription, scope):
        before = CartLine.objects.count()
        data = {"quantity": quantity, "billing_cycle": billing_cycle, "term_duration": term,
                "availability": availability, "customer": customer,
                "subscription_id": subscription, "scope": scope}  # fmt: skip
        _send(client, "post", "/cart/add/", data)
        after = CartLine.objects.count()
        assert after - before in (0, 1)
        if after > before:
            assert _valid_quantity(quantity) is not None and billing_cycle == "one_time"

    run()


def test_approval_decision_fuzzed(world):
    approval = world["approval"]
    client = _client(world, "finance")
    url = object_url("purchasing:approval_decide", world)

    @FUZZ
    @given(decision=HOSTILE, comment=HOSTILE)
    def run(decision, comment):
        response = _send(client, "post", url, {"decision": decision, "comment": comment})
        assert response.status_code == 400
        approval.refresh_from_db()
        assert approval.state == "pending"

    run()


@pytest.mark.parametrize(
    ("name", "role", "fields"),
    [
        ("billing:recon_note", "finance", ["status", "text"]),
        ("profile", "sales", ["time_zone"]),
        ("admin_tools:settings", "admin", ["perpetual_software_qualified"]),
        ("catalog:sync", "sales", ["country", "segment", "target_view"]),
        ("billing:statement_fetch", "finance", ["force"]),
        ("billing:import", "finance", ["provider", "type", "restart"]),
        ("customers:subscription_register", "sales", ["confirm"]),
    ],
)
def test_main_forms_fuzzed(name, role, fields, world):
    client = _client(world, role)
    url = object_url(name, world)

    @FUZZ
    @given(values=st.lists(HOSTILE, min_size=len(fields), max_size=len(fields)),
           htmx=st.booleans())  # fmt: skip
    def run(values, htmx):
        _send(client, "post", url, dict(zip(fields, values, strict=True)), htmx)

    run()


@pytest.mark.parametrize(
    ("url", "role"),
    [("/audit/", "admin"), ("/orders/", "sales"), ("/billing/invoices/", "finance"),
     ("/catalog/", "sales"), ("/customers/", "admin"), ("/entitlements/", "sales"),
     ("/billing/invoices/G000SEC1/", "finance"), ("/billing/reconciliation/", "finance")],
)  # fmt: skip
def test_filters_with_hostile_dates_ids_currencies(url, role, world):
    client = _client(world, role)
    keys = ["since", "until", "date_from", "date_to", "customer", "currency", "page", "per_page",
            "sort", "q", "country", "status", "format", "expiring", "klass", "actor", "action"]  # fmt: skip

    @FUZZ
    @given(params=st.dictionaries(st.sampled_from(keys), HOSTILE, max_size=5))
    def run(params):
        _send(client, "get", url, params)

    run()


def test_every_url_with_an_id_is_fuzzed():
    """No URL that addresses an object (a path parameter) drops out of the fuzz unnoticed."""
    from django.urls import get_resolver

    from tests.portal.test_access_matrix import _walk

    with_ids = {
        f"{ns}{pattern.name}"
        for prefix, pattern, ns in _walk(get_resolver().url_patterns)
        if "<" in prefix + str(pattern.pattern) and f"{ns}{pattern.name}" not in PUBLIC | ACCOUNT
    }
    assert with_ids, "the URLconf walk found no URL with a path parameter"
    assert with_ids <= {name for name, _ in OBJECT_TARGETS}
