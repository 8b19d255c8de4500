"""Margin report: resale recorded at checkout minus partner cost (invoice when matched, else the
price sheet cost), by customer, product and month, per currency; lines without margin or rule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.margins import NO_COST, NO_RESALE, NO_RULE, margin_report
from billing.models import Invoice, ReconciliationResult
from purchasing.models import Order, OrderLine
from tests.catalog.conftest import make_customer

MAY = datetime(2026, 5, 10, tzinfo=UTC)
JUNE = datetime(2026, 6, 3, tzinfo=UTC)
PERIOD = {"start": date(2026, 1, 1), "end": date(2027, 1, 1)}


def order_line(
    customer,
    when,
    *,
    currency="USD",
    cost="10",
    resale="12.50",
    rule=7,
    qty=2,
    product="P1",
    status="completed",
    n=[0],
):
    n[0] += 1
    order = Order.objects.create(
        pc_order_id=f"o-{n[0]}",
        customer=customer,
        billing_cycle="one_time",
        currency=currency,
        status=status,
        created_at=when,
    )
    return OrderLine.objects.create(
        order=order, line_number=0, offer_id=f"{product}:0001:A", product_id=product,
        sku_id="0001", friendly_name=f"Product {product}", quantity=qty, currency=currency,
        unit_price=None if cost is None else Decimal(cost),
        resale_unit_price=None if resale is None else Decimal(resale),
        resale_rule_id=rule, resale_rule=f"#{rule} Rule" if rule else "",
    )  # fmt: skip


@pytest.fixture
def book(db):
    contoso, fabrikam = make_customer("Contoso"), make_customer("Fabrikam")
    lines = {
        "may": order_line(contoso, MAY),  # margin 2 x 2.50 = 5.00 USD
        "may2": order_line(contoso, MAY, cost="20", resale="30", qty=1),  # +10
        "june": order_line(contoso, JUNE, qty=4),  # invoice says cost 44 -> 50 - 44 = 6
        "eur": order_line(fabrikam, JUNE, currency="EUR", cost="100", resale="90", qty=1),  # -10
        "norule": order_line(fabrikam, JUNE, resale="10", rule=None, qty=1),  # 0, sold at cost
        "nocost": order_line(fabrikam, JUNE, cost=None, resale=None, qty=1),
        "noresale": order_line(fabrikam, JUNE, resale=None, rule=None, qty=1),
        "cancelled": order_line(contoso, JUNE, status="cancelled"),
    }
    invoice = Invoice.objects.create(invoice_id="G1", currency="USD", synced_at=timezone.now())
    ReconciliationResult.objects.create(
        invoice=invoice, klass="amount_mismatch", order_line=lines["june"], currency="USD",
        billed_amount=Decimal("44"),
    )  # fmt: skip
    return lines


def test_margins_per_currency_never_summed_across(book):
    report = margin_report(**PERIOD)
    usd, eur = report.totals["USD"], report.totals["EUR"]
    assert (usd.resale, usd.cost, usd.margin) == (Decimal(115), Decimal(94), Decimal(21))
    assert (eur.resale, eur.cost, eur.margin) == (Decimal(90), Decimal(100), Decimal(-10))
    assert (usd.without_margin, usd.without_rule) == (2, 1)
    contoso_may = [
        r for r in report.rows if r.customer == "Contoso" and r.month == date(2026, 5, 1)
    ]
    assert [(r.product_id, r.margin, r.lines) for r in contoso_may] == [("P1", Decimal("15"), 2)]
    issues = {m.line.pk: m.issue for m in report.issues}
    assert issues == {
        book["norule"].pk: NO_RULE, book["nocost"].pk: NO_COST, book["noresale"].pk: NO_RESALE,
    }  # fmt: skip
    june = next(m for m in report.issues if m.line.pk == book["norule"].pk)
    assert june.cost_source == "price sheet"


def test_invoice_cost_wins_over_price_sheet(book):
    row = next(
        r for r in margin_report(**PERIOD).rows
        if r.customer == "Contoso" and r.month == date(2026, 6, 1)
    )  # fmt: skip
    assert (row.resale, row.cost, row.margin) == (Decimal("50.00"), Decimal(44), Decimal(6))


def test_page_chart_table_and_csv(book, finance_client):
    page = finance_client.get("/billing/margins/?from=2026-01&to=2026-12").content.decode()
    assert 'data-testid="margin-total-USD"' in page and 'data-testid="margin-total-EUR"' in page
    assert (
        "<svg" in page and "Margin per month in USD" in page and "Margin per month in EUR" in page
    )
    assert 'class="small chart-data"' in page  # the chart's numbers as a table
    assert page.count('data-testid="margin-issue"') == 3
    assert "No partner cost recorded" in page and "No resale price recorded" in page
    assert "No markup rule: sold at cost" in page
    assert "o-8" not in page  # cancelled

    csv = (
        b"".join(
            finance_client.get(
                "/billing/margins/?from=2026-01&to=2026-12&format=csv"
            ).streaming_content
        )
        .decode()
        .lstrip("\ufeff")
    )
    header, *rows = csv.strip().splitlines()
    assert header.startswith("month,customer,product id,product,currency,quantity,resale")
    assert any(
        r.startswith("2026-05,Contoso,P1,Product P1,USD,3,55.00,40.00,15.00,27.3,2,0,0")
        for r in rows
    )
    issues_csv = b"".join(
        finance_client.get(
            "/billing/margins/?from=2026-01&to=2026-12&format=csv&part=issues"
        ).streaming_content
    ).decode()
    assert issues_csv.count("\n") == 4 and "no_cost" in issues_csv


def test_filters_and_bad_input(book, finance_client):
    page = finance_client.get("/billing/margins/?from=2026-01&to=2026-12&currency=eur").content
    assert (
        b'data-testid="margin-total-EUR"' in page and b'data-testid="margin-total-USD"' not in page
    )
    page = finance_client.get("/billing/margins/?from=2026-06&to=2026-06").content.decode()
    assert "2026-05" not in page.split('id="margin-table"')[1].split("</table>")[0]
    page = finance_client.get("/billing/margins/?from=2026-13&to=x").content.decode()
    assert "the month must be 01 to 12" in page
    page = finance_client.get("/billing/margins/?from=2026-06&to=2026-01").content.decode()
    assert "ends before it starts" in page


def test_finance_only(book, sales_client, finance_client):
    assert sales_client.get("/billing/margins/").status_code == 403
    assert finance_client.get("/billing/margins/").status_code == 200
