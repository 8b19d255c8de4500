"""Read queries of the customer pages (search, filters), kept out of the views."""

from __future__ import annotations

import contextlib
import uuid

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from portal.models import AzureSubscription, Customer, SubscriptionRegistration


def customer_search(*, text: str = "", include_inactive: bool = False) -> QuerySet[Customer]:
    """Customers matching ``text`` in name, domain or Partner Center id."""
    qs = Customer.objects.all()
    if not include_inactive:
        qs = qs.filter(is_active=True)
    text = text.strip()
    if text:
        cond = Q(company_name__icontains=text) | Q(domain__icontains=text)
        with contextlib.suppress(ValueError):
            cond |= Q(tenant_id=uuid.UUID(text))
        qs = qs.filter(cond)
    return qs


def customer_subscriptions(customer) -> list:
    """The customer's subscriptions (active first), each with ``latest_registration`` attached."""
    subs = list(
        AzureSubscription.objects.filter(customer=customer)
        .order_by("-is_active", "-is_reservation_eligible", "friendly_name")
        .prefetch_related(
            Prefetch(
                "registrations",
                queryset=SubscriptionRegistration.objects.select_related("requested_by").order_by(
                    "-requested_at", "-pk"
                ),
            )
        )
    )
    for sub in subs:
        regs = list(sub.registrations.all())
        sub.latest_registration = regs[0] if regs else None
    return subs


def subscription_with_registration(pk: int):
    sub = get_object_or_404(AzureSubscription.objects.select_related("customer"), pk=pk)
    sub.latest_registration = (
        sub.registrations.select_related("requested_by").order_by("-requested_at", "-pk").first()
    )
    return sub


def registration_search(*, text: str = "", state: str = "") -> QuerySet:
    qs = SubscriptionRegistration.objects.select_related("subscription__customer", "requested_by")
    if state:
        qs = qs.filter(state=state)
    text = text.strip()
    if text:
        cond = (
            Q(subscription__customer__company_name__icontains=text)
            | Q(subscription__friendly_name__icontains=text)
            | Q(correlation_id__icontains=text)
            | Q(ms_request_id__icontains=text)
        )
        with contextlib.suppress(ValueError):
            cond |= Q(subscription__subscription_id=uuid.UUID(text))
        qs = qs.filter(cond)
    return qs


def unmirrored_customer_id(text: str) -> str:
    """``text`` (normalised) when it is a customer GUID the mirror does not hold (offer to fetch)."""
    try:
        tenant = uuid.UUID((text or "").strip())
    except ValueError:
        return ""
    return "" if Customer.objects.filter(tenant_id=tenant).exists() else str(tenant)
