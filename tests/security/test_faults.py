"""Partner Center outage and throttling during every sync (sandbox fault injection): an outage
ends each sync with exit 1, one line, the failure recorded and the mirror untouched; a short
throttle (429 + Retry-After) is absorbed by the retry and the sync completes. Checkout faults are
covered in tests/purchasing/test_checkout.py (outcome unknown, reconcile, no duplicate)."""

from __future__ import annotations

import pytest

from tests.security.test_malformed_partner_center import (  # noqa: F401  (fixture)
    CSV_SYNCS,
    SYNCS,
    data_fingerprint,
    mirrored,
    run_sync,
    sync_commands,
)

# Price sheets come from the pricing API (its own host in production, its own path prefix here).
FAULT_PATHS = {"price_sheets": "/v1.0/*"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sync", SYNCS + CSV_SYNCS)
def test_outage_and_throttling_during_every_sync(sync, mirrored, sandbox, settings):  # noqa: F811
    from portal.models import SyncState

    args = sync_commands(mirrored["invoice"].invoice_id)[sync]
    settings.PARTNER_CENTER_TIMEOUT = 2
    for kind in ("503", "500", "reset", "429"):
        sandbox.clear_faults()
        sandbox.add_fault(kind, path=FAULT_PATHS.get(sync, "/v1/*"), count=1000, retry_after=0)
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
    sandbox.add_fault("429", path=FAULT_PATHS.get(sync, "/v1/*"), count=1, retry_after=1)
    outcome, message = run_sync(args)
    sandbox.clear_faults()
    assert outcome == "ok", f"{sync} after one 429: {message}"


def test_every_sync_command_is_faulted():
    """A new sync command cannot miss the outage and malformed-response tests: every ``sync_*``
    management command is one of SYNCS (JSON) or CSV_SYNCS."""
    from django.core.management import get_commands

    commands = {args[0] for args in sync_commands("G000000").values()}
    assert set(sync_commands("G000000")) == set(SYNCS) | set(CSV_SYNCS)
    assert {name for name in get_commands() if name.startswith("sync_")} <= commands
