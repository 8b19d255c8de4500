"""Several workers share the partner's Partner Center request budget (through Redis) instead of
each retrying into Partner Center's 429s: against a small sandbox budget, four workers see few
429s and all their calls complete."""

from __future__ import annotations

import threading

import pytest

from portal.partner_center.budget import _budget
from portal.partner_center.client import get_client

pytestmark = [pytest.mark.redis, pytest.mark.usefixtures("transactional_db")]
WORKERS, CALLS = 4, 12


def _work(settings, sandbox) -> tuple[int, int]:
    """Each worker (thread, own client and session) lists customers ``CALLS`` times; returns
    (calls that completed, 429s the sandbox answered)."""
    _budget.cache_clear()
    settings.PARTNER_CENTER_MAX_RETRIES = 5
    sandbox.configure(request_budget_rate=10, request_budget_burst=5)
    before = sandbox.stats()["throttled"]
    done, errors = [], []
    lock = threading.Lock()

    def worker():
        from django.db import connection

        try:
            with lock:  # each worker its own budget object, as in its own process
                _budget.cache_clear()
                client = get_client()
            for _ in range(CALLS):
                list(client.list_customers())
                done.append(1)
        except Exception as exc:  # reported below: a worker that gave up
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    sandbox.configure(request_budget_rate=0)
    assert all("Rate limit" in str(e) or "429" in str(e) for e in errors), errors
    return len(done), sandbox.stats()["throttled"] - before


def test_workers_sharing_the_budget_see_few_429s(settings, sandbox, redis_url):
    settings.REDIS_URL = redis_url
    settings.PARTNER_CENTER_REQUESTS_PER_MINUTE = 9 * 60  # a little below the sandbox's 10/s
    settings.PARTNER_CENTER_REQUEST_BURST = 5
    _budget.cache_clear()
    bucket = _budget(redis_url, 9 * 60, 5)
    waits_before = bucket.waits()
    done, throttled = _work(settings, sandbox)
    assert done == WORKERS * CALLS
    assert throttled <= 2
    # The workers waited for tokens instead: 48 calls at 9/s after a burst of 5 take ~4.8 s.
    waits, waited = (a - b for a, b in zip(bucket.waits(), waits_before, strict=True))
    assert waits >= WORKERS * CALLS - 5 - throttled and waited >= 3, (waits, waited)


def test_workers_without_the_budget_hammer_partner_center(settings, sandbox):
    settings.PARTNER_CENTER_REQUESTS_PER_MINUTE = 0
    _done, throttled = _work(settings, sandbox)
    assert throttled >= 10
