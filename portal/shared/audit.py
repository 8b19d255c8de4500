"""Recording audit events."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from portal.models import AuditEvent, Customer


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    customer: Customer | None = None,
    summary: str = "",
    **details: Any,
) -> AuditEvent:
    """Append an audit event; ``actor`` may be None for system jobs.

    ``details`` must be JSON-serialisable after Django's encoder (Decimal, UUID, datetime are fine);
    it is normalised so that what is stored is exactly what the viewer later shows.
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_name=user.get_username() if user else "system",
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        customer=customer,
        summary=summary[:255],
        details=json.loads(json.dumps(details, cls=DjangoJSONEncoder)),
    )
