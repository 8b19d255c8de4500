"""Purchasing reads: lists with filters, sorting and prefetching (constant query counts)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, time, timedelta

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Customer
from portal.shared.params import Params
from purchasing.models import (
    Approval,
    Cart,
    CartLine,
    Checkout,
    Entitlement,
    Notification,
    Order,
    OrderLine,
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


def _day_bound(day, *, end: bool = False):
    moment = datetime.combine(day, time.max if end else time.min)
    return timezone.make_aware(moment, timezone.get_current_timezone())


def order_resale_total() -> Case:
    """The resale total recorded at checkout of an order's lines, or NULL when any line has none
    (subqueries, so the list's other joins cannot multiply it)."""
    money = DecimalField(max_digits=30, decimal_places=6)
    total = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(total=Sum(F("resale_unit_price") * F("quantity"), output_field=money))
        .values("total")[:1]
    )
    unrecorded = OrderLine.objects.filter(order=OuterRef("pk"), resale_unit_price=None)
    return Case(
        When(Exists(unrecorded), then=Value(None)),
        default=Subquery(total, output_field=money),
        output_field=money,
    )


def orders_filtered(params) -> tuple[QuerySet[Order], dict]:
    """Orders for the list page; returns the queryset and the cleaned filters (with errors)."""
    qs = Order.objects.select_related("customer", "placed_by").annotate(
        line_count=Count("lines"), resale_total=order_resale_total()
    )
    p = Params(params)
    filters: dict = {"errors": p.errors}
    if (customer := p.object_id("customer", label=_("Customer"))) is not None:
        qs = qs.filter(customer_id=customer)
        filters["customer"] = customer
    if cycle := p.choice("cycle", ("one_time", "monthly", "annual")):
        qs = qs.filter(billing_cycle=cycle)
        filters["cycle"] = cycle
    if status := p.choice("status", ("pending", "completed", "cancelled")):
        qs = qs.filter(status=status)
        filters["status"] = status
    if sync := p.choice("sync", Order.SyncState.values):
        qs = qs.filter(sync_state=sync)
        filters["sync"] = sync
    for key, end, label in (("from", False, _("From")), ("to", True, _("To"))):
        if (day := p.day(key, label=label)) is not None:
            qs = qs.filter(**{f"created_at__{'lte' if end else 'gte'}": _day_bound(day, end=end)})
            filters[key] = day.isoformat()
    if search := p.text("q", label=_("Search")):
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
    p = Params(params)
    filters: dict = {"errors": p.errors}
    if (customer := p.object_id("customer", label=_("Customer"))) is not None:
        qs = qs.filter(customer_id=customer)
        filters["customer"] = customer
    if etype := p.choice("type", ("software", "reservedinstance")):
        qs = qs.filter(entitlement_type=etype)
        filters["type"] = etype
    expiring = p.integer("expiring", label=_("Expiring within (days)"), minimum=0, maximum=36500)
    if expiring is not None:
        qs = qs.filter(
            expiry_date__gte=timezone.now(),
            expiry_date__lte=timezone.now() + timedelta(days=expiring),
        )
        filters["expiring"] = str(expiring)
    if p.choice("inactive", ("1",)) != "1":
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


# -- orders named by id (the mirror is a cache; see portal.shared.mirror) -------------------------------

ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def looks_like_order_id(text: str) -> bool:
    """A Partner Center order id (33 characters of base64url, or a GUID): no spaces, has digits."""
    return bool(ORDER_ID.match(text or "")) and any(ch.isdigit() for ch in text)


def unmirrored_order_id(text: str) -> str:
    """``text`` when it is an exact order id the mirror does not hold (offer to fetch it)."""
    text = (text or "").strip()
    if not looks_like_order_id(text) or Order.objects.filter(pc_order_id=text).exists():
        return ""
    return text


def looks_like_guid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except (TypeError, ValueError):
        return False
    return True


def customer_choices(*, active_only: bool = False) -> QuerySet[Customer]:
    """Customers for a filter's or a form's choice list (name and country only)."""
    qs = Customer.objects.filter(is_active=True) if active_only else Customer.objects.all()
    return qs.only("company_name", "country")


def recent_checkouts(limit: int = 20) -> QuerySet[Checkout]:
    return Checkout.objects.select_related("customer", "requested_by").order_by("-created_at")[
        :limit
    ]


def latest_checkout(customer) -> Checkout | None:
    return Checkout.objects.filter(customer=customer).order_by("-created_at").first()


def checkout_of_cart(cart) -> Checkout | None:
    return Checkout.objects.filter(cart=cart).first()


def checkout_orders(checkout) -> list[Order]:
    """The checkout's orders with their lines, in order-group order."""
    return list(
        Order.objects.filter(checkout=checkout).prefetch_related("lines").order_by("order_group")
    )


def checkout_approval(checkout) -> Approval | None:
    return Approval.objects.filter(checkout=checkout).select_related("decided_by").first()


def approval_list() -> QuerySet[Approval]:
    """Approvals for the finance page: open ones first, newest first."""
    return Approval.objects.select_related(
        "checkout__customer", "requested_by", "decided_by"
    ).order_by("state", "-requested_at")
