"""The queued statement run acts for the user who asked (the task resolves the actor id itself)."""

from __future__ import annotations

import pytest

from billing.tasks import generate_statements
from portal.models import AuditEvent, SyncState

pytestmark = pytest.mark.django_db


def test_generate_statements_task_runs_and_records_who_asked(finance_user):
    generate_statements.run("2026-10-01", actor_id=finance_user.pk)

    state = SyncState.objects.get(kind="billing:statements:2026-10")
    assert state.last_error == ""
    event = AuditEvent.objects.get(action="billing.statements_generated")
    assert event.actor_id == finance_user.pk
