"""Dashboard panels for sales (orders, reservations) and finance/admin (approvals)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.shared.exports import Column
from purchasing.charts import MONTHS, WEEKS, expiry_chart, orders_chart
from purchasing.models import Approval, Order
from purchasing.selectors import reservations_expiring, unread_notifications


def recent_orders(request):
    orders = Order.objects.select_related("customer").order_by("-created_at")[:8]
    return {
        "title": _("Recent orders"),
        "template": "purchasing/_panel_orders.html",
        "orders": orders,
        "empty": _("No orders yet."),
        "link": reverse("purchasing:orders"),
    }


def awaiting_orders(request):
    orders = (
        Order.objects.filter(sync_state__in=[Order.SyncState.AWAITING, Order.SyncState.ATTENTION])
        .select_related("customer")
        .order_by("-created_at")[:8]
    )
    return {
        "title": _("Orders awaiting Partner Center"),
        "template": "purchasing/_panel_orders.html",
        "orders": orders,
        "empty": _("Every order is confirmed in Partner Center."),
        "link": reverse("purchasing:orders") + "?sync=awaiting",
    }


# The tables the panels show that a reader can download (``purchasing:panel_csv``).
RESERVATIONS_TABLE = "reservations-expiring"
ORDERS_CHART_TABLE = "orders-per-week"
EXPIRY_CHART_TABLE = "reservations-expiring-per-month"


def reservation_buckets() -> list[tuple[int, int]]:
    return [(days, reservations_expiring(days).count()) for days in (30, 60, 90)]


def reservation_columns() -> list[Column]:
    return [
        Column(
            _("Within"), lambda b: ngettext("%(days)s day", "%(days)s days", b[0]) % {"days": b[0]}
        ),
        Column(_("Reservations"), lambda b: b[1]),
    ]


def expiring_reservations(request):
    return {
        "title": _("Reservations expiring"),
        "template": "purchasing/_panel_reservations.html",
        "columns": reservation_columns(),
        "buckets": reservation_buckets(),
        "csv": RESERVATIONS_TABLE,
    }


def notifications(request):
    notes = list(unread_notifications(request.user)[:5])
    if not notes:
        return None
    return {"title": _("Notifications"), "template": "purchasing/_panel_notes.html", "notes": notes}


def pending_approvals(request):
    pending = (
        Approval.objects.filter(state=Approval.State.PENDING)
        .select_related("checkout__customer", "requested_by")
        .order_by("requested_at")[:10]
    )
    return {
        "title": _("Purchases awaiting approval"),
        "template": "purchasing/_panel_approvals.html",
        "approvals": pending,
    }


def orders_chart_panel(request) -> dict:
    return {
        "title": ngettext(
            "Orders per week, last %(n)d week", "Orders per week, last %(n)d weeks", WEEKS
        )
        % {"n": WEEKS},
        "template": "purchasing/_panel_chart.html",
        "chart": orders_chart(),
        "csv": ORDERS_CHART_TABLE,
    }


def expiry_chart_panel(request) -> dict:
    return {
        "title": ngettext(
            "Reservations expiring, next %(n)d month",
            "Reservations expiring, next %(n)d months",
            MONTHS,
        )
        % {"n": MONTHS},
        "template": "purchasing/_panel_chart.html",
        "chart": expiry_chart(),
        "csv": EXPIRY_CHART_TABLE,
        "note": _(
            "How many of the reservations running today will have expired by each month's "
            "end (cumulative)."
        ),
    }
