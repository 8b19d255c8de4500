"""Admin dashboard panel of the customers domain: stuck registrations."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import SubscriptionRegistration


def registrations_panel(request) -> dict | None:
    """Registrations that failed or timed out in the last 7 days, and ones overdue for a poll."""
    now = timezone.now()
    overdue = Q(
        state__in=SubscriptionRegistration.ACTIVE_STATES,
        next_poll_at__lt=now - timedelta(minutes=5),
    )
    recent_failure = Q(
        state__in=[SubscriptionRegistration.State.FAILED, SubscriptionRegistration.State.TIMED_OUT],
        finished_at__gte=now - timedelta(days=7),
    )
    regs = list(
        SubscriptionRegistration.objects.filter(overdue | recent_failure)
        .select_related("subscription__customer")
        .order_by("-requested_at")[:10]
    )
    if not regs:
        return None
    return {
        "title": _("Registrations needing attention"),
        "template": "portal/dashboard/_registrations_panel.html",
        "registrations": regs,
    }
