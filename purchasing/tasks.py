"""Purchasing Celery tasks: ids in, a service call, safe to run twice (services claim work)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from portal.shared.errors import PortalError
from portal.shared.mirror import fetch_in_background
from portal.shared.queue import task_actor
from purchasing.conf import conf, followup_countdown
from purchasing.models import Checkout, FollowUp, Order
from purchasing.services.checkout import (
    checkout_execute,
    checkout_reconcile,
    checkouts_due_for_reconcile,
    checkouts_queued_and_stale,
)
from purchasing.services.entitlements import entitlements_sync
from purchasing.services.followup import order_followup_check, order_followup_start
from purchasing.services.order_lookup import order_get_or_fetch
from purchasing.services.orders import order_confirm, orders_sync
from purchasing.services.provisioning import order_provisioning_run, orders_refresh_provisioning

log = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True)
def checkout_reconcile_task(checkout_id: int) -> str:
    """Reconcile an outcome_unknown checkout; re-queue itself with backoff until known."""
    checkout = checkout_reconcile(checkout_id=checkout_id)
    limit = int(conf("PURCHASING_RECONCILE_MAX_ATTEMPTS"))
    if checkout.state == Checkout.State.OUTCOME_UNKNOWN and checkout.reconcile_attempts < limit:
        delay = 1
        if checkout.next_attempt_at:
            delay = max(1, int((checkout.next_attempt_at - timezone.now()).total_seconds()))
        checkout_reconcile_task.apply_async((checkout_id,), countdown=delay)
    return checkout.state


@shared_task(ignore_result=True, acks_late=True)
def checkout_execute_task(checkout_id: int) -> str:
    """A checkout placed (or approved) on a page: send it to Partner Center. Safe to run twice
    (``checkout_execute`` claims the draft with a conditional UPDATE)."""
    return checkout_execute(checkout_id=checkout_id).state


@shared_task(ignore_result=True)
def checkout_sweep() -> int:
    """Beat: reconcile checkouts left unknown, or whose worker died mid-submit; place queued
    checkouts whose task was lost."""
    ids = checkouts_due_for_reconcile()
    for checkout_id in ids:
        checkout_reconcile(checkout_id=checkout_id)
    queued = checkouts_queued_and_stale()
    for checkout_id in queued:
        checkout_execute(checkout_id=checkout_id)
    return len(ids) + len(queued)


@shared_task(ignore_result=True, acks_late=True)
def order_confirm_task(order_id: int) -> str:
    """After checkout: check until the order shows in PC's list (backoff up to the window)."""
    order = order_confirm(order_id=order_id)
    if order.sync_state == Order.SyncState.CONFIRMED:
        order_followup_start(order_id=order.pk)  # once per order: it claims the follow-up
    if order.sync_state == Order.SyncState.AWAITING:
        base = max(1, int(conf("PURCHASING_ORDER_SYNC_FIRST_COUNTDOWN")))
        delay = min(300, base * (2 ** min(order.sync_attempts, 4)))
        if order.confirm_deadline:
            remaining = (order.confirm_deadline - timezone.now()).total_seconds()
            delay = max(1, min(delay, int(remaining) + 1))
        order_confirm_task.apply_async((order_id,), countdown=delay)
    return order.sync_state


@shared_task(ignore_result=True)
def orders_sync_task() -> str:
    """Beat: mirror every customer's order lists (confirm, import, flag), then refresh the
    provisioning status of portal orders not yet fulfilled (App+User; skipped without it)."""
    result = str(orders_sync())
    return f"{result}; provisioning refreshed for {orders_refresh_provisioning()} order(s)"


@shared_task(ignore_result=True)
def order_provisioning_task(order_id: int) -> None:
    """ "Refresh provisioning status" from the order page (progress and errors in SyncState)."""
    order_provisioning_run(order_id=order_id)


@shared_task(ignore_result=True)
def entitlements_sync_task() -> str:
    try:
        return str(entitlements_sync())
    except PortalError as exc:  # no App+User sign-in: recorded in SyncState, shown on the page
        return str(exc)


@shared_task(ignore_result=True)
def fetch_order(
    pc_order_id: str, customer_tenant_id: str | None = None, actor_id: int | None = None
) -> None:
    """Read an order that is not mirrored yet by id (the page shows the outcome); idempotent."""
    fetch_in_background(
        what="order",
        object_id=pc_order_id,
        fetch=lambda: order_get_or_fetch(
            pc_order_id=pc_order_id,
            customer_tenant_id=customer_tenant_id,
            actor=task_actor(actor_id),
        ),
    )


@shared_task(ignore_result=True, acks_late=True)
def order_followup_task(order_id: int, attempt: int = 0) -> str:
    """Follow a confirmed order until its entitlements are mirrored and its software
    subscriptions provisioned (doubling countdown, at most PURCHASING_FOLLOWUP_MAX_ATTEMPTS)."""
    last = attempt + 1 >= int(conf("PURCHASING_FOLLOWUP_MAX_ATTEMPTS"))
    state = order_followup_check(order_id=order_id, last=last)
    if state == FollowUp.WAITING:
        order_followup_task.apply_async(
            (order_id, attempt + 1), countdown=followup_countdown(attempt)
        )
    return state
