"""The database briefly locked (another process holds SQLite's write lock) while jobs run: the job
waits for the lock (busy timeout, settings ``timeout``) instead of failing, and finishes with
nothing lost. Run through the real worker thread (queued task) and directly."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def _hold_write_lock(path: str, seconds: float, held: threading.Event) -> None:
    other = sqlite3.connect(path, timeout=30, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the write lock (WAL: readers still read)
    other.execute("UPDATE portal_syncstate SET message = message")
    held.set()
    time.sleep(seconds)
    other.execute("COMMIT")
    other.close()


@pytest.fixture
def sqlite_only():
    if connection.vendor != "sqlite":
        pytest.skip("the lock is SQLite's (PostgreSQL row locks are covered by the services)")
    return connection.settings_dict["NAME"]


def test_sync_waits_for_a_briefly_locked_database(sqlite_only, sandbox):
    from portal.customers.services.sync import customer_sync_all
    from portal.models import Customer, SyncState

    SyncState.objects.create(kind="lock-probe")
    held = threading.Event()
    locker = threading.Thread(target=_hold_write_lock, args=(sqlite_only, 2.0, held))
    locker.start()
    held.wait(5)
    started = time.monotonic()
    result = customer_sync_all()
    waited = time.monotonic() - started
    locker.join()
    assert waited >= 1.0  # it really waited for the lock
    assert result.created == Customer.objects.count() > 0
    state = SyncState.objects.get(kind="customers")
    assert state.last_success_at and not state.failed_last and not state.running


def test_queued_job_survives_a_locked_database(sqlite_only, sandbox, celery_worker):
    from portal.models import Customer, SyncState
    from portal.tasks import sync_customers

    SyncState.objects.create(kind="lock-probe")
    held = threading.Event()
    locker = threading.Thread(target=_hold_write_lock, args=(sqlite_only, 2.0, held))
    locker.start()
    held.wait(5)
    sync_customers.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = SyncState.objects.filter(kind="customers").first()
        if state and state.last_success_at and not state.running:
            break
        time.sleep(0.2)
    locker.join()
    state = SyncState.objects.get(kind="customers")
    assert state.last_success_at and not state.failed_last
    assert Customer.objects.count() > 0
