"""Partner Center outage and throttling during every sync (sandbox fault injection): an outage
ends each sync with exit 1, one line, the failure recorded and the mirror untouched; a short
throttle (429 + Retry-After) is absorbed by the retry and the sync completes. Checkout faults are
covered in tests/purchasing/test_checkout.py (outcome unknown, reconcile, no duplicate)."""

from __future__ import annotations

import pytest

from tests.security.test_malformed_partner_center import (  # noqa: F401  (fixture)
    SYNCS,
    data_fingerprint,
    mirrored,
    run_sync,
    sync_commands,
)

FAULTS = {"injected": 0}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sync", SYNCS)
def test_outage_and_throttling_during_every_sync(sync, mirrored, sandbox, settings):  # noqa: F811
    from portal.models import SyncState

    args = sync_commands(mirrored["invoice"].invoice_id)[sync]
    settings.PARTNER_CENTER_TIMEOUT = 2
    for kind in ("503", "500", "reset", "429"):
        sandbox.clear_faults()
        sandbox.add_fault(kind, path="/v1/*", count=1000, retry_after=0)
        FAULTS["injected"] += 1
        before = data_fingerprint()
        outcome, message = run_sync(args)
        assert outcome == "error", f"{sync} under {kind}: {outcome} {message}"
        assert "\n" not in message.strip() and message.strip()
        assert data_fingerprint() == before, f"{sync} under {kind} wrote data"
        state = SyncState.objects.filter(last_error_at__isnull=False).order_by("-last_error_at")[0]
        assert state.failed_last and not state.running
        if kind == "429":
            assert "throttl" in message.lower() or "429" in message or "busy" in message.lower()
    # A short throttle is absorbed: one 429 with Retry-After 1, one retry allowed.
    sandbox.clear_faults()
    settings.PARTNER_CENTER_MAX_RETRIES = 1
    sandbox.add_fault("429", path="/v1/*", count=1, retry_after=1)
    FAULTS["injected"] += 1
    outcome, message = run_sync(args)
    sandbox.clear_faults()
    assert outcome == "ok", f"{sync} after one 429: {message}"


def test_report_faults_injected():
    print(f"\nfaults: sync outage/throttle scenarios={FAULTS['injected']}")
