"""Health checks behind ``/healthz``: database, broker, Partner Center reachability and the
freshness of every background sync (``SyncState``). Each check is bounded by a short timeout so a
monitoring probe never hangs; the Partner Center probe is cached briefly so anonymous probes cannot
make the portal hammer Partner Center."""

from __future__ import annotations

import logging
import time

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from portal.celery import app
from portal.models import SyncState
from portal.shared.mirror import FETCH_KIND_PREFIX

log = logging.getLogger(__name__)
PC_CACHE_KEY = "portal:health:partner_center"
PC_CACHE_SECONDS = 30
PROBE_TIMEOUT = 3


def check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        log.warning("healthz: database check failed: %s", exc)
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def check_broker() -> dict:
    started = time.monotonic()
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as exc:  # kombu raises transport-specific errors
        log.warning("healthz: broker check failed: %s", exc)
        return {"ok": False, "error": type(exc).__name__, "transport": _transport()}
    return {
        "ok": True,
        "ms": round((time.monotonic() - started) * 1000, 1),
        "transport": _transport(),
    }


def _transport() -> str:
    return str(settings.CELERY_BROKER_URL).split(":", 1)[0]


def check_partner_center(*, use_cache: bool = True) -> dict:
    """Reachable when the API host answers HTTP at all (any status): no credentials are sent."""
    if use_cache:
        cached = cache.get(PC_CACHE_KEY)
        if cached is not None:
            return cached

    started = time.monotonic()
    try:
        session = requests.Session()
        session.trust_env = False
        answer = session.get(settings.PARTNER_CENTER_API_URL, timeout=PROBE_TIMEOUT)
        result = {
            "ok": answer.status_code < 500,
            "http_status": answer.status_code,
            "ms": round((time.monotonic() - started) * 1000, 1),
        }
    except requests.RequestException as exc:
        result = {"ok": False, "error": type(exc).__name__}
    cache.set(PC_CACHE_KEY, result, PC_CACHE_SECONDS)
    return result


def sync_freshness() -> list[dict]:
    now = timezone.now()
    rows = []
    for state in SyncState.objects.exclude(kind__startswith=FETCH_KIND_PREFIX).order_by("kind"):
        rows.append(
            {
                "kind": state.kind,
                "running": state.running,
                "last_success_at": state.last_success_at.isoformat()
                if state.last_success_at
                else None,
                "age_seconds": int((now - state.last_success_at).total_seconds())
                if state.last_success_at
                else None,
                "failed_last": state.failed_last,
                "last_error_at": state.last_error_at.isoformat() if state.last_error_at else None,
            }
        )
    return rows


def health_report() -> dict:
    database = check_database()
    broker = check_broker()
    partner_center = check_partner_center()
    syncs = sync_freshness() if database["ok"] else []
    if not database["ok"] or not broker["ok"]:
        status = "error"
    elif not partner_center["ok"] or any(s["failed_last"] for s in syncs):
        status = "degraded"
    else:
        status = "ok"
    return {
        "status": status,
        "checked_at": timezone.now().isoformat(),
        "database": database,
        "broker": broker,
        "partner_center": partner_center,
        "syncs": syncs,
    }
