"""In-portal notifications: marking them read (the messages are written by checkout/orders)."""

from __future__ import annotations

from django.utils import timezone

from purchasing.models import Notification


def notification_mark_read(*, user, ids: list[int] | None) -> int:
    """Mark the user's unread notifications ``ids`` (all of them when None) read; returns how many.

    Only the recipient's own rows are touched, so another user's id is silently ignored.
    """
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
