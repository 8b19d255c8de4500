"""Purchasing settings: ``PURCHASING_*`` in portal/settings.py (with their defaults), overridable by
admins through ``PortalSetting`` rows of the same lower-case name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

from portal.admin_tools.services.settings_store import portal_setting_get


def conf(name: str) -> Any:
    """An admin's stored override of ``name``, else ``settings.<name>``. A database error is not
    swallowed: a stale default must not silently replace an admin's choice."""
    stored = portal_setting_get(name.lower(), None)
    return getattr(settings, name) if stored is None else stored


def approval_thresholds() -> dict[str, Decimal]:
    raw = conf("PURCHASING_APPROVAL_THRESHOLDS") or {}
    return {str(k).upper(): Decimal(str(v)) for k, v in raw.items()}


def followup_countdown(attempt: int) -> int:
    """Seconds before follow-up check ``attempt`` (0-based): doubling, capped."""
    first = max(1, int(conf("PURCHASING_FOLLOWUP_FIRST_COUNTDOWN")))
    return min(int(conf("PURCHASING_FOLLOWUP_MAX_COUNTDOWN")), first * 2 ** min(attempt, 16))


def checkout_claim_seconds() -> int:
    """How long a worker owns a checkout it is sending to Partner Center. By default past the
    client's worst case (every attempt timing out, plus 30 s for backoff), so that a sweep never
    takes over a call still under way; a shorter claim lets a dead worker's checkout go sooner."""
    configured = conf("PURCHASING_CHECKOUT_CLAIM_SECONDS")
    if configured:
        return int(configured)
    attempts = int(settings.PARTNER_CENTER_MAX_RETRIES) + 1
    return int(settings.PARTNER_CENTER_TIMEOUT) * attempts + 30
