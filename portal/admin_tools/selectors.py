"""Read queries of the admin tools (the audit log's filters)."""

from __future__ import annotations

from django.db.models import QuerySet

from portal.models import AuditEvent


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
