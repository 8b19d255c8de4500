"""Project-level Celery tasks."""

from celery import shared_task

from portal.progress import sync_succeed


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Scheduled every minute; its last success tells /healthz that beat and a worker are alive."""
    sync_succeed(kind="heartbeat", message="Beat and worker alive")
