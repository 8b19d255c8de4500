"""When demo data may be loaded: never in production.

The demo signs a partner user in without a person at the sign-in page, which only makes sense
against the local Partner Center sandbox. ``demo_refusal`` says why not, or returns ``None``:
the portal must run locally (embedded mode or DEBUG), both Partner Center URLs must point at the
loopback interface over http, and the sandbox's control endpoint must answer there for the
configured tenant (the real Partner Center has none).
"""

from __future__ import annotations

from urllib.parse import urlparse

import requests
from django.conf import settings
from django.utils.translation import gettext as _

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme == "http" and parsed.hostname in LOOPBACK


def sandbox_health(api_url: str, *, timeout: float = 5.0) -> dict | None:
    """The sandbox's ``/_sandbox/health`` answer at ``api_url``, or None if nothing like it."""
    try:
        answer = requests.get(f"{api_url}/_sandbox/health", timeout=timeout)
        return answer.json() if answer.ok else None
    except (requests.RequestException, ValueError):
        return None


def demo_refusal(*, check_sandbox: bool = True) -> str | None:
    """Why demo data must not be loaded here (one sentence), or None when it may."""
    if not (settings.EMBEDDED or settings.DEBUG):
        return _(
            "Demo data is only loaded by a local portal (embedded mode, no DATABASE_URL, or DEBUG)."
        )
    for name in ("PARTNER_CENTER_API_URL", "PARTNER_CENTER_AUTHORITY"):
        if not _is_local(getattr(settings, name)):
            return _(
                "Demo data is only loaded against the local Partner Center sandbox; %(name)s is "
                "%(value)s."
            ) % {"name": name, "value": getattr(settings, name)}
    if check_sandbox:
        health = sandbox_health(settings.PARTNER_CENTER_API_URL)
        if not health or health.get("tenant_id") != settings.PARTNER_CENTER_TENANT_ID:
            return _("No Partner Center sandbox for tenant %(tenant)s answers at %(url)s.") % {
                "tenant": settings.PARTNER_CENTER_TENANT_ID,
                "url": settings.PARTNER_CENTER_API_URL,
            }
    return None
