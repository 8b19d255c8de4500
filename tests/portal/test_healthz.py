"""/healthz for monitoring: status for everyone (200/503), details for admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_probe_cache():
    cache.clear()
    yield
    cache.clear()


def _syncs():
    from portal.models import SyncState
    from portal.shared.progress import sync_succeed

    sync_succeed(kind="customers")
    SyncState.objects.filter(kind="customers").update(
        last_success_at=timezone.now() - timedelta(hours=2)
    )
    sync_succeed(kind="catalog:US")


def test_anonymous_gets_status_only(sandbox):
    _syncs()
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


def test_non_admin_gets_status_only(sandbox, sales_client):
    assert sales_client.get("/healthz").json() == {"status": "ok"}


def test_admin_gets_every_check_and_sync_ages(sandbox, admin_client_portal):
    _syncs()
    body = admin_client_portal.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True and body["broker"]["transport"] == "memory"
    assert body["partner_center"]["ok"] is True
    ages = {s["kind"]: s for s in body["syncs"]}
    assert 7100 < ages["customers"]["age_seconds"] < 7300
    assert ages["catalog:US"]["age_seconds"] < 60
    assert ages["customers"]["last_success_at"].endswith("+00:00")
    # No secret or connection detail leaks into the report.
    text = str(body)
    from django.conf import settings

    assert settings.PARTNER_CENTER_CLIENT_SECRET not in text


def test_partner_center_unreachable_is_degraded_not_down(
    settings, admin_client_portal, closed_port
):
    settings.PARTNER_CENTER_API_URL = f"http://127.0.0.1:{closed_port}"
    anonymous = Client().get("/healthz")
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "degraded"}
    body = admin_client_portal.get("/healthz").json()
    assert body["partner_center"] == {"ok": False, "error": "ConnectionError"}


def test_failed_last_sync_is_degraded(sandbox, admin_client_portal):
    from portal.shared.progress import sync_fail

    _syncs()
    sync_fail(kind="customers", error="Partner Center answered 503")
    body = admin_client_portal.get("/healthz").json()
    assert body["status"] == "degraded"
    assert {s["kind"]: s["failed_last"] for s in body["syncs"]}["customers"] is True


def test_broker_down_is_503(sandbox, admin_client_portal, closed_port):
    from portal.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port}/0"
    try:
        anonymous = Client().get("/healthz")
        body = admin_client_portal.get("/healthz").json()
    finally:
        app.conf.broker_url = original
    assert anonymous.status_code == 503 and anonymous.json() == {"status": "error"}
    assert body["broker"]["ok"] is False and body["database"]["ok"] is True


def test_database_down_is_503(sandbox, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error"}
