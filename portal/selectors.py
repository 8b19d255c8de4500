"""Read queries of the portal app (search, filters), kept out of the views."""

from __future__ import annotations

import contextlib
import uuid

from django.db.models import Q, QuerySet

from portal.models import AuditEvent, Customer


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


def audit_search(
    *, actor: str = "", action: str = "", customer_id: int | None = None, since=None, until=None
) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.select_related("customer")
    if actor:
        qs = qs.filter(actor_name__icontains=actor)
    if action:
        qs = qs.filter(action__startswith=action)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    return qs
