"""Every change of a checkout's state goes through ``checkout_transition`` (or ``checkout_claim``
for a worker taking it): one conditional UPDATE, its audit event in the same transaction, and the
caller's object refreshed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.shared.audit import audit_record
from purchasing.conf import checkout_claim_seconds
from purchasing.models import Checkout

State = Checkout.State


def checkout_transition(
    checkout: Checkout,
    *,
    to: str,
    from_states: Iterable[str] | None = None,
    action: str = "",
    actor=None,
    summary: str = "",
    audit: dict[str, Any] | None = None,
    **fields: Any,
) -> bool:
    """Move ``checkout`` to state ``to`` and set ``fields``; only from ``from_states`` when given.

    When the row moved and ``action`` is given, the audit event (``actor``, ``summary``, ``audit``
    details) is written in the same transaction. ``checkout`` is refreshed either way. Returns
    whether the row moved (False: another process changed it first)."""
    with transaction.atomic():
        rows = Checkout.objects.filter(pk=checkout.pk)
        if from_states is not None:
            rows = rows.filter(state__in=list(from_states))
        moved = rows.update(state=to, updated_at=timezone.now(), **fields) == 1
        if moved and action:
            audit_record(
                actor=actor,
                action=action,
                obj=checkout,
                customer=checkout.customer,
                summary=summary,
                **(audit or {}),
            )
    checkout.refresh_from_db()
    return moved


def checkout_claim(checkout_id: int, from_states, *, to_state: str, count_attempt: bool) -> bool:
    """Conditional UPDATE: only one process works on a checkout at a time (the claim expires, so
    a dead worker's checkout is taken over by the sweep)."""
    now = timezone.now()
    updates: dict[str, Any] = {
        "state": to_state,
        "claimed_until": now + timedelta(seconds=checkout_claim_seconds()),
        "updated_at": now,
    }
    if count_attempt:
        updates["attempts"] = F("attempts") + 1
        updates["submitted_at"] = now
    else:
        updates["reconcile_attempts"] = F("reconcile_attempts") + 1
    claimed = (
        Checkout.objects.filter(pk=checkout_id, state__in=list(from_states))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(**updates)
    )
    return claimed == 1
