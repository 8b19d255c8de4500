"""Orders: record Partner Center orders locally, confirm the portal's own orders once they show
in Partner Center's (delayed) lists, import orders placed elsewhere, flag orders that never show.

Re-syncs are idempotent: rows are upserted by ``pc_order_id``; a change of status appends an
``OrderEvent`` (history), an unchanged order writes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnercenter import errors as pc_errors
from portal.models import Customer
from portal.partner_center.client import get_client
from portal.shared.audit import audit_record
from portal.shared.mirror_fit import RecordDoesNotFit, fit, fit_all, skipped
from portal.shared.progress import sync_begin, sync_fail, sync_progress, sync_succeed
from portal.shared.sync_counts import SyncCounts
from purchasing.conf import conf
from purchasing.models import Order, OrderEvent, OrderLine
from purchasing.services._order_changes import _set
from purchasing.services.notifications import notification_create
from purchasing.services.provisioning import order_refresh_provisioning

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


@dataclass(kw_only=True)
class SyncResult(SyncCounts):
    """Orders: ``created`` are imported ones; ``confirmed`` portal orders Partner Center listed."""

    customers: int = 0
    seen: int = 0
    confirmed: int = 0
    flagged: int = 0

    def lead(self) -> str:
        return _(
            "%(customers)s, %(seen)s, %(imported)d imported, %(confirmed)d confirmed, "
            "%(updated)d updated, %(flagged)d flagged"
        ) % {
            "customers": ngettext("%(n)d customer", "%(n)d customers", self.customers)
            % {"n": self.customers},
            "seen": ngettext("%(n)d order seen", "%(n)d orders seen", self.seen) % {"n": self.seen},
            "imported": self.created,
            "confirmed": self.confirmed,
            "updated": self.updated,
            "flagged": self.flagged,
        }


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
        new_orders, events, to_update = [], [], []
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
            elif _confirm_listed(order, fields, now, result, events):
                to_update.append(order)
        new_orders = _fitting(new_orders, result)
        if new_orders:
            _import_new(new_orders, events, result)
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
        _flag_overdue(customer, list(by_id), billing_cycle, now, result)


def _confirm_listed(order: Order, fields: dict, now, result, events: list) -> bool:
    """A mirrored order seen in the list: confirmed, its status applied (events appended);
    True when it changed and needs writing."""
    changes = {"status": fields["status"], "pc_status": fields["pc_status"]}
    if order.sync_state != Order.SyncState.CONFIRMED:
        changes.update(sync_state=Order.SyncState.CONFIRMED, confirmed_at=now)
        result.confirmed += 1
    if not any(getattr(order, k) != v for k, v in changes.items()):
        return False
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
    result.updated += 1
    return True


def _import_new(new_orders: list, events: list, result) -> None:
    """Write orders placed outside the portal with their lines (import events appended)."""
    lines = []
    Order.objects.bulk_create([o for o, _ in new_orders], batch_size=500)
    created = {
        o.pc_order_id: o
        for o in Order.objects.filter(pc_order_id__in=[o.pc_order_id for o, _ in new_orders]).only(
            "pk", "pc_order_id"
        )
    }
    for order, pc_order in new_orders:
        saved = created[order.pc_order_id]
        for n, item in enumerate(pc_order.line_items):
            lines.append(
                OrderLine(
                    order_id=saved.pk,
                    line_number=item.line_item_number if item.line_item_number is not None else n,
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
    result.created += len(new_orders)


def _flag_overdue(customer: Customer, listed: list, billing_cycle: str | None, now, result):
    """Portal orders still absent from the list after the window need a person to look."""
    overdue = Order.objects.filter(
        customer=customer,
        sync_state=Order.SyncState.AWAITING,
        confirm_deadline__lt=now,
    ).exclude(pc_order_id__in=listed)
    if billing_cycle:
        overdue = overdue.filter(billing_cycle=billing_cycle)
    for order in overdue.select_related("customer"):
        _set(order, {"sync_state": Order.SyncState.ATTENTION}, note="absent past the window")
        order.save(update_fields=["sync_state", "updated_at"])
        _flag(order)
        result.flagged += 1


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
