"""A real Celery worker process (``celery -A portal worker``, Redis broker, the PostgreSQL test
database) is killed with SIGKILL in the middle of an invoice line import and started again: the
message comes back (acks_late + reject_on_worker_lost), the new run resumes from the last committed
page, and the import finishes with every line exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from tests.security import worker_settings

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    """The test database as a URL for the worker process; PostgreSQL only.

    On SQLite a worker SIGKILLed while it shares the test database file has left that file
    unreadable for the rest of the session ("disk I/O error"), so this runs in the PostgreSQL pass
    (``make pytest-postgres``), which is what production uses.
    """
    assert connection.vendor == "postgresql", "marked postgres: runs in the PostgreSQL pass"
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _worker(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", "worker", "-P", "solo", "-c", "1",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def _redeliverable(redis_url: str) -> bool:
    """Whether the broker holds an unacknowledged message older than the workers' visibility
    timeout (kombu's Redis transport keeps them in the ``unacked_index`` sorted set by time)."""
    import redis

    visibility = worker_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    unacked = redis.Redis.from_url(redis_url).zrange("unacked_index", 0, -1, withscores=True)
    return bool(unacked) and all(time.time() - at > visibility + 0.5 for _, at in unacked)


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_import_then_restart_finishes_exactly_once(
    sandbox, pc_user_connection, redis_url, tmp_path
):
    database_url = _database_url()
    import redis
    from celery import Celery

    from billing.models import Invoice, InvoiceLineItem, LineImport
    from billing.services.invoices import invoice_sync_all
    from billing.services.lines import line_import_start
    from portal.partner_center.client import get_client

    redis.Redis.from_url(redis_url).flushdb()
    sandbox.generate_invoice(currency="USD", extra_lines=60)
    invoice_sync_all(queue_statements=False)
    client = get_client()

    def count(inv):
        return sum(
            len(page.items)
            for page in client.iter_invoice_line_item_pages(
                inv.invoice_id, provider="onetime", line_item_type="billinglineitems",
                page_size=2000, raw=True,
            )
        )  # fmt: skip

    invoice, expected = max(
        ((inv, count(inv)) for inv in Invoice.objects.all()), key=lambda x: x[1]
    )
    page_size = max(1, expected // 10)
    assert expected >= 10
    imp = line_import_start(invoice=invoice, queue=False)
    # Each line-item page takes 0.7 s, so the import is mid-way when the worker is killed.
    sandbox.add_fault("latency", path="/v1/invoices/*/lineitems*", delay=0.7, count=1000)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARTNER_CENTER_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.security.worker_settings",
        DEBUG="true",
        SECRET_KEY=django_settings.SECRET_KEY,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        **sandbox.portal_env,
        BILLING_IMPORT_PAGE_SIZE=str(page_size),
        BILLING_IMPORT_STALE_SECONDS="5",
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "worker.log"
    producer = Celery("producer", broker=redis_url)
    producer.conf.update(  # the portal's queues and routes (the import goes to "imports")
        task_queues=django_settings.CELERY_TASK_QUEUES,
        task_routes=django_settings.CELERY_TASK_ROUTES,
        task_default_queue=django_settings.CELERY_TASK_DEFAULT_QUEUE,
    )
    producer.send_task("billing.tasks.import_invoice_lines", args=[imp.pk])
    worker = _worker(env, log)
    try:
        _wait(
            lambda: LineImport.objects.get(pk=imp.pk).pages_done >= 2,
            60,
            f"two committed pages (log: {log})",
        )
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        killed = LineImport.objects.get(pk=imp.pk)
        assert killed.state == LineImport.State.RUNNING and killed.rows_done < expected
        # The killed run's heartbeat is made older than the stale window (production: visibility
        # 1 h >> stale 120 s) instead of waiting it out; then the restarted worker may take over.
        LineImport.objects.filter(pk=imp.pk).update(
            heartbeat_at=timezone.now() - timedelta(seconds=60)
        )
        # A worker gives unacknowledged messages back when it starts, then only every few
        # minutes: start the new one once the killed one's message is older than the timeout.
        _wait(lambda: _redeliverable(redis_url), 30, "the killed worker's message to age")
        worker = _worker(env, log)
        done = _wait(
            lambda: (
                (i := LineImport.objects.get(pk=imp.pk)).state
                in (LineImport.State.SUCCEEDED, LineImport.State.FAILED)
                and i
            ),
            90,
            f"the import to finish after the restart (log: {log})",
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        sandbox.clear_faults()
    assert done.state == LineImport.State.SUCCEEDED, done.last_error
    lines = InvoiceLineItem.objects.filter(invoice=invoice)
    assert lines.count() == expected == done.rows_done
    sequences = list(lines.values_list("sequence", flat=True))
    assert len(set(sequences)) == len(sequences)  # nothing twice
    assert killed.pages_done >= 2 and done.pages_done > killed.pages_done
    text = log.read_text(errors="replace")
    assert text.count("billing.tasks.import_invoice_lines") >= 2  # delivered to both workers


def test_beat_sigkilled_and_restarted_keeps_scheduling(redis_url, tmp_path):
    """``celery beat`` SIGKILLed and started again: its schedule file is still usable and it goes
    on sending the periodic tasks (here: the heartbeat, every second, to Redis)."""
    import redis

    queue = redis.Redis.from_url(redis_url)
    queue.flushdb()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARTNER_CENTER_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.security.beat_settings",
        DEBUG="true",
        REDIS_URL=redis_url,
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'beat.sqlite3'}",
    )
    log = tmp_path / "beat.log"
    schedule = tmp_path / "var" / "celerybeat-schedule"

    def beat():
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "info",
             "-s", str(schedule), "--max-interval", "1"],
            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip

    heartbeats = django_settings.CELERY_TASK_DEFAULT_QUEUE  # where beat's heartbeat is routed
    process = beat()
    try:
        _wait(lambda: queue.llen(heartbeats) >= 2, 30, f"two heartbeats (log: {log})")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        sent_before_restart = queue.llen(heartbeats)
        process = beat()
        _wait(
            lambda: queue.llen(heartbeats) >= sent_before_restart + 2,
            30,
            f"heartbeats after the restart (log: {log})",
        )
        assert process.poll() is None
        # Read before stopping beat: a SIGTERM that lands in a Redis read may log a traceback of
        # its own while shutting down, which says nothing about the restart.
        text = log.read_text(errors="replace")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
    assert text.count("Sending due task heartbeat") >= 4
    assert "Traceback" not in text
