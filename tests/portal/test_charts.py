"""Dashboard charts: server-rendered SVG with the same numbers in a table, per role."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.charts import spend_per_month
from portal.shared.charts import PAD_TOP, PLOT_H, Point, chart_build, month_starts
from purchasing.charts import orders_per_week, reservation_expiry

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # a Wednesday


def _customer():
    from portal.models import Customer

    return Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name="Chart Co", country="US", currency="USD"
    )


def _invoice(invoice_id, currency, total, when, active=True):
    from billing.models import Invoice

    return Invoice.objects.create(
        invoice_id=invoice_id, currency=currency, total_charges=Decimal(total),
        invoice_date=when, synced_at=timezone.now(), is_active=active,
    )  # fmt: skip


def _order(customer, when):
    from purchasing.models import Order

    return Order.objects.create(
        pc_order_id=str(uuid.uuid4()), customer=customer, created_at=when, currency="USD"
    )


def test_month_starts_cross_the_year():
    assert month_starts(last=date(2026, 2, 14), count=3) == [
        date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1),
    ]  # fmt: skip


def test_spend_per_month_per_currency_last_twelve_months():
    _invoice("U1", "USD", "100.10", datetime(2026, 11, 2, tzinfo=UTC))
    _invoice("U2", "USD", "0.20", datetime(2026, 11, 30, 23, tzinfo=UTC))
    _invoice("U3", "USD", "50", datetime(2025, 12, 1, tzinfo=UTC))  # first of the 12 months
    _invoice("U4", "USD", "999", datetime(2025, 11, 30, tzinfo=UTC))  # 13 months ago
    _invoice("U5", "USD", "777", datetime(2026, 10, 1, tzinfo=UTC), active=False)
    _invoice("E1", "EUR", "-20.5", datetime(2026, 6, 9, tzinfo=UTC))
    spend = spend_per_month(today=NOW.date())
    assert list(spend) == ["EUR", "USD"]
    usd = dict(spend["USD"])
    assert len(usd) == 12 and min(usd) == date(2025, 12, 1) and max(usd) == date(2026, 11, 1)
    assert usd[date(2026, 11, 1)] == Decimal("100.30")
    assert usd[date(2025, 12, 1)] == Decimal("50")
    assert usd[date(2026, 10, 1)] == 0  # the invoice gone from Partner Center is left out
    assert sum(usd.values()) == Decimal("150.30")
    assert dict(spend["EUR"])[date(2026, 6, 1)] == Decimal("-20.5")


def test_orders_per_week_counts_by_monday():
    customer = _customer()
    for when in (NOW, NOW - timedelta(days=2), NOW - timedelta(days=7), NOW - timedelta(weeks=13)):
        _order(customer, when)
    weeks = orders_per_week(now=NOW)
    assert len(weeks) == 12
    assert weeks[-1] == (date(2026, 11, 23), 2)
    assert weeks[-2] == (date(2026, 11, 16), 1)
    assert sum(n for _, n in weeks) == 3


def test_reservation_expiry_curve_is_cumulative():
    from purchasing.models import Entitlement, Reservation

    customer = _customer()
    ent = Entitlement.objects.create(
        customer=customer, pc_order_id="o", entitlement_type="reservedInstance"
    )
    for i, when in enumerate(
        [NOW + timedelta(days=3), NOW + timedelta(days=10), NOW + timedelta(days=45),
         NOW - timedelta(days=1), NOW + timedelta(days=800)]
    ):  # fmt: skip
        Reservation.objects.create(
            entitlement=ent, reservation_order_id=f"ro{i}", reservation_id=f"r{i}", expires_at=when
        )
    curve = reservation_expiry(now=NOW)
    assert curve[0] == (date(2026, 11, 1), 1)
    assert curve[1] == (date(2026, 12, 1), 2)
    assert curve[2] == (date(2027, 1, 1), 3)
    assert curve[-1] == (date(2027, 10, 1), 3)  # the one expiring in two years is not in view


def test_bars_scale_to_the_largest_value():
    points = [Point("a", Decimal(4), "4"), Point("b", Decimal(2), "2"), Point("c", Decimal(0), "0")]
    chart = chart_build(title="T", label_header="L", value_header="V", points=points)
    heights = [Decimal(m.height) for m in chart.marks]
    assert heights == [Decimal(PLOT_H), Decimal(PLOT_H) / 2, 0]
    assert Decimal(chart.marks[0].y) == PAD_TOP


def _svg_and_table(html: str, slug: str) -> tuple[str, str]:
    figure = re.search(
        rf'<figure class="chart" data-testid="chart-{slug}">(.*?)</figure>', html, re.S
    )
    assert figure, f"no chart {slug}"
    body = figure.group(1)
    return re.search(r"<svg.*?</svg>", body, re.S).group(0), re.search(
        r"<table.*?</table>", body, re.S
    ).group(0)


def test_finance_dashboard_draws_spend_with_its_numbers(finance_client, sales_client):
    today = timezone.now()
    _invoice("U1", "USD", "1234.50", today)
    _invoice("G1", "GBP", "80", today)
    response = finance_client.get("/")
    html = response.content.decode()
    for slug, shown in (
        ("spend-per-month-in-usd", "$1,234.50 USD"),
        ("spend-per-month-in-gbp", "£80.00 GBP"),
    ):
        svg, table = _svg_and_table(html, slug)
        assert 'role="img"' in svg and svg.count("<rect") == 12
        assert shown in table and '<th scope="col">Month</th>' in table
    assert "<script>" not in html and "script-src 'self'" in response["Content-Security-Policy"]
    assert "spend-per-month" not in sales_client.get("/").content.decode()


def test_sales_dashboard_draws_orders_and_expiry(sales_client, finance_client):
    customer = _customer()
    _order(customer, timezone.now())
    html = sales_client.get("/").content.decode()
    svg, table = _svg_and_table(html, "orders-per-week")
    assert svg.count("<rect") == 12 and re.search(r"<td class=\"num\">1</td>", table)
    assert 'data-testid="chart-reservation-expiry-curve"' in html
    assert "orders-per-week" not in finance_client.get("/").content.decode()
