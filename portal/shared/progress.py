"""Progress of long jobs, kept in ``SyncState`` rows so any page (and /healthz) can show it.

Each call commits on its own (no surrounding transaction needed), so a page polling the row sees
progress while the job is still running.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import SyncState
from portal.shared.queue import enqueue_on_commit

STALE_SECONDS = 120  # a running job without a heartbeat for this long is presumed dead


def sync_begin(*, kind: str, total: int | None = None, message: str = "") -> SyncState:
    now = timezone.now()
    state, _created = SyncState.objects.get_or_create(kind=kind)
    SyncState.objects.filter(pk=state.pk).update(
        running=True, started_at=now, heartbeat_at=now, done=0, total=total, message=message[:255]
    )
    state.refresh_from_db()
    return state


def sync_progress(
    *, kind: str, done: int, total: int | None = None, message: str | None = None
) -> None:
    fields = {"done": done, "heartbeat_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    if message is not None:
        fields["message"] = message[:255]
    SyncState.objects.filter(kind=kind).update(**fields)


def sync_succeed(*, kind: str, message: str = "") -> None:
    now = timezone.now()
    SyncState.objects.update_or_create(
        kind=kind,
        defaults={
            "running": False,
            "heartbeat_at": now,
            "last_success_at": now,
            "message": message[:255],
        },
    )


def sync_fail(*, kind: str, error: str) -> None:
    now = timezone.now()
    SyncState.objects.update_or_create(
        kind=kind,
        defaults={
            "running": False,
            "heartbeat_at": now,
            "last_error": error,
            "last_error_at": now,
            "message": error[:255],
        },
    )


def sync_state(kind: str) -> SyncState | None:
    return SyncState.objects.filter(kind=kind).first()


def sync_enqueue(*, kind: str, task: str, args: tuple = ()) -> bool:
    """A "sync now" button: mark ``kind`` running (the page shows the progress bar at once) and
    queue the task named ``task`` after commit. Returns False when that job already runs."""
    state = sync_state(kind)
    if (
        state
        and state.running
        and state.heartbeat_at
        and (timezone.now() - state.heartbeat_at).total_seconds() < STALE_SECONDS
    ):
        return False
    sync_begin(kind=kind, message=_("Queued"))
    enqueue_on_commit(task, *args)
    return True
