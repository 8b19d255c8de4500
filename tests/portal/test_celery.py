"""Tasks run through a real worker (thread) on the in-memory broker, and through real Redis."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.models import SyncState
from portal.tasks import beat_heartbeat


def _wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_worker_honours_countdown(celery_worker):
    sent = timezone.now()
    beat_heartbeat.apply_async(countdown=1)
    assert _wait_for(
        lambda: SyncState.objects.filter(kind="heartbeat", last_success_at__isnull=False).exists()
    )
    # Not run eagerly: the task recorded its run no earlier than its ETA.
    ran = SyncState.objects.get(kind="heartbeat").last_success_at
    assert ran >= sent + timedelta(seconds=1), ran - sent


@pytest.mark.redis
def test_tasks_travel_through_redis(redis_url, transactional_db):
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    app = Celery("portal-redis-test", broker=redis_url, backend=redis_url)
    app.conf.update(task_serializer="json", accept_content=["json"], task_acks_late=True)
    task = app.tasks["portal.tasks.beat_heartbeat"]  # shared_task: registered on every app
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        result = task.apply_async()
        result.get(timeout=10)
    assert SyncState.objects.get(kind="heartbeat").last_success_at is not None


def test_beat_schedules_the_heartbeat(settings):
    from portal.celery import app

    entries = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "portal.tasks.beat_heartbeat" in entries
