"""Orders: record Partner Center orders locally, confirm the portal's own orders once they show
in Partner Center's (delayed) lists, import orders placed elsewhere, flag orders that never show.

Re-syncs are idempotent: rows are upserted by ``pc_order_id``; a change of status appends an
``OrderEvent`` (history), an unchanged order writes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnercenter import errors as pc_errors
from portal.models import Customer
from portal.partner_center.client import get_client
from portal.partner_center.connection import connection_mark_revoked
from portal.shared.audit import audit_record
from portal.shared.errors import PartnerCenterUnavailable, PortalError, pc_error
from portal.shared.mirror_fit import RecordDoesNotFit, fit, fit_all, skipped
from portal.shared.progress import sync_begin, sync_fail, sync_progress, sync_succeed
from portal.shared.queue import enqueue_on_commit
from purchasing.conf import conf
from purchasing.models import PROVISIONING_FINAL, Order, OrderEvent, OrderLine
from purchasing.services.notifications import notification_create

log = logging.getLogger(__name__)

BILLING_TYPES = {"one_time": "one_time", "monthly": "monthly", "annual": "annual"}


def _window() -> timedelta:
    return timedelta(
        seconds=int(conf("PURCHASING_ORDER_LIST_WINDOW_SECONDS"))
        + int(conf("PURCHASING_ORDER_LIST_MARGIN_SECONDS"))
    )


def _line_fields(item) -> dict:
    offer = item.offer_id or ""
    parts = offer.split(":")
    pricing = item.pricing
    return {
        "offer_id": offer,
        "product_id": parts[0] if len(parts) == 3 else "",
        "sku_id": parts[1] if len(parts) == 3 else "",
        "friendly_name": (item.friendly_name or ""),
        "quantity": item.quantity or 0,
        "term_duration": item.term_duration or "",
        "subscription_id": item.subscription_id or "",
        "unit_price": pricing.price if pricing else None,
        "extended_price": pricing.extended_price if pricing else None,
        "provisioning_context": dict(item.provisioning_context or {}),
        "transaction_type": str(item.transaction_type or ""),
    }


def _order_fields(pc_order) -> dict:
    status = str(pc_order.status or "")
    return {
        "alternate_id": pc_order.alternate_id or "",
        "billing_cycle": str(pc_order.billing_cycle or ""),
        "currency": pc_order.currency_code or "",
        "status": status.lower(),
        "pc_status": status,
        "transaction_type": str(pc_order.transaction_type or ""),
        "raw": pc_order.raw if isinstance(getattr(pc_order, "raw", None), dict) else {},
    }


def order_record(
    *,
    customer: Customer,
    pc_order,
    checkout=None,
    placed_by=None,
    order_group: str = "",
    source: str = Order.Source.PORTAL,
) -> tuple[Order, bool]:
    """Create (or return) the local order for a Partner Center order. Call inside a transaction."""
    existing = Order.objects.filter(pc_order_id=pc_order.id).first()
    if existing:
        if checkout is not None and existing.checkout_id is None:
            Order.objects.filter(pk=existing.pk).update(
                checkout=checkout, placed_by=placed_by, order_group=order_group
            )
        return existing, False
    now = timezone.now()
    created_at = pc_order.creation_date or now
    order = Order.objects.create(
        pc_order_id=pc_order.id,
        customer=customer,
        checkout=checkout,
        order_group=order_group,
        created_at=created_at,
        placed_by=placed_by,
        correlation_id=getattr(checkout, "correlation_id", "") or "",
        source=source,
        sync_state=Order.SyncState.AWAITING
        if source == Order.Source.PORTAL
        else Order.SyncState.CONFIRMED,
        confirm_deadline=created_at + _window(),
        confirmed_at=None if source == Order.Source.PORTAL else now,
        last_synced_at=now,
        **_order_fields(pc_order),
    )
    OrderLine.objects.bulk_create(
        [
            OrderLine(order=order, line_number=item.line_item_number or n, **_line_fields(item))
            for n, item in enumerate(pc_order.line_items)
        ]
    )
    OrderEvent.objects.create(
        order=order, field="sync_state", new_value=order.sync_state, note=f"recorded from {source}"
    )
    return order, True


def _set(order: Order, changes: dict, note: str = "") -> None:
    """Apply changed fields and keep their history."""
    events = []
    for name, value in changes.items():
        old = getattr(order, name)
        if old != value and name in ("status", "sync_state", "provisioning_status"):
            events.append(
                OrderEvent(
                    order=order, field=name, old_value=str(old), new_value=str(value), note=note
                )
            )
        setattr(order, name, value)
    OrderEvent.objects.bulk_create(events)


def order_confirm(*, order_id: int) -> Order:
    """Check one awaiting order against Partner Center: confirmed when listed, else wait/flag.

    Reads the order by id first (works at once, refreshes status and subscriptions), then the
    list of its billing cycle (where it appears only after up to 15 minutes).
    """
    order = Order.objects.select_related("customer").get(pk=order_id)
    if order.sync_state != Order.SyncState.AWAITING:
        return order
    client = get_client()
    customer_id = str(order.customer.tenant_id)
    try:
        fresh = client.get_order(customer_id, order.pc_order_id)
        listed = any(
            o.id == order.pc_order_id
            for o in client.list_orders(customer_id, billing_type=order.billing_cycle or None)
        )
    except pc_errors.PartnerCenterError as exc:
        log.warning("order %s confirm failed: %s", order.pc_order_id, exc)
        return order
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.sync_state != Order.SyncState.AWAITING:
            return order
        changes = {"status": str(fresh.status or "").lower(), "pc_status": str(fresh.status or "")}
        now = timezone.now()
        if listed:
            changes.update(sync_state=Order.SyncState.CONFIRMED, confirmed_at=now)
        elif order.confirm_deadline and now > order.confirm_deadline:
            changes["sync_state"] = Order.SyncState.ATTENTION
        _set(order, changes, note="order confirm")
        order.sync_attempts += 1
        order.last_synced_at = now
        order.save()
        _update_lines(order, fresh)
        if order.sync_state == Order.SyncState.ATTENTION:
            _flag(order)
    # Per-line provisioning status (App+User; skipped without a signed-in user).
    return order_refresh_provisioning(order_id=order.pk)


def _update_lines(order: Order, pc_order) -> None:
    by_number = {line.line_number: line for line in order.lines.all()}
    changed = []
    for n, item in enumerate(pc_order.line_items):
        line = by_number.get(item.line_item_number if item.line_item_number is not None else n)
        if line and item.subscription_id and line.subscription_id != item.subscription_id:
            line.subscription_id = item.subscription_id
            changed.append(line)
    OrderLine.objects.bulk_update(changed, ["subscription_id"])


def _flag(order: Order) -> None:
    audit_record(
        actor=None,
        action="order.attention",
        obj=order,
        customer=order.customer,
        summary=f"Order {order} did not appear in Partner Center's order list within the window",
        pc_order_id=order.pc_order_id,
    )
    if order.placed_by_id:
        notification_create(
            recipient_id=order.placed_by_id,
            url=f"/orders/{order.pk}/",
            message=lambda: (
                _(
                    "Order %(order)s for %(customer)s has not appeared in "
                    "Partner Center's order list; check it in Partner Center."
                )
                % {"order": order, "customer": order.customer.company_name}
            ),
        )


@dataclass
class SyncResult:
    customers: int = 0
    seen: int = 0
    imported: int = 0
    confirmed: int = 0
    updated: int = 0
    flagged: int = 0
    skipped: list[str] = field(default_factory=list)  # orders that do not fit, reported

    def __str__(self) -> str:
        text = _(
            "%(customers)s, %(seen)s, %(imported)d imported, %(confirmed)d confirmed, "
            "%(updated)d updated, %(flagged)d flagged"
        ) % {
            "customers": ngettext("%(n)d customer", "%(n)d customers", self.customers)
            % {"n": self.customers},
            "seen": ngettext("%(n)d order seen", "%(n)d orders seen", self.seen) % {"n": self.seen},
            "imported": self.imported,
            "confirmed": self.confirmed,
            "updated": self.updated,
            "flagged": self.flagged,
        }
        if self.skipped:
            text += ngettext(
                "; %(n)d skipped: %(first)s", "; %(n)d skipped: %(first)s", len(self.skipped)
            ) % {"n": len(self.skipped), "first": self.skipped[0]}
        return text


def orders_sync(
    *, customer: Customer | None = None, billing_cycle: str | None = None, progress=None
) -> SyncResult:
    """Mirror Partner Center's order lists (all customers, or one), in bulk.

    New orders are imported (placed outside the portal), awaiting portal orders that appear are
    confirmed, status changes are applied with history, and awaiting orders past the window are
    flagged. Running it twice changes nothing the second time.
    """
    if billing_cycle and billing_cycle not in BILLING_TYPES:
        raise ValueError(
            f"unknown billing cycle {billing_cycle!r}; use one_time, monthly or annual"
        )
    customers = (
        [customer] if customer else list(Customer.objects.filter(is_active=True).order_by("pk"))
    )
    kind = (
        "orders"
        + (f":{customer.pk}" if customer else "")
        + (f":{billing_cycle}" if billing_cycle else "")
    )
    sync_begin(kind=kind, total=len(customers), message=_("Reading Partner Center order lists"))
    result = SyncResult()
    client = get_client()
    try:
        # Read every list first, then write them all in one transaction: a list that fails (or
        # holds a record the client refuses) leaves the mirror untouched.
        lists = []
        for index, cust in enumerate(customers, 1):
            pc_orders = list(
                client.list_orders(str(cust.tenant_id), billing_type=billing_cycle or None)
            )
            lists.append((cust, pc_orders))
            sync_progress(
                kind=kind,
                done=index,
                message=ngettext(
                    "Read the orders of %(n)d customer", "Read the orders of %(n)d customers", index
                )
                % {"n": index},
            )
        with transaction.atomic():
            for cust, pc_orders in lists:
                _apply_list(cust, pc_orders, billing_cycle, result)
                result.customers += 1
                if progress:
                    progress(result.customers, len(customers), result)
    except Exception as exc:
        sync_fail(kind=kind, error=str(exc))
        raise
    sync_succeed(kind=kind, message=str(result))
    return result


def _fitting(new_orders: list, result) -> list:
    """The new orders whose values (and lines' values) fit the mirror; the others are reported
    and skipped, so one odd record does not stop the sync."""
    kept = []
    for order, pc_order in new_orders:
        try:
            fit(order)
            for item in pc_order.line_items:
                fit(OrderLine(**_line_fields(item)))
        except RecordDoesNotFit as exc:
            result.skipped.append(skipped(f"order {order.pc_order_id}", exc))
        else:
            kept.append((order, pc_order))
    return kept


def _apply_list(customer: Customer, pc_orders: list, billing_cycle: str | None, result) -> None:
    now = timezone.now()
    result.seen += len(pc_orders)
    by_id = {o.id: o for o in pc_orders if o.id}
    with transaction.atomic():
        existing = {
            o.pc_order_id: o
            for o in Order.objects.filter(customer=customer, pc_order_id__in=list(by_id))
        }
        new_orders, lines, events, to_update = [], [], [], []
        for pc_id, pc_order in by_id.items():
            order = existing.get(pc_id)
            fields = _order_fields(pc_order)
            if order is None:
                created_at = pc_order.creation_date or now
                order = Order(
                    pc_order_id=pc_id,
                    customer=customer,
                    created_at=created_at,
                    source=Order.Source.EXTERNAL,
                    sync_state=Order.SyncState.CONFIRMED,
                    confirmed_at=now,
                    last_synced_at=now,
                    **fields,
                )
                new_orders.append((order, pc_order))
                continue
            changes = {"status": fields["status"], "pc_status": fields["pc_status"]}
            if order.sync_state != Order.SyncState.CONFIRMED:
                changes.update(sync_state=Order.SyncState.CONFIRMED, confirmed_at=now)
                result.confirmed += 1
            if any(getattr(order, k) != v for k, v in changes.items()):
                for name in ("status", "sync_state"):
                    if name in changes and getattr(order, name) != changes[name]:
                        events.append(
                            OrderEvent(
                                order=order,
                                field=name,
                                old_value=getattr(order, name),
                                new_value=changes[name],
                                note="order sync",
                            )
                        )
                for k, v in changes.items():
                    setattr(order, k, v)
                order.last_synced_at = now
                to_update.append(order)
                result.updated += 1
        new_orders = _fitting(new_orders, result)
        if new_orders:
            Order.objects.bulk_create([o for o, _ in new_orders], batch_size=500)
            created = {
                o.pc_order_id: o
                for o in Order.objects.filter(
                    pc_order_id__in=[o.pc_order_id for o, _ in new_orders]
                ).only("pk", "pc_order_id")
            }
            for order, pc_order in new_orders:
                saved = created[order.pc_order_id]
                for n, item in enumerate(pc_order.line_items):
                    lines.append(
                        OrderLine(
                            order_id=saved.pk,
                            line_number=item.line_item_number
                            if item.line_item_number is not None
                            else n,
                            **_line_fields(item),
                        )
                    )
                events.append(
                    OrderEvent(
                        order_id=saved.pk,
                        field="sync_state",
                        new_value=Order.SyncState.CONFIRMED,
                        note="imported from Partner Center",
                    )
                )
            lines, _unfit = fit_all(lines, what="an order line")
            OrderLine.objects.bulk_create(lines, batch_size=1000)
            result.imported += len(new_orders)
        to_update, problems = fit_all(to_update, what="an order update")
        result.skipped += problems
        events, _unfit = fit_all(events, what="an order event")
        if to_update:
            Order.objects.bulk_update(
                to_update,
                ["status", "pc_status", "sync_state", "confirmed_at", "last_synced_at"],
                batch_size=500,
            )
        OrderEvent.objects.bulk_create(events, batch_size=1000)
        # Portal orders still absent from the list after the window need a person to look.
        overdue = Order.objects.filter(
            customer=customer,
            sync_state=Order.SyncState.AWAITING,
            confirm_deadline__lt=now,
        ).exclude(pc_order_id__in=list(by_id))
        if billing_cycle:
            overdue = overdue.filter(billing_cycle=billing_cycle)
        for order in overdue.select_related("customer"):
            _set(order, {"sync_state": Order.SyncState.ATTENTION}, note="absent past the window")
            order.save(update_fields=["sync_state", "updated_at"])
            _flag(order)
            result.flagged += 1


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
    except pc_errors.UserSignInRequired as exc:
        connection_mark_revoked(error=exc)
        log.info("provisioning status of %s needs App+User: %s", order.pc_order_id, exc)
        if raise_errors:
            raise pc_error(
                exc, doing=_("reading the provisioning status of %(order)s") % {"order": order}
            ) from exc
        return order
    except pc_errors.PartnerCenterError as exc:
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


def order_status_apply(*, order_id: int, pc_order) -> Order:
    """Record Partner Center's current status of an order and its lines' subscription ids
    (status changes keep their history)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        status = str(pc_order.status or "")
        if order.status != status.lower():
            _set(order, {"status": status.lower(), "pc_status": status}, note="order follow-up")
            order.save(update_fields=["status", "pc_status", "updated_at"])
        _update_lines(order, pc_order)
    return order
