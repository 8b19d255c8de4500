"""Two clashing markup rules saved at the same instant on PostgreSQL: one is saved, the other is
refused as overlapping (the overlap check cannot see a rule another transaction has not committed,
so the writes of one scope are serialised)."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from catalog.pricing import services
from catalog.pricing.models import MarkupRule

DATA = {"description": "Base", "kind": "percent", "value": Decimal(10),
        "effective_from": date(2026, 1, 1)}  # fmt: skip


def _advisory_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_clashing_rules_saved_at_once_one_is_refused(finance_user, monkeypatch):
    assert connection.vendor == "postgresql", "marked postgres: runs in the PostgreSQL pass"
    inside, release = threading.Event(), threading.Event()
    real_audit = services.audit_record

    def audit_then_wait(**kwargs):
        # The first save stops inside its transaction, after its insert, until released.
        if threading.current_thread().name == "first":
            inside.set()
            release.wait(30)
        return real_audit(**kwargs)

    monkeypatch.setattr(services, "audit_record", audit_then_wait)
    results: dict[str, str] = {}

    def create(name: str) -> None:
        try:
            services.markup_rule_create(actor=finance_user, data=dict(DATA))
            results[name] = "saved"
        except ValidationError:
            results[name] = "refused"
        finally:
            connection.close()

    first = threading.Thread(target=create, args=("first",), name="first")
    first.start()
    assert inside.wait(30)
    second = threading.Thread(target=create, args=("second",), name="second")
    second.start()
    deadline = time.monotonic() + 30
    while second.is_alive() and not _advisory_waiters() and time.monotonic() < deadline:
        time.sleep(0.05)  # until the second save waits for the first (or, unserialised, ends)
    release.set()
    first.join(30)
    second.join(30)
    assert results == {"first": "saved", "second": "refused"}
    assert MarkupRule.objects.count() == 1
