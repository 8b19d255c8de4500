"""Purchasing reads: lists with filters, sorting and prefetching (constant query counts)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date

from purchasing.models import (
    Cart,
    CartLine,
    Checkout,
    Entitlement,
    Notification,
    Order,
    Reservation,
)

ORDER_SORTS = {
    "created": "created_at",
    "customer": "customer__company_name",
    "status": "status",
    "sync": "sync_state",
    "cycle": "billing_cycle",
    "total": "total_price",
}
ENTITLEMENT_SORTS = {
    "customer": "customer__company_name",
    "expiry": "expiry_date",
    "type": "entitlement_type",
    "product": "title",
    "quantity": "quantity",
}


def open_cart_for(customer) -> Cart | None:
    return (
        Cart.objects.filter(customer=customer, state=Cart.State.OPEN)
        .prefetch_related(Prefetch("lines", queryset=CartLine.objects.order_by("id")))
        .first()
    )


def open_carts() -> QuerySet[Cart]:
    return (
        Cart.objects.filter(state=Cart.State.OPEN)
        .select_related("customer", "created_by")
        .annotate(line_count=Count("lines"))
        .order_by("-updated_at")
    )


def cart_line_count(user) -> int:
    return CartLine.objects.filter(cart__state=Cart.State.OPEN, cart__created_by=user).count()


def _day(value: str, *, end: bool = False):
    parsed = parse_date(value or "")
    if not parsed:
        return None
    moment = datetime.combine(parsed, time.max if end else time.min)
    return timezone.make_aware(moment, timezone.get_current_timezone())


def orders_filtered(params) -> tuple[QuerySet[Order], dict]:
    """Orders for the list page; returns the queryset and the cleaned filters (with errors)."""
    qs = Order.objects.select_related("customer", "placed_by").annotate(line_count=Count("lines"))
    filters: dict = {"errors": []}
    customer = (params.get("customer") or "").strip()
    if customer.isdecimal() and len(customer) < 19:  # not '²' (isdigit), not 5000 digits
        qs = qs.filter(customer_id=int(customer))
        filters["customer"] = int(customer)
    cycle = params.get("cycle") or ""
    if cycle in ("one_time", "monthly", "annual"):
        qs = qs.filter(billing_cycle=cycle)
        filters["cycle"] = cycle
    status = params.get("status") or ""
    if status in ("pending", "completed", "cancelled"):
        qs = qs.filter(status=status)
        filters["status"] = status
    sync = params.get("sync") or ""
    if sync in Order.SyncState.values:
        qs = qs.filter(sync_state=sync)
        filters["sync"] = sync
    for key, end in (("from", False), ("to", True)):
        raw = params.get(key) or ""
        if raw:
            moment = _day(raw, end=end)
            if moment is None:
                filters["errors"].append(f"'{raw}' is not a date (use YYYY-MM-DD).")
            else:
                qs = qs.filter(**{f"created_at__{'lte' if end else 'gte'}": moment})
                filters[key] = raw
    search = (params.get("q") or "").strip()
    if search:
        qs = qs.filter(
            Q(pc_order_id__icontains=search)
            | Q(alternate_id__icontains=search)
            | Q(customer__company_name__icontains=search)
            | Q(lines__friendly_name__icontains=search)
        ).distinct()
        filters["q"] = search
    return qs, filters


def order_detail(pk: int) -> Order:
    return (
        Order.objects.select_related("customer", "placed_by", "checkout")
        .prefetch_related("lines", "events", "entitlements__reservations")
        .get(pk=pk)
    )


def entitlements_filtered(params) -> tuple[QuerySet[Entitlement], dict]:
    qs = Entitlement.objects.select_related("customer", "order").prefetch_related("reservations")
    filters: dict = {"errors": []}
    customer = (params.get("customer") or "").strip()
    if customer.isdecimal() and len(customer) < 19:  # not '²' (isdigit), not 5000 digits
        qs = qs.filter(customer_id=int(customer))
        filters["customer"] = int(customer)
    etype = params.get("type") or ""
    if etype in ("software", "reservedinstance"):
        qs = qs.filter(entitlement_type=etype)
        filters["type"] = etype
    expiring = params.get("expiring") or ""
    if expiring:
        if expiring.isdecimal() and len(expiring) <= 5 and int(expiring) <= 36500:
            qs = qs.filter(
                expiry_date__gte=timezone.now(),
                expiry_date__lte=timezone.now() + timedelta(days=int(expiring)),
            )
            filters["expiring"] = expiring
        else:
            filters["errors"].append("'Expiring within' must be a number of days (up to 36500).")
    if params.get("inactive") != "1":
        qs = qs.filter(is_active=True)
    else:
        filters["inactive"] = "1"
    return qs, filters


def reservations_expiring(days: int) -> QuerySet[Reservation]:
    now = timezone.now()
    return Reservation.objects.filter(
        expires_at__gte=now, expires_at__lte=now + timedelta(days=days)
    ).select_related("entitlement__customer")


def checkouts_for_attention() -> QuerySet[Checkout]:
    return Checkout.objects.filter(
        state__in=[Checkout.State.OUTCOME_UNKNOWN, Checkout.State.AWAITING_APPROVAL]
    ).select_related("customer", "requested_by")


def unread_notifications(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def notifications_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")
