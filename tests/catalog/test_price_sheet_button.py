"""The admin's "Sync price sheets now" button: queues a Celery run whose progress the page shows,
mirrors every market in use, refuses a second run while one is going, and the weekly beat stays."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.utils import timezone

from catalog.models import PriceSheetEntry
from catalog.services.prices import PRICE_SHEET_VIEWS, PRICE_SHEETS_KIND, PRICE_SHEETS_QUEUED
from catalog.tasks import price_sheets_sync_task
from portal.models import AuditEvent, Customer, SyncState

pytestmark = pytest.mark.django_db(transaction=True)


def _customers(*countries: str) -> None:
    for n, country in enumerate(countries):
        Customer.objects.create(
            tenant_id=f"00000000-0000-0000-0000-00000000000{n}",
            company_name=f"Customer {country}",
            country=country,
            currency="USD",
        )


def _wait_done(timeout: float = 60.0) -> SyncState:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = SyncState.objects.filter(kind=PRICE_SHEETS_KIND).first()
        if state and not state.running and (state.last_success_at or state.last_error_at):
            return state
        time.sleep(0.2)
    raise AssertionError("the price sheet run did not finish")


def test_button_queues_a_run_that_mirrors_every_market(
    sandbox, pc_user_connection, celery_worker, admin_client_portal
):
    _customers("US", "GB")
    page = admin_client_portal.get("/catalog/price-sheets/").content.decode()
    assert "Sync price sheets now" in page and "never" in page

    response = admin_client_portal.post("/catalog/price-sheets/sync/", follow=True)
    assert "Price sheet sync queued" in response.content.decode()
    assert AuditEvent.objects.filter(action="catalog.price_sheets_requested").exists()

    state = _wait_done()
    assert state.last_error == "" and state.total == 2 * len(PRICE_SHEET_VIEWS)
    assert set(PriceSheetEntry.objects.values_list("market", flat=True)) == {"US", "GB"}
    page = admin_client_portal.get("/catalog/price-sheets/").content.decode()
    assert "Last synced" in page and "never" not in page
    dashboard = admin_client_portal.get("/").content.decode()
    assert "Price sheets" in dashboard and "/catalog/price-sheets/" in dashboard


def test_admins_find_price_sheets_in_the_navigation(admin_client_portal, sales_client):
    def nav(client) -> str:
        page = client.get("/audit/" if client is admin_client_portal else "/").content.decode()
        start = page.index('class="mainnav"')
        return page[start : page.index("</nav>", start)]

    assert 'href="/catalog/price-sheets/"' in nav(admin_client_portal)
    assert 'href="/catalog/price-sheets/"' not in nav(sales_client)


def test_queued_run_shows_progress_and_a_second_click_waits(admin_client_portal):
    _customers("US")
    admin_client_portal.post("/catalog/price-sheets/sync/")  # no worker here: stays queued
    state = SyncState.objects.get(kind=PRICE_SHEETS_KIND)
    assert state.running and state.message == PRICE_SHEETS_QUEUED
    assert (state.done, state.total) == (0, len(PRICE_SHEET_VIEWS))
    page = admin_client_portal.get("/catalog/price-sheets/").content.decode()
    # The page polls the run and reloads itself when it ends (to show the new prices).
    assert 'hx-get="/sync-status/pricesheets/?refresh=1"' in page and "Queued" in page

    SyncState.objects.filter(pk=state.pk).update(message="Price sheet US software")
    again = admin_client_portal.post("/catalog/price-sheets/sync/", follow=True)
    assert "already running" in again.content.decode()
    price_sheets_sync_task()  # a duplicate delivery finds the run claimed and does nothing
    assert SyncState.objects.get(pk=state.pk).message == "Price sheet US software"
    assert not PriceSheetEntry.objects.exists()


def test_run_without_sign_in_records_the_error(sandbox, admin_client_portal):
    _customers("US")
    price_sheets_sync_task()
    state = SyncState.objects.get(kind=PRICE_SHEETS_KIND)
    assert not state.running and state.last_error_at <= timezone.now()
    assert "signed-in partner user" in state.last_error
    page = admin_client_portal.get("/catalog/price-sheets/").content.decode()
    assert "signed-in partner user" in page


def test_only_admins_press_the_button(sales_client, finance_client):
    assert sales_client.post("/catalog/price-sheets/sync/").status_code == 403
    assert finance_client.post("/catalog/price-sheets/sync/").status_code == 403
    assert not SyncState.objects.filter(kind=PRICE_SHEETS_KIND).exists()


def test_weekly_beat_stays():
    entry = settings.CELERY_BEAT_SCHEDULE["price-sheets"]
    assert entry["task"] == "catalog.tasks.price_sheets_sync_task"
    assert entry["schedule"] == 7 * 24 * 3600.0
