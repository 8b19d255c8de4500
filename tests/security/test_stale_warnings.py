"""Every list page fed by a Partner Center sync shows when its data was last synced and, after a
failed sync, a stale-data warning with the error (portal.shared.progress SyncState +
includes/sync_status.html)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from portal.shared.formats import local_datetime

pytestmark = pytest.mark.django_db

PAGES = {
    "/customers/": ("customers", "admin"),
    "/catalog/?country=US": ("catalog:US", "sales"),
    "/orders/": ("orders", "sales"),
    "/entitlements/": ("entitlements", "sales"),
    "/billing/invoices/": ("invoices", "finance"),
    "/billing/": ("invoices", "finance"),
}


@pytest.mark.parametrize("url", list(PAGES))
def test_list_page_shows_last_sync_and_stale_warning(url, world):
    from catalog.services.sync import catalog_sync_kind
    from portal.models import SyncState
    from portal.shared.progress import sync_fail, sync_succeed

    kind, role = PAGES[url]
    if kind == "catalog:US":
        kind = catalog_sync_kind("US")
    sync_succeed(kind=kind)
    last_ok = timezone.now() - timedelta(hours=3, minutes=5)
    SyncState.objects.filter(kind=kind).update(last_success_at=last_ok)
    client = Client()
    client.force_login(world["users"][role])
    fresh = client.get(url).content.decode()
    assert "Last synced " + local_datetime(last_ok) in fresh, url
    assert "3\xa0hours" in fresh or "3 hours" in fresh
    assert "Last attempt failed" not in fresh
    sync_fail(kind=kind, error="Partner Center is unavailable (HTTP 503).")
    stale = client.get(url).content.decode()
    assert "Last synced " + local_datetime(last_ok) in stale
    assert "Last attempt failed" in stale and "Partner Center is unavailable (HTTP 503)." in stale


def test_never_synced_says_so(world):
    client = Client()
    client.force_login(world["users"]["sales"])
    assert "Not synced yet." in client.get("/orders/").content.decode()
