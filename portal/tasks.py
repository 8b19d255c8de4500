"""Project-level Celery tasks."""

import contextlib

from celery import shared_task

from portal.customers.services.lookups import customer_get_or_fetch
from portal.customers.services.registrations import registration_poll as poll
from portal.customers.services.registrations import registration_sweep as sweep
from portal.customers.services.sync import customer_sync_all, subscription_sync_all
from portal.partner_center.connection import connection_check as check
from portal.shared.errors import PortalError
from portal.shared.mirror import fetch_in_background
from portal.shared.progress import sync_succeed
from portal.shared.queue import task_actor


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Scheduled every minute; its last success tells /healthz that beat and a worker are alive."""
    sync_succeed(kind="heartbeat", message="Beat and worker alive")


# --- customers, subscriptions, registrations, connection (enablement) -------------------------


@shared_task(ignore_result=True)
def sync_customers(actor_id: int | None = None) -> None:
    """Mirror Partner Center customers (beat and the "Sync now" button)."""
    # A failure is recorded in the SyncState row and the audit log; the page shows it.
    with contextlib.suppress(PortalError):
        customer_sync_all(actor=task_actor(actor_id))


@shared_task(ignore_result=True)
def sync_subscriptions(customer_tenant_id: str | None = None, actor_id: int | None = None) -> None:
    subscription_sync_all(customer_tenant_id=customer_tenant_id, actor=task_actor(actor_id))


@shared_task(ignore_result=True, acks_late=True)
def registration_poll(registration_id: int, token: str) -> str:
    """One poll of a registration's status; re-queues itself until a final state."""
    return poll(registration_id=registration_id, token=token)


@shared_task(ignore_result=True)
def registration_sweep() -> int:
    """Resume polling of registrations whose worker died (left pending/registering, overdue)."""
    return sweep()


@shared_task(ignore_result=True)
def connection_check() -> None:
    """Refresh the App+User token so revocations and expiry show on the dashboard in time."""
    check()


@shared_task(ignore_result=True)
def fetch_customer(tenant_id: str, actor_id: int | None = None) -> None:
    """Read a customer that is not mirrored yet by id (the page shows the outcome); idempotent."""
    fetch_in_background(
        what="customer",
        object_id=tenant_id,
        fetch=lambda: customer_get_or_fetch(tenant_id=tenant_id, actor=task_actor(actor_id)),
    )
