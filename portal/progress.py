"""Progress of long jobs, kept in ``SyncState`` rows so any page (and /healthz) can show it.

Each call commits on its own (no surrounding transaction needed), so a page polling the row sees
progress while the job is still running.
"""

from __future__ import annotations

from django.utils import timezone

from portal.models import SyncState


def sync_begin(*, kind: str, total: int | None = None, message: str = "") -> SyncState:
    now = timezone.now()
    state, _ = SyncState.objects.get_or_create(kind=kind)
    SyncState.objects.filter(pk=state.pk).update(
        running=True, started_at=now, heartbeat_at=now, done=0, total=total, message=message
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
