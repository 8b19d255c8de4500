"""Malformed Partner Center responses during every sync: missing fields, wrong types, invalid JSON,
HTML error pages, huge pages, a continuation link that loops, empty bodies, and hypothesis-made
JSON. Every sync command ends with exit 1 and ONE clear line, the failure is recorded (SyncState),
and the mirrored data is untouched (no partial writes)."""

from __future__ import annotations

import json
import os

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.badpc import MODES, BadPartnerCenter
from tests.security.conftest import db_fingerprint

# Bookkeeping a failing sync is expected to write (its failure record and job rows).
BOOKKEEPING = frozenset(
    {
        "portal.syncstate",
        "portal.auditevent",
        "sessions.session",
        "billing.lineimport",
        "portal.partnercenterconnection",  # token cache refreshes
    }
)


def data_fingerprint() -> str:
    return db_fingerprint(skip=BOOKKEEPING)


@pytest.fixture
def mirrored(sandbox, pc_user_connection, settings):
    """The sandbox mirrored (customers, subscriptions, orders, invoices) and signed in (App+User).
    The catalog is not pre-synced (its sync is the slow one); its mirror starts empty."""
    from billing.models import Invoice
    from billing.services.invoices import invoice_sync_all
    from portal.customers.services.sync import customer_sync_all, subscription_sync_all
    from purchasing.services.orders import orders_sync

    sandbox.configure(order_list_delay=0, order_completion_delay=0, checkout_processing_delay=0)
    customer_sync_all()
    subscription_sync_all()
    orders_sync()
    invoice_sync_all(queue_statements=False)
    settings.PARTNER_CENTER_MAX_RETRIES = 0
    settings.PARTNER_CENTER_TIMEOUT = 5
    return {"invoice": Invoice.objects.order_by("pk").first()}


@pytest.fixture
def bad_pc(settings):
    with BadPartnerCenter() as server:
        settings.PARTNER_CENTER_API_URL = server.url
        yield server


def sync_commands(invoice_id: str) -> dict[str, tuple]:
    return {
        "customers": ("sync_customers",),
        "subscriptions": ("sync_subscriptions",),
        "catalog": ("sync_catalog", "--country", "US"),
        "orders": ("sync_orders",),
        "entitlements": ("sync_entitlements",),
        "invoices": ("sync_invoices",),
        "invoice_lines": ("import_invoice_lines", invoice_id, "--restart"),
        "price_sheets": ("sync_price_sheets", "--market", "US"),
    }


SYNCS = ["customers", "subscriptions", "catalog", "orders", "entitlements", "invoices",
         "invoice_lines"]  # fmt: skip
# Syncs whose Partner Center answer is CSV, not JSON: the JSON-shaped malformed responses below do
# not apply to them; the outage and throttling tests (test_faults.py) cover them.
CSV_SYNCS = ["price_sheets"]


# What the syncs do today where they are not clean, kept exact so the list stays true: "crash"
# (an uncaught exception instead of a one-line error), "accepts" (records with missing fields are
# taken without an error), "partial" (an earlier customer/page stays committed when a later one is
# bad; the failure is recorded). Owners: catalog sync, billing import, purchasing syncs.
KNOWN_GAPS = {
    # sync_invoices commits the (well-formed) invoice list, then the balance refresh fails.
    ("invoices", "huge_page"): "partial",
}


def run_sync(args: tuple) -> tuple[str, str]:
    """Run a sync command: ("error", one line) | ("ok", "") | ("crash", exception)."""
    from io import StringIO

    try:
        call_command(*args, stdout=StringIO(), stderr=StringIO(), verbosity=0)
    except CommandError as exc:
        return "error", str(exc)
    except Exception as exc:  # what a Celery task or cron would see as a traceback
        return "crash", f"{type(exc).__name__}: {exc}"
    return "ok", ""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sync", SYNCS)
def test_every_sync_fails_cleanly_on_every_malformed_response(sync, mirrored, bad_pc):
    from portal.models import SyncState

    args = sync_commands(mirrored["invoice"].invoice_id)[sync]
    observed = {}
    for mode in MODES:
        bad_pc.mode = mode
        bad_pc.requests = 0
        before = data_fingerprint()
        states_before = {s.kind: s.last_error_at for s in SyncState.objects.all()}
        outcome, message = run_sync(args)
        assert bad_pc.requests, f"{sync}/{mode}: the sync never asked Partner Center"
        wrote = data_fingerprint() != before
        recorded = [
            s for s in SyncState.objects.all()
            if s.failed_last and s.last_error_at != states_before.get(s.kind)
        ]  # fmt: skip
        assert not any(s.running for s in SyncState.objects.all()), f"{sync}/{mode} left running"
        if mode == "next_loop":
            assert bad_pc.requests <= 100, f"{sync} followed a looping continuation link"
        if outcome == "error":
            line = message.strip()
            assert line and "\n" not in line and "Traceback" not in line, message
            assert len(line) < 1000, line[:200]
            assert recorded, f"{sync}/{mode}: no SyncState recorded the failure ({message})"
        if outcome == "error" and not wrote:
            continue  # clean: one line, failure recorded, nothing written
        observed[mode] = {"crash": "crash", "ok": "accepts"}.get(outcome, "partial")
        if outcome == "ok":
            assert mode in ("missing_fields", "huge_page"), f"{sync}/{mode} succeeded"
    expected = {m: kind for (s, m), kind in KNOWN_GAPS.items() if s == sync}
    assert observed == expected, f"{sync}: gaps changed (update KNOWN_GAPS): {observed}"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "items",
                    "totalCount",
                    "links",
                    "companyProfile",
                    "status",
                    "creationDate",
                    "lineItems",
                    "amount",
                    "currencyCode",
                    "next",
                    "x",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
PAGES = st.one_of(
    JSON,
    st.fixed_dictionaries({"totalCount": JSON, "items": st.lists(JSON, max_size=5)}),
    st.fixed_dictionaries(
        {
            "totalCount": st.integers(),
            "items": st.lists(st.dictionaries(st.text(max_size=8), JSON, max_size=4), max_size=5),
        }
    ),
)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sync", ["customers", "orders", "invoices"])
def test_hypothesis_json_never_crashes_a_sync(sync, mirrored, bad_pc):
    args = sync_commands(mirrored["invoice"].invoice_id)[sync]
    examples = int(os.environ.get("MALFORMED_EXAMPLES", "15"))

    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
    @given(page=PAGES)
    def run(page):
        body = json.dumps(page).encode()
        bad_pc.body_factory = lambda path: (200, "application/json", body)
        before = data_fingerprint()
        from io import StringIO

        try:
            call_command(*args, stdout=StringIO(), stderr=StringIO(), verbosity=0)
        except CommandError as exc:
            assert "\n" not in str(exc).strip()
            assert data_fingerprint() == before, f"{sync} wrote data for {page!r}: {exc}"
        tried.append(page)

    tried: list = []
    run()
    assert len(tried) >= examples // 2, f"only {len(tried)} pages tried"
