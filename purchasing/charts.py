"""Sales charts: orders per week, and how the customers' reservations expire over the next year."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from portal.shared.charts import Chart, Point, chart_build, month_starts, next_month
from purchasing.models import Order, Reservation

WEEKS = 12
MONTHS = 12


def orders_per_week(*, weeks: int = WEEKS, now=None) -> list[tuple]:
    """``[(Monday, orders created that week), ...]`` for the last ``weeks`` weeks (UTC)."""
    today = (now or timezone.now()).astimezone(UTC).date()
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=w) for w in range(weeks - 1, -1, -1)]
    since = datetime(mondays[0].year, mondays[0].month, mondays[0].day, tzinfo=UTC)
    counts = {
        row["week"].date(): row["n"]
        for row in Order.objects.filter(created_at__gte=since)
        .annotate(week=TruncWeek("created_at", tzinfo=UTC))
        .values("week")
        .annotate(n=Count("id"))
    }
    return [(monday, counts.get(monday, 0)) for monday in mondays]


def reservation_expiry(*, months: int = MONTHS, now=None) -> list[tuple]:
    """``[(month, reservations expired by that month's end), ...]`` for this month and the
    next ``months - 1``: the cumulative expiry curve of the reservations running now."""
    now = now or timezone.now()
    first = now.astimezone(UTC).date()
    starts = month_starts(last=first, count=1)
    for _month in range(months - 1):
        starts.append(next_month(starts[-1]))
    expiries = list(
        Reservation.objects.filter(expires_at__gte=now)
        .exclude(expires_at=None)
        .values_list("expires_at", flat=True)
    )
    curve = []
    for start in starts:
        end = next_month(start)
        limit = datetime(end.year, end.month, end.day, tzinfo=UTC)
        curve.append((start, sum(1 for e in expiries if e < limit)))
    return curve


def _count_chart(title: str, label_header: str, value_header: str, points, kind: str) -> Chart:
    return chart_build(
        title=title,
        label_header=label_header,
        value_header=value_header,
        points=points,
        kind=kind,
    )


def orders_chart(*, now=None) -> Chart:
    series = orders_per_week(now=now)
    points = [
        Point(
            label=_("week of %(date)s") % {"date": f"{monday:%Y-%m-%d}"},
            value=Decimal(n),
            display=str(n),
            short=dateformat.format(monday, "d M") if i % 3 == 0 else "",
        )
        for i, (monday, n) in enumerate(series)
    ]
    return _count_chart(_("Orders per week"), _("Week"), _("Orders"), points, "bars")


def expiry_chart(*, now=None) -> Chart:
    curve = reservation_expiry(now=now)
    points = [
        Point(
            label=_("by end of %(month)s") % {"month": f"{start:%Y-%m}"},
            value=Decimal(n),
            display=str(n),
            short=dateformat.format(start, "M") if i % 2 == 0 else "",
        )
        for i, (start, n) in enumerate(curve)
    ]
    return _count_chart(
        _("Reservation expiry curve"), _("Month"), _("Reservations expired"), points, "line"
    )
