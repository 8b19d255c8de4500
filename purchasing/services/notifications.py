"""In-portal notifications: written in the recipient's language, marked read by the recipient."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import timezone, translation

from portal.models import StaffProfile
from purchasing.models import Notification


def notification_create(*, recipient_id: int, url: str, message: Callable[[], str]) -> Notification:
    """Store a notification whose text ``message()`` builds in the recipient's own language
    (their profile's choice, else the portal's default), whoever's request or task writes it."""
    language = (
        StaffProfile.objects.filter(user_id=recipient_id).values_list("language", flat=True).first()
    )
    with translation.override(language or settings.LANGUAGE_CODE):
        text = str(message())
    return Notification.objects.create(recipient_id=recipient_id, message=text, url=url)


def notification_mark_read(*, user, ids: list[int] | None) -> int:
    """Mark the user's unread notifications ``ids`` (all of them when None) read; returns how many.

    Only the recipient's own rows are touched, so another user's id is silently ignored.
    """
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
