"""Sign-in throttling per address, on top of django-axes' per username + address lockout.

django-axes locks one username from one address after ``AXES_FAILURE_LIMIT`` failures, so nobody
can lock another person out from elsewhere. This backend (first in ``AUTHENTICATION_BACKENDS``)
also refuses every sign-in from an address that failed ``AXES_ADDRESS_FAILURE_LIMIT`` times
(any usernames) within the cool-off, so one address cannot try password after password across
accounts. The address comes from ``portal.client_ip`` (the trusted proxy's header).
"""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils import timezone

from portal.client_ip import client_ip


def address_failures(address: str) -> int:
    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    total = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


class AddressLimitBackend:
    """Refuses (with the lockout page) sign-ins from an address over its failure limit."""

    def authenticate(self, request, **credentials):
        if request is None or not settings.AXES_ENABLED:
            return None
        if address_failures(client_ip(request)) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            request.axes_locked_out = True  # AxesMiddleware answers with the lockout page
            raise PermissionDenied("Too many failed sign-ins from this address.")
        return None

    # No get_user(): this backend never signs anyone in, so sessions must not name it (Django's
    # force_login and session lookup pick the first backend that has get_user).
