"""Margin report: resale price recorded at checkout minus partner cost, by customer, product and
month, per currency (amounts of different currencies are never added together).

Per order line:
- resale = ``OrderLine.resale_unit_price x quantity`` (recorded at checkout: later rule changes
  never move it);
- partner cost = what Microsoft billed for it when reconciliation matched the line to invoice
  lines in the same currency (the sum of their ``billed_amount``; cost source "invoice"), else the
  expected cost recorded at checkout, ``unit_price x quantity`` (cost source "price sheet");
- margin = resale - partner cost.
Lines of cancelled orders are left out. A line with no partner cost, or no resale price recorded
(ordered in Partner Center, or before resale prices existed), has no margin and is listed as
such; a line priced without a markup rule (sold at cost) is counted and listed too.
The month is the order's creation month in UTC (as invoices are grouped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from billing.models import MISMATCH_CLASSES, ReconciliationResult, ReconClass
from portal.shared.charts import Chart, Point, chart_build, month_starts, next_month
from portal.shared.money import Money
from purchasing.models import OrderLine

MATCHED_CLASSES = (ReconClass.MATCHED, *MISMATCH_CLASSES)
ZERO = Decimal(0)

NO_COST = "no_cost"
NO_RESALE = "no_resale"
NO_RULE = "no_rule"
ISSUES = {
    NO_COST: _("No partner cost recorded"),
    NO_RESALE: _("No resale price recorded"),
    NO_RULE: _("No markup rule: sold at cost"),
}


@dataclass
class LineMargin:
    line: OrderLine
    month: date
    currency: str
    resale: Decimal | None
    cost: Decimal | None
    cost_source: str  # "invoice", "price sheet" or ""
    issue: str  # one of ISSUES or ""

    @property
    def margin(self) -> Decimal | None:
        return None if self.resale is None or self.cost is None else self.resale - self.cost


@dataclass
class MarginRow:
    """One customer x product x month x currency."""

    customer: str
    product: str
    product_id: str
    month: date
    currency: str
    quantity: int = 0
    resale: Decimal = ZERO
    cost: Decimal = ZERO
    lines: int = 0
    without_margin: int = 0  # lines with no cost or no resale (not in the sums)
    without_rule: int = 0

    @property
    def margin(self) -> Decimal:
        return self.resale - self.cost

    @property
    def margin_percent(self) -> Decimal | None:
        return (
            None if not self.resale else (self.margin * 100 / self.resale).quantize(Decimal("0.1"))
        )


@dataclass
class MarginReport:
    rows: list[MarginRow]
    issues: list[LineMargin]
    totals: dict[str, MarginRow] = field(default_factory=dict)  # currency -> totals
    months: list[date] = field(default_factory=list)


def _billed_costs(line_ids: list[int]) -> dict[tuple[int, str], Decimal]:
    """(order line id, currency) -> billed amount of the invoice lines matched to it."""
    rows = (
        ReconciliationResult.objects.filter(
            order_line_id__in=line_ids, klass__in=MATCHED_CLASSES, billed_amount__isnull=False
        )
        .values("order_line_id", "currency")
        .annotate(billed=Sum("billed_amount"))
    )
    return {(r["order_line_id"], r["currency"]): r["billed"] for r in rows}


def line_margins(*, start: date, end: date, customer_id: int | None = None, currency: str = ""):
    """Every order line of orders created in [start, end) with its resale, cost and issue."""
    qs = (
        OrderLine.objects.filter(
            order__created_at__gte=datetime(start.year, start.month, start.day, tzinfo=UTC),
            order__created_at__lt=datetime(end.year, end.month, end.day, tzinfo=UTC),
        )
        .exclude(order__status__iexact="cancelled")
        .select_related("order__customer")
        .order_by("order__created_at", "order_id", "line_number")
    )
    if customer_id:
        qs = qs.filter(order__customer_id=customer_id)
    lines = list(qs)
    billed = _billed_costs([line.pk for line in lines])
    out = []
    for line in lines:
        code = (line.currency or line.order.currency or "").upper()
        if currency and code != currency:
            continue
        created = line.order.created_at.astimezone(UTC)
        invoice_cost = billed.get((line.pk, code))
        if invoice_cost is not None:
            cost, source = invoice_cost, "invoice"
        elif line.unit_price is not None:
            cost, source = line.unit_price * line.quantity, "price sheet"
        else:
            cost, source = None, ""
        resale = line.resale_total
        if cost is None:
            issue = NO_COST
        elif resale is None:
            issue = NO_RESALE
        elif not line.resale_rule_id:
            issue = NO_RULE
        else:
            issue = ""
        out.append(
            LineMargin(
                line, date(created.year, created.month, 1), code, resale, cost, source, issue
            )
        )
    return out


def margin_report(
    *, start: date, end: date, customer_id: int | None = None, currency: str = ""
) -> MarginReport:
    """Rows by customer, product, month and currency, totals per currency, and the lines with
    no margin (no cost or no resale) or no rule."""
    rows: dict[tuple, MarginRow] = {}
    totals: dict[str, MarginRow] = {}
    issues = []
    for lm in line_margins(start=start, end=end, customer_id=customer_id, currency=currency):
        line = lm.line
        product = line.friendly_name or line.product_id or line.offer_id
        key = (
            line.order.customer.company_name,
            line.product_id or line.offer_id,
            lm.month,
            lm.currency,
        )
        row = rows.get(key) or rows.setdefault(
            key, MarginRow(key[0], product, key[1], lm.month, lm.currency)
        )
        total = totals.setdefault(lm.currency, MarginRow("", "", "", start, lm.currency))
        for target in (row, total):
            target.lines += 1
            if lm.margin is None:
                target.without_margin += 1
                continue
            target.quantity += line.quantity
            target.resale += lm.resale
            target.cost += lm.cost
            if lm.issue == NO_RULE:
                target.without_rule += 1
        if lm.issue:
            issues.append(lm)
    months = []
    day = date(start.year, start.month, 1)
    while day < end:
        months.append(day)
        day = next_month(day)
    return MarginReport(list(rows.values()), issues, dict(sorted(totals.items())), months)


def margin_charts(report: MarginReport) -> list[Chart]:
    """Margin per month, one bar chart per currency (negative months draw as zero; the table
    under each chart has the signed amounts)."""
    charts = []
    for currency in report.totals:
        per_month = {m: ZERO for m in report.months}
        for row in report.rows:
            if row.currency == currency and row.month in per_month:
                per_month[row.month] += row.margin
        points = [
            Point(
                label=f"{month:%Y-%m}",
                value=value,
                display=Money(value, currency).format(),
                short=f"{month:%m}" if i % 2 == 0 or len(per_month) <= 6 else "",
            )
            for i, (month, value) in enumerate(per_month.items())
        ]
        charts.append(
            chart_build(
                title=str(_("Margin per month in %(currency)s") % {"currency": currency}),
                label_header=str(_("Month")),
                value_header=str(_("Margin (%(currency)s)") % {"currency": currency}),
                points=points,
                top_display=lambda top, c=currency: Money(top, c).format(),
            )
        )
    return charts


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months, the current one included: [first day, first day after)."""
    starts = month_starts(last=today, count=12)
    return starts[0], next_month(starts[-1])
