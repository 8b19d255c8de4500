"""Orders' per-line provisioning status read from Partner Center (App+User), on demand from the
order page (queued) and as the order sync's pass over orders not yet fulfilled."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnercenter import errors as pc_errors
from portal.partner_center.client import get_client
from portal.partner_center.connection import connection_mark_revoked
from portal.shared.errors import PartnerCenterUnavailable, PortalError, pc_error
from portal.shared.progress import sync_begin, sync_fail, sync_succeed
from portal.shared.queue import enqueue_on_commit
from purchasing.conf import conf
from purchasing.models import PROVISIONING_FINAL, Order, OrderLine
from purchasing.services._order_changes import _set

log = logging.getLogger(__name__)


def order_refresh_provisioning(*, order_id: int, raise_errors: bool = False) -> Order:
    """Read the per-line provisioning status of an order from Partner Center (App+User only).

    Writes each line's status (and the order's overall one: a single value, or ``mixed``) with
    history, and stamps when it was checked. Without a signed-in user, or when Partner Center
    fails, the order is returned unchanged; with ``raise_errors`` (on demand from the order page) a
    ``PartnerCenterUnavailable`` says what to do instead.
    """
    order = Order.objects.select_related("customer").get(pk=order_id)
    try:
        statuses = get_client().get_order_provisioning_status(
            str(order.customer.tenant_id), order.pc_order_id
        )
    except pc_errors.PartnerCenterError as exc:
        if isinstance(exc, pc_errors.UserSignInRequired):  # the sign-in is gone: say so everywhere
            connection_mark_revoked(error=exc)
        log.info("provisioning status of %s unavailable: %s", order.pc_order_id, exc)
        if raise_errors:
            raise pc_error(
                exc, doing=_("reading the provisioning status of %(order)s") % {"order": order}
            ) from exc
        return order
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        lines = list(order.lines.all())
        by_number = {line.line_number: line for line in lines}
        overall = set()
        for status in statuses:
            number = (
                status.line_item_number
                if status.line_item_number is not None
                else status.order_line_item_id
            )
            line = by_number.get(number)
            value = _status_text(status.status)
            overall.add(value)
            if line is not None:
                line.provisioning_status = value
        for line in lines:
            line.provisioning_checked_at = now
        OrderLine.objects.bulk_update(lines, ["provisioning_status", "provisioning_checked_at"])
        value = overall.pop() if len(overall) == 1 else ("mixed" if overall else "")
        if value and order.provisioning_status != value:
            _set(order, {"provisioning_status": value}, note="provisioning status")
        order.provisioning_checked_at = now
        order.save(update_fields=["provisioning_status", "provisioning_checked_at", "updated_at"])
    return order


def provisioning_kind(order_id: int) -> str:
    """The ``SyncState`` kind of an order's on-demand provisioning refresh."""
    return f"provisioning:{order_id}"


def order_provisioning_request(*, order_id: int) -> None:
    """ "Refresh provisioning status" on the order page: mark the job running (the page polls it)
    and queue it; the web request never waits on Partner Center."""
    sync_begin(kind=provisioning_kind(order_id), message=_("Queued"))
    enqueue_on_commit("purchasing.tasks.order_provisioning_task", order_id)


def order_provisioning_run(*, order_id: int) -> None:
    """The queued refresh: its outcome (or the sentence saying what to do) goes to ``SyncState``."""
    kind = provisioning_kind(order_id)
    sync_begin(kind=kind, message=_("Reading the provisioning status from Partner Center"))
    try:
        order_refresh_provisioning(order_id=order_id, raise_errors=True)
    except PortalError as exc:
        sync_fail(kind=kind, error=exc.message)
        return
    sync_succeed(kind=kind, message=_("Provisioning status refreshed"))


def _status_text(value) -> str:
    """``ProvisioningStatus.FULFILLED`` or ``"fulfilled"`` -> ``"fulfilled"``."""
    raw = getattr(value, "value", value)
    return str(raw or "").strip().lower()[:32]


def orders_due_for_provisioning(*, limit: int = 200) -> list[int]:
    """Portal orders (recent first) whose lines are not all fulfilled yet."""
    since = timezone.now() - timedelta(days=int(conf("PURCHASING_PROVISIONING_DAYS")))
    return list(
        Order.objects.filter(source=Order.Source.PORTAL, created_at__gte=since)
        .exclude(provisioning_status__in=PROVISIONING_FINAL)
        .exclude(status="cancelled")
        .order_by("-created_at")
        .values_list("pk", flat=True)[:limit]
    )


def orders_refresh_provisioning(*, limit: int = 200) -> int:
    """The sync's provisioning pass: refresh the orders not yet fulfilled; returns how many were
    read (0 without an App+User sign-in: the first refusal ends the pass)."""
    done = 0
    for order_id in orders_due_for_provisioning(limit=limit):
        try:
            order_refresh_provisioning(order_id=order_id, raise_errors=True)
        except PartnerCenterUnavailable as exc:
            if exc.code == "sign_in_required":
                break
            continue
        done += 1
    return done
