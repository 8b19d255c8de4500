"""A staff member's own preferences: the time zone dates are shown in, the portal's language."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.utils.translation import gettext as _

from portal.models import StaffProfile
from portal.shared.errors import PortalError


def language_codes() -> set[str]:
    """The languages a user may choose (``settings.LANGUAGES``)."""
    return {code for code, _name in settings.LANGUAGES}


def profile_update(*, user, time_zone: str, language: str) -> StaffProfile:
    """Store the user's time zone and language ("" = follow the browser's Accept-Language)."""
    if time_zone not in zoneinfo.available_timezones():
        raise PortalError(_("Choose a time zone from the list."), code="bad_time_zone")
    if language and language not in language_codes():
        raise PortalError(_("Choose a language from the list."), code="bad_language")
    profile, _created = StaffProfile.objects.get_or_create(user=user)
    profile.time_zone = time_zone
    profile.language = language
    profile.full_clean()
    profile.save(update_fields=["time_zone", "language"])
    return profile


def profile_language_set(*, user, language: str) -> StaffProfile:
    """Store the language the user picked on the header's switch."""
    if language not in language_codes():
        raise PortalError(_("Choose a language from the list."), code="bad_language")
    profile, _created = StaffProfile.objects.get_or_create(user=user)
    profile.language = language
    profile.save(update_fields=["language"])
    return profile
