"""Purchasing settings: Django settings (``PURCHASING_*``) overridable by admins through
``PortalSetting`` rows of the same lower-case name."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # Same customer + SKU + term ordered within this many days -> confirm before buying again.
    "PURCHASING_DUPLICATE_WINDOW_DAYS": 30,
    # Checkouts whose estimated total reaches the threshold of their currency need approval.
    "PURCHASING_APPROVAL_THRESHOLDS": {},
    "PURCHASING_APPROVAL_RESERVATIONS": False,  # any Azure reservation needs approval
    "PURCHASING_APPROVAL_MULTI_YEAR": False,  # any term longer than one year needs approval
    # Delayed order sync: PC lists show new orders up to 15 minutes after checkout.
    "PURCHASING_ORDER_LIST_WINDOW_SECONDS": 15 * 60,
    "PURCHASING_ORDER_LIST_MARGIN_SECONDS": 5 * 60,
    "PURCHASING_ORDER_SYNC_FIRST_COUNTDOWN": 60,
    # Provisioning status (App+User) is refreshed by the order sync for portal orders this recent
    # until every line is fulfilled.
    "PURCHASING_PROVISIONING_DAYS": 30,
    # outcome_unknown checkouts: reconcile attempts before asking a person to look.
    "PURCHASING_RECONCILE_MAX_ATTEMPTS": 40,
    "PURCHASING_RECONCILE_BACKOFF_SECONDS": 5,
    # After confirmation, a one-time order is followed until Partner Center has fulfilled it and
    # listed its entitlements (software subscriptions: until provisioned); backoff doubles from
    # the first countdown up to the maximum, for at most this many checks.
    "PURCHASING_FOLLOWUP_FIRST_COUNTDOWN": 10,
    "PURCHASING_FOLLOWUP_MAX_COUNTDOWN": 900,
    "PURCHASING_FOLLOWUP_MAX_ATTEMPTS": 25,
    # How long a worker owns a checkout it is sending (None: see checkout_claim_seconds).
    "PURCHASING_CHECKOUT_CLAIM_SECONDS": None,
}


def conf(name: str) -> Any:
    try:
        from portal.settings_store import portal_setting_get

        stored = portal_setting_get(name.lower(), None)
    except Exception:  # settings store not available (e.g. no DB in a pure unit test)
        stored = None
    if stored is not None:
        return stored
    return getattr(settings, name, DEFAULTS[name])


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
