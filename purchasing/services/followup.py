"""Follow a confirmed one-time order until its entitlements (and reservation details) are mirrored.

Partner Center fulfils a one-time order some time after checkout and lists its entitlements only
then. ``order_entitlements_follow`` is one check; the task calling it re-queues itself with a
doubling countdown while the answer is WAITING::

    confirmed --start (claims followup_state "" -> waiting, once per order)
      check: order still pending ...................................... WAITING
      check: completed, customer's entitlements read, none for the order WAITING
      check: completed, entitlements of the order mirrored ............. DONE
      check: no App+User sign-in, or the last allowed check ............ FAILED (reason on the page)

The state and a sentence for the order page are kept on the order (``followup_*``). Entitlements
of the whole customer are mirrored on each read (idempotent: a second run writes nothing new).
"""

from __future__ import annotations

import logging

from django.utils import timezone

from partnercenter import errors as pc_errors
from portal.errors import PartnerCenterUnavailable
from portal.partner_center import get_client
from portal.queue import enqueue_on_commit
from purchasing.models import FollowUp, Order, Reservation
from purchasing.services.entitlements import entitlements_sync
from purchasing.services.orders import order_status_apply

log = logging.getLogger(__name__)

FULFILLED_STATUSES = {"completed"}


def order_followup_wanted(order: Order) -> bool:
    """One-time orders carry entitlements (software, reservations); licence orders do not."""
    return (order.billing_cycle or "").lower().replace("_", "") == "onetime"


def order_followup_start(*, order_id: int) -> bool:
    """Claim the follow-up of a confirmed one-time order and queue its first check on commit.

    Returns False when it was already started (a second confirmation starts nothing)."""
    order = Order.objects.only("billing_cycle").get(pk=order_id)
    if not order_followup_wanted(order):
        return False
    claimed = Order.objects.filter(pk=order_id, followup_state="").update(
        followup_state=FollowUp.WAITING,
        followup_message="Waiting for Partner Center to fulfil the order.",
        followup_attempts=0,
    )
    if claimed:
        enqueue_on_commit("purchasing.tasks.order_entitlements_task", order_id, 0)
    return bool(claimed)


def order_entitlements_follow(*, order_id: int, last: bool = False) -> str:
    """One check of a followed order; returns the new ``followup_state``.

    ``last`` turns a WAITING answer into FAILED with a sentence saying where to look later.
    """
    order = Order.objects.select_related("customer").get(pk=order_id)
    if order.followup_state in (FollowUp.DONE, FollowUp.FAILED):
        return order.followup_state
    state, message = _check(order)
    if state == FollowUp.WAITING and last:
        state = FollowUp.FAILED
        message = (
            f"{message} Stopped checking; the entitlements appear on the Entitlements page once "
            "Partner Center lists them (use Refresh there)."
        )
    Order.objects.filter(pk=order.pk).exclude(followup_state=FollowUp.DONE).update(
        followup_state=state,
        followup_message=message[:255],
        followup_checked_at=timezone.now(),
        followup_attempts=order.followup_attempts + 1,
    )
    return state


def _check(order: Order) -> tuple[str, str]:
    try:
        fresh = get_client().get_order(str(order.customer.tenant_id), order.pc_order_id)
    except pc_errors.PartnerCenterError as exc:
        log.info("follow-up of order %s: %s", order.pc_order_id, exc)
        return FollowUp.WAITING, f"Partner Center did not answer ({exc}); checking again."
    order = order_status_apply(order_id=order.pk, pc_order=fresh)
    if order.status not in FULFILLED_STATUSES:
        return FollowUp.WAITING, (
            f"Partner Center is fulfilling the order (status {order.status or 'unknown'})."
        )
    try:
        entitlements_sync(customer=order.customer)
    except PartnerCenterUnavailable as exc:
        return FollowUp.FAILED, exc.message
    except pc_errors.PartnerCenterError as exc:
        return FollowUp.WAITING, (
            f"Partner Center did not return the entitlements ({exc}); checking again."
        )
    entitlements = order.entitlements.filter(is_active=True).count()
    if not entitlements:
        return FollowUp.WAITING, (
            "The order is fulfilled; Partner Center has not listed its entitlements yet."
        )
    reservations = Reservation.objects.filter(entitlement__order=order).count()
    return FollowUp.DONE, (
        f"{entitlements} entitlement(s) and {reservations} reservation(s) read from Partner Center."
    )
