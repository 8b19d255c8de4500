"""Request middleware of the portal."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.http import Http404
from django.utils import timezone, translation

from portal.models import StaffProfile
from portal.partner_center.client import time_budget


class UserTimezoneMiddleware:
    """Show dates in the signed-in user's time zone (their profile), UTC in the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tz_name = None
        if request.user.is_authenticated:
            tz_name = request.session.get("time_zone")
            if tz_name is None:
                profile = (
                    getattr(request.user, "profile", None) if _has_profile(request.user) else None
                )
                tz_name = profile.time_zone if profile else ""
                request.session["time_zone"] = tz_name
        if tz_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class UserLanguageMiddleware:
    """The signed-in user's language from their profile, when they chose one, over the browser's
    Accept-Language that ``LocaleMiddleware`` (earlier in the chain) picked. Cached in the session
    like the time zone; the profile page and the language switch update both."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            language = request.session.get(LANGUAGE_SESSION_KEY)
            if language is None:
                profile = request.user.profile if _has_profile(request.user) else None
                language = profile.language if profile else ""
                request.session[LANGUAGE_SESSION_KEY] = language
            if language and language in dict(settings.LANGUAGES):
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


# The session key of the signed-in user's chosen language ("" = follow the browser).
LANGUAGE_SESSION_KEY = "portal_language"


def _has_profile(user) -> bool:
    try:
        user.profile  # noqa: B018 - loads the relation once
    except StaffProfile.DoesNotExist:
        return False
    return True


class ContentSecurityPolicyMiddleware:
    """Send ``settings.CONTENT_SECURITY_POLICY`` on every response that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


class NulInPathMiddleware:
    """A NUL character in the URL path names no object: answer 404 before any view passes it
    to the database (PostgreSQL refuses NUL in text and would fail the request). Query and form
    values are checked where they are parsed (``portal.shared.params``, Django forms)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in request.path_info:
            raise Http404("No such page.")
        return self.get_response(request)


class PartnerCenterTimeBudgetMiddleware:
    """Partner Center calls a page still makes (most work is queued for the worker) share one time
    budget, ``PARTNER_CENTER_REQUEST_BUDGET`` seconds, below gunicorn's worker timeout: a slow
    Partner Center gives the page a clear error instead of a killed worker."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with time_budget(settings.PARTNER_CENTER_REQUEST_BUDGET):
            return self.get_response(request)
