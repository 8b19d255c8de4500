"""Finance's margin report: resale recorded at checkout minus partner cost, per currency."""

from __future__ import annotations

from django.contrib import messages
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.margins import ISSUES, default_period, margin_charts, margin_report
from portal.models import Customer
from portal.shared.exports import Column, cell_date, export_csv, wants_csv
from portal.shared.htmx import render_page
from portal.shared.money import Money
from portal.shared.params import Params
from portal.shared.roles import Role, role_required
from portal.shared.tables import paginate, parse_sort

SORTS = {
    "month": "month",
    "customer": "customer",
    "product": "product",
    "currency": "currency",
    "resale": "resale",
    "cost": "cost",
    "margin": "margin",
}


def _num(value, currency: str = "") -> str:
    """A plain number for the CSV; amounts rounded to their currency's decimals."""
    if value is None:
        return ""
    return str(Money(value, currency).quantized()) if currency else str(value)


ROW_COLUMNS = [
    Column(gettext_lazy("month"), lambda r: f"{r.month:%Y-%m}"),
    Column(gettext_lazy("customer"), lambda r: r.customer),
    Column(gettext_lazy("product id"), lambda r: r.product_id),
    Column(gettext_lazy("product"), lambda r: r.product),
    Column(gettext_lazy("currency"), lambda r: r.currency),
    Column(gettext_lazy("quantity"), lambda r: r.quantity),
    Column(gettext_lazy("resale"), lambda r: _num(r.resale, r.currency)),
    Column(gettext_lazy("partner cost"), lambda r: _num(r.cost, r.currency)),
    Column(gettext_lazy("margin"), lambda r: _num(r.margin, r.currency)),
    Column(gettext_lazy("margin percent"), lambda r: _num(r.margin_percent)),
    Column(gettext_lazy("lines"), lambda r: r.lines),
    Column(gettext_lazy("lines without margin"), lambda r: r.without_margin),
    Column(gettext_lazy("lines without rule"), lambda r: r.without_rule),
]
ISSUE_COLUMNS = [
    Column(gettext_lazy("order id"), lambda m: m.line.order.pc_order_id),
    Column(gettext_lazy("line"), lambda m: m.line.line_number),
    Column(gettext_lazy("order date"), lambda m: cell_date(m.line.order.created_at)),
    Column(gettext_lazy("customer"), lambda m: m.line.order.customer.company_name),
    Column(gettext_lazy("product id"), lambda m: m.line.product_id),
    Column(gettext_lazy("product"), lambda m: m.line.friendly_name),
    Column(gettext_lazy("currency"), lambda m: m.currency),
    Column(gettext_lazy("quantity"), lambda m: m.line.quantity),
    Column(gettext_lazy("resale"), lambda m: _num(m.resale, m.currency)),
    Column(gettext_lazy("partner cost"), lambda m: _num(m.cost, m.currency)),
    Column(gettext_lazy("cost source"), lambda m: m.cost_source),
    Column(gettext_lazy("issue"), lambda m: m.issue),
]


@role_required(Role.FINANCE)
def margins(request):
    p = Params(request.GET)
    first = p.month("from", label=_("From"))
    last = p.month("to", label=_("To"))
    start, end = default_period(timezone.now().date())
    start = first[0].date() if first else start
    end = last[1].date() if last else end
    if end <= start:
        p.errors.append(_("The period ends before it starts; showing the last twelve months."))
        start, end = default_period(timezone.now().date())
    currency = p.text("currency", label=_("Currency"), max_length=3).upper()
    filters = {
        "from": f"{start:%Y-%m}",
        "to": f"{date_before(end):%Y-%m}",
        "customer": p.object_id("customer", label=_("Customer")),
        "currency": currency,
    }
    report = margin_report(start=start, end=end, customer_id=filters["customer"], currency=currency)
    sort = parse_sort(request.GET, SORTS, "-month")
    report.rows.sort(key=lambda r: (r.customer, r.product, r.currency))
    report.rows.sort(key=lambda r: getattr(r, sort.field.lstrip("-")), reverse=sort.descending)
    if wants_csv(request):
        if request.GET.get("part") == "issues":
            return export_csv("margin-lines-without-margin-or-rule", ISSUE_COLUMNS, report.issues)
        return export_csv("margins", ROW_COLUMNS, report.rows)
    for error in p.errors:
        messages.error(request, error)
    context = {
        "report": report,
        "page_obj": paginate(request.GET, report.rows),
        "charts": margin_charts(report),
        "filters": filters,
        "sort": sort,
        "customers": Customer.objects.filter(is_active=True).only("company_name"),
        "issue_labels": ISSUES,
        "issues_shown": report.issues[:100],
    }
    return render_page(request, "billing/margins.html", context, part="table")


def date_before(day):
    return day.fromordinal(day.toordinal() - 1)
