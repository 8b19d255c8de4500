"""Finance charts: what was invoiced per month, per currency, over the last twelve months."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from billing.models import Invoice
from portal.shared.charts import Chart, Point, chart_build, month_starts
from portal.shared.money import Money

MONTHS = 12


def spend_per_month(*, months: int = MONTHS, today=None) -> dict[str, list[tuple]]:
    """``{currency: [(first day of month, total charges), ...]}`` for the last ``months``
    months (current one included), zero for months without invoices; by invoice date in UTC."""
    today = today or timezone.now().astimezone(UTC).date()
    starts = month_starts(last=today, count=months)
    since = datetime(starts[0].year, starts[0].month, 1, tzinfo=UTC)
    rows = (
        Invoice.objects.filter(is_active=True, invoice_date__gte=since)
        .annotate(month=TruncMonth("invoice_date", tzinfo=UTC))
        .values("currency", "month")
        .annotate(total=Sum("total_charges"))
    )
    totals: dict[str, dict] = {}
    for row in rows:
        totals.setdefault(row["currency"], {})[row["month"].date()] = row["total"]
    return {
        currency: [(start, by_month.get(start, Decimal(0))) for start in starts]
        for currency, by_month in sorted(totals.items())
    }


def spend_charts_by_currency(*, today=None) -> dict[str, Chart]:
    charts = {}
    for currency, series in spend_per_month(today=today).items():
        points = [
            Point(
                label=f"{start:%Y-%m}",
                value=total,
                display=Money(total, currency).format(),
                short=dateformat.format(start, "M") if i % 2 == 0 else "",
            )
            for i, (start, total) in enumerate(series)
        ]
        charts[currency] = chart_build(
            title=_("Spend per month in %(currency)s") % {"currency": currency},
            label_header=_("Month"),
            value_header=_("Invoiced (%(currency)s)") % {"currency": currency},
            points=points,
            top_display=lambda top, c=currency: Money(top, c).format(),
        )
    return charts
