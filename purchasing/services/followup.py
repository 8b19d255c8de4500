"""Follow a confirmed one-time order until Partner Center has delivered it: entitlements (and
reservation details) mirrored, and each software subscription it bought provisioned.

Partner Center fulfils a one-time order some time after checkout, lists its entitlements only then,
and provisions a software subscription later still. ``order_followup_check`` is one check; the
task calling it re-queues itself with a doubling countdown while the answer is WAITING::

    confirmed --start (claims followup_state "" -> waiting, once per order)
      check: order still pending ........................................ WAITING
      check: completed, entitlements of the order not listed yet ......... WAITING
      check: a software subscription still provisioning (App+User) ....... WAITING
      check: entitlements mirrored and every subscription provisioned .... DONE
      check: no App+User sign-in, a failed provisioning, the last check .. FAILED (reason shown)

The state and a sentence for the order page are kept on the order (``followup_*``), each software
subscription's status on its line (``subscription_status``). Entitlements of the whole customer are
mirrored on a read (idempotent: a second run writes nothing new).
"""

from __future__ import annotations

import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Product
from catalog.rules import is_software_subscription
from partnercenter import errors as pc_errors
from portal.partner_center.client import get_client
from portal.shared.errors import PartnerCenterUnavailable, pc_error_message
from portal.shared.queue import enqueue_on_commit
from purchasing.models import FollowUp, Order, OrderLine, Reservation
from purchasing.services.entitlements import entitlements_sync
from purchasing.services.orders import order_status_apply

log = logging.getLogger(__name__)

FULFILLED_STATUSES = {"completed"}
PROVISIONED = "success"  # a subscription's provisioning status once usable


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
        followup_message=_("Waiting for Partner Center to fulfil the order."),
        followup_attempts=0,
    )
    if claimed:
        enqueue_on_commit("purchasing.tasks.order_followup_task", order_id, 0)
    return bool(claimed)


def order_followup_check(*, order_id: int, last: bool = False) -> str:
    """One check of a followed order; returns the new ``followup_state``.

    ``last`` turns a WAITING answer into FAILED with a sentence saying where to look later.
    """
    order = Order.objects.select_related("customer").get(pk=order_id)
    if order.followup_state in (FollowUp.DONE, FollowUp.FAILED):
        return order.followup_state
    state, message = _check_entitlements(order)
    if state == FollowUp.DONE:
        state, subscriptions = _check_subscriptions(order)
        message = f"{message} {subscriptions}".strip()
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


def _check_entitlements(order: Order) -> tuple[str, str]:
    if order.entitlements.filter(is_active=True).exists():  # read by an earlier check
        return _entitlements_found(order)
    try:
        fresh = get_client().get_order(str(order.customer.tenant_id), order.pc_order_id)
    except pc_errors.PartnerCenterError as exc:
        log.info("follow-up of order %s: %s", order.pc_order_id, exc)
        return FollowUp.WAITING, _("Partner Center did not answer (%(error)s); checking again.") % {
            "error": exc
        }
    order = order_status_apply(order_id=order.pk, pc_order=fresh)
    if order.status not in FULFILLED_STATUSES:
        return FollowUp.WAITING, (
            _("Partner Center is fulfilling the order (status %(status)s).")
            % {"status": order.status or _("unknown")}
        )
    try:
        entitlements_sync(customer=order.customer)
    except PartnerCenterUnavailable as exc:
        return FollowUp.FAILED, exc.message
    except pc_errors.PartnerCenterError as exc:
        return FollowUp.WAITING, (
            _("Partner Center did not return the entitlements (%(error)s); checking again.")
            % {"error": exc}
        )
    return _entitlements_found(order)


def _entitlements_found(order: Order) -> tuple[str, str]:
    entitlements = order.entitlements.filter(is_active=True).count()
    if not entitlements:
        return FollowUp.WAITING, (
            _("The order is fulfilled; Partner Center has not listed its entitlements yet.")
        )
    reservations = Reservation.objects.filter(entitlement__order=order).count()
    return FollowUp.DONE, (
        _("%(entitlements)s and %(reservations)s read from Partner Center.")
        % {
            "entitlements": ngettext("%(n)d entitlement", "%(n)d entitlements", entitlements)
            % {"n": entitlements},
            "reservations": ngettext("%(n)d reservation", "%(n)d reservations", reservations)
            % {"n": reservations},
        }
    )


def _software_subscription_lines(order: Order) -> list[OrderLine]:
    lines = list(order.lines.all())
    products = {
        p.product_id.upper(): p
        for p in Product.objects.filter(
            product_id__in=[ln.product_id for ln in lines if ln.product_id]
        )
    }
    return [
        ln
        for ln in lines
        if (product := products.get(ln.product_id.upper())) and is_software_subscription(product)
    ]


def _check_subscriptions(order: Order) -> tuple[str, str]:
    """Read the provisioning status of each software subscription the order bought (App+User)."""
    lines = _software_subscription_lines(order)
    if not lines:
        return FollowUp.DONE, ""
    client = get_client()
    if any(not ln.subscription_id for ln in lines):  # named on the order once fulfilled
        try:
            fresh = client.get_order(str(order.customer.tenant_id), order.pc_order_id)
        except pc_errors.PartnerCenterError as exc:
            return FollowUp.WAITING, _(
                "Partner Center did not answer (%(error)s); checking again."
            ) % {"error": exc}
        order_status_apply(order_id=order.pk, pc_order=fresh)
        lines = _software_subscription_lines(order)
        if any(not ln.subscription_id for ln in lines):
            return FollowUp.WAITING, _(
                "Partner Center has not named the software subscription yet."
            )
    now = timezone.now()
    for line in lines:
        if line.subscription_status == PROVISIONED:
            continue
        try:
            status = client.get_subscription_provisioning_status(
                str(order.customer.tenant_id), line.subscription_id
            )
        except pc_errors.UserSignInRequired as exc:
            return FollowUp.FAILED, pc_error_message(
                exc, _("reading the software subscription's provisioning status")
            )
        except pc_errors.PartnerCenterError as exc:
            return FollowUp.WAITING, (
                _(
                    "Partner Center did not return the subscription's provisioning status "
                    "(%(error)s); checking again."
                )
                % {"error": exc}
            )
        OrderLine.objects.filter(pk=line.pk).update(
            subscription_status=status.state[:32], subscription_checked_at=now
        )
        line.subscription_status = status.state
    return _subscriptions_verdict(lines)


def _subscriptions_verdict(lines: list[OrderLine]) -> tuple[str, str]:
    """The follow-up's state and sentence from the lines' subscription statuses."""
    failed = [ln for ln in lines if ln.subscription_status == "failed"]
    if failed:
        return FollowUp.FAILED, (
            _(
                "Partner Center reports that provisioning subscription %(subscription)s "
                "failed; open a support request in Partner Center."
            )
            % {"subscription": failed[0].subscription_id}
        )
    waiting = [ln for ln in lines if ln.subscription_status != PROVISIONED]
    if waiting:
        return FollowUp.WAITING, (
            ngettext(
                "%(n)d software subscription still being provisioned by Partner Center.",
                "%(n)d software subscriptions still being provisioned by Partner Center.",
                len(waiting),
            )
            % {"n": len(waiting)}
        )
    return FollowUp.DONE, ngettext(
        "%(n)d software subscription provisioned.",
        "%(n)d software subscriptions provisioned.",
        len(lines),
    ) % {"n": len(lines)}
