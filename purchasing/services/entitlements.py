"""Entitlements (App+User): mirror per customer, with Azure reservation details."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Sku
from partnercenter import errors as pc_errors
from portal.models import Customer
from portal.partner_center.client import get_client
from portal.shared.audit import audit_record
from portal.shared.errors import pc_error
from portal.shared.mirror_fit import RecordDoesNotFit, skipped
from portal.shared.progress import sync_begin, sync_fail, sync_progress, sync_state, sync_succeed
from portal.shared.queue import enqueue_on_commit
from portal.shared.sync_counts import SyncCounts
from purchasing.models import Entitlement, Order, OrderLine, Reservation

log = logging.getLogger(__name__)


@dataclass(kw_only=True)
class EntitlementSyncResult(SyncCounts):
    customers: int = 0
    seen: int = 0
    reservations: int = 0

    def lead(self) -> str:
        return _(
            "%(customers)s, %(seen)s, %(created)d new, %(updated)d updated, %(gone)d gone, "
            "%(reservations)s"
        ) % {
            "customers": ngettext("%(n)d customer", "%(n)d customers", self.customers)
            % {"n": self.customers},
            "seen": ngettext("%(n)d entitlement seen", "%(n)d entitlements seen", self.seen)
            % {"n": self.seen},
            "created": self.created,
            "updated": self.updated,
            "gone": self.gone,
            "reservations": ngettext("%(n)d reservation", "%(n)d reservations", self.reservations)
            % {"n": self.reservations},
        }


def _sku_info(product_id: str, sku_id: str) -> tuple[str, dict]:
    sku = (
        Sku.objects.filter(product__product_id=product_id, sku_id=sku_id)
        .only("title", "dynamic_attributes")
        .first()
    )
    return (sku.title, sku.dynamic_attributes or {}) if sku else ("", {})


ENTITLEMENTS_KIND = "entitlements"  # SyncState of the all-customers sync (page and beat)
REFRESH_STALE_AFTER = timedelta(minutes=10)  # a "running" state this quiet is a lost run


def entitlements_refresh_start(*, actor) -> bool:
    """Queue a sync of every customer's entitlements (the page's Refresh button).

    The progress shows at once ("queued"); returns False when a sync is already running."""
    state = sync_state(ENTITLEMENTS_KIND)
    now = timezone.now()
    if (
        state
        and state.running
        and state.heartbeat_at
        and now - state.heartbeat_at < (REFRESH_STALE_AFTER)
    ):
        return False
    with transaction.atomic():
        sync_begin(kind=ENTITLEMENTS_KIND, message=_("Queued"))
        audit_record(
            actor=actor,
            action="entitlements.refresh_requested",
            obj=None,
            summary="Entitlements refresh from Partner Center requested",
        )
        enqueue_on_commit("purchasing.tasks.entitlements_sync_task")
    return True


def entitlements_sync(*, customer: Customer | None = None) -> EntitlementSyncResult:
    """Mirror entitlements of one or all active customers; needs the App+User connection.

    Raises ``PartnerCenterUnavailable`` with what to do when nobody is signed in.
    """
    customers = (
        [customer] if customer else list(Customer.objects.filter(is_active=True).order_by("pk"))
    )
    kind = ENTITLEMENTS_KIND + (f":{customer.pk}" if customer else "")
    sync_begin(kind=kind, total=len(customers), message=_("Reading entitlements"))
    result = EntitlementSyncResult()
    client = get_client()
    try:
        # Read everything first, then write it all in one transaction: a failed read (or a record
        # the client refuses) leaves the mirror untouched.
        fetched = []
        for index, cust in enumerate(customers, 1):
            items = list(client.list_entitlements(str(cust.tenant_id), show_expiry=True))
            details = {}
            for item in items:
                for artifact in item.entitled_artifacts:
                    if artifact.link and str(artifact.artifact_type or "").lower() in (
                        "reservedinstance",
                        "virtualmachinereservedinstance",
                        "virtual_machine_reserved_instance",
                    ):
                        details[artifact.resource_id] = client.get_reservation_details(
                            artifact.link
                        )
            fetched.append((cust, items, details))
            sync_progress(
                kind=kind,
                done=index,
                message=ngettext("Read %(n)d customer", "Read %(n)d customers", index)
                % {"n": index},
            )
        with transaction.atomic():
            for cust, items, details in fetched:
                _apply(cust, items, details, result)
                result.customers += 1
    except pc_errors.UserSignInRequired as exc:
        sync_fail(kind=kind, error=str(exc))
        raise pc_error(exc, doing=_("reading entitlements")) from exc
    except Exception as exc:
        sync_fail(kind=kind, error=str(exc))
        raise
    sync_succeed(kind=kind, message=str(result))
    return result


def _apply(customer: Customer, items: list, details: dict, result: EntitlementSyncResult) -> None:
    now = timezone.now()
    result.seen += len(items)
    with transaction.atomic():
        orders = {
            o.pc_order_id: o
            for o in Order.objects.filter(
                customer=customer,
                pc_order_id__in=[i.reference_order.id for i in items if i.reference_order],
            )
        }
        seen_keys = set()
        for item in items:
            try:
                with transaction.atomic():  # one record that does not fit is skipped alone
                    _apply_item(customer, item, orders, details, seen_keys, now, result)
            except RecordDoesNotFit as exc:
                result.skipped.append(skipped(f"entitlement {item.product_id}:{item.sku_id}", exc))
        gone = [
            e.pk
            for e in Entitlement.objects.filter(customer=customer, is_active=True)
            if (e.pc_order_id, e.order_line_id, e.entitlement_type) not in seen_keys
        ]
        if gone:
            result.gone += Entitlement.objects.filter(pk__in=gone).update(is_active=False)


def _apply_item(customer, item, orders, details, seen_keys, now, result) -> None:
    """Create or update one entitlement and its reservations (raises ``RecordDoesNotFit``)."""
    ref = item.reference_order
    pc_order_id = ref.id if ref else ""
    line_id = str(ref.line_item_id) if ref and ref.line_item_id is not None else ""
    etype = str(item.entitlement_type or "").lower()
    key = (pc_order_id, line_id, etype)
    seen_keys.add(key)
    title, attrs = _sku_info(item.product_id or "", item.sku_id or "")
    order = orders.get(pc_order_id)
    if not title and order:
        line = OrderLine.objects.filter(order=order, line_number=int(line_id or 0)).first()
        title = line.friendly_name if line else ""
    values = {
        "order": order,
        "product_id": item.product_id or "",
        "sku_id": item.sku_id or "",
        "title": title,
        "quantity": item.quantity or 0,
        "fulfillment_state": item.fulfillment_state or "",
        "expiry_date": item.expiry_date,
        "is_active": True,
        "raw": item.raw if isinstance(getattr(item, "raw", None), dict) else {},
    }
    entitlement = Entitlement.objects.filter(
        customer=customer,
        pc_order_id=pc_order_id,
        order_line_id=line_id,
        entitlement_type=etype,
    ).first()
    if entitlement is None:
        entitlement = Entitlement.objects.create(
            customer=customer,
            pc_order_id=pc_order_id,
            order_line_id=line_id,
            entitlement_type=etype,
            synced_at=now,
            **values,
        )
        result.created += 1
    else:
        changed = {k: v for k, v in values.items() if getattr(entitlement, k) != v}
        if changed:
            for k, v in changed.items():
                setattr(entitlement, k, v)
            entitlement.synced_at = now
            entitlement.save()
            result.updated += 1
    _apply_reservations(entitlement, item, order, line_id, attrs, details, now, result)


def _apply_reservations(entitlement, item, order, line_id: str, attrs: dict, details, now, result):
    """Create or update the reservations behind the entitlement's artifacts."""
    for artifact in item.entitled_artifacts:
        detail = details.get(artifact.resource_id)
        if detail is None:
            continue
        rtype = str((artifact.dynamic_attributes or {}).get("reservationType", ""))
        order_line = None
        if order:
            order_line = OrderLine.objects.filter(
                order=order, line_number=int(line_id or 0)
            ).first()
        for reservation in detail.reservations:
            defaults = {
                "entitlement": entitlement,
                "reservation_order_id": artifact.resource_id or "",
                "display_name": (reservation.display_name or ""),
                "reservation_type": rtype,
                "scope_type": str(reservation.scope_type or ""),
                "applied_scopes": list(reservation.applied_scopes or []),
                "region": str(attrs.get("region") or attrs.get("armRegionName") or ""),
                "term": (order_line.term_duration if order_line else "")
                or str(attrs.get("duration") or ""),
                "quantity": reservation.quantity or 0,
                "effective_at": reservation.effective_date_time,
                "expires_at": reservation.expiry_date_time,
                "provisioning_state": reservation.provisioning_state or "",
            }
            current = Reservation.objects.filter(reservation_id=reservation.reservation_id).first()
            if current is None:
                Reservation.objects.create(
                    reservation_id=reservation.reservation_id, synced_at=now, **defaults
                )
                result.reservations += 1
            elif any(getattr(current, k) != v for k, v in defaults.items()):
                for k, v in defaults.items():
                    setattr(current, k, v)
                current.synced_at = now
                current.save()
