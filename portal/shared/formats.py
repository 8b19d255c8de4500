"""Dates and times for people: in the user's time zone (activated by middleware) and the active
language's locale (CLDR through Babel). Exports keep ISO 8601 (``portal.shared.exports``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from babel.dates import format_date, format_datetime
from django.utils import timezone

from portal.shared.money import babel_locale_name


def local_datetime(value: datetime | None, *, length: str = "medium") -> str:
    """An aware time in the current time zone, e.g. ``Nov 29, 2026, 12:30:00 PM`` (en) or
    ``2026年11月29日 下午12:30:00`` (zh-Hant); empty for None."""
    if value is None:
        return ""
    if timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)
    return format_datetime(
        timezone.localtime(value),
        length,
        tzinfo=timezone.get_current_timezone(),
        locale=babel_locale_name(),
    )


def local_date(value: date | datetime | None, *, length: str = "medium") -> str:
    """A date (an aware time: its date in the current time zone) in the locale's format."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return format_date(value, length, locale=babel_locale_name())
