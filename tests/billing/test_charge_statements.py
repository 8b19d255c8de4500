"""Customer charge statements from sandbox invoices and unbilled lines: recorded vs computed
resale prices, idempotent generation, frozen issued statements and corrections, the PDF's text
(pdftotext) and the CSV's columns."""

import csv
import io
import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import CustomerStatement, CustomerStatementLine
from billing.services.charge_documents import CSV_COLUMNS, statement_pdf
from billing.services.charge_statements import (
    statement_correct,
    statement_generate_month,
    statement_issue,
)
from billing.services.charges import month_parse
from billing.services.unbilled import month_start
from catalog.pricing.services import markup_rule_update
from portal.models import Customer
from portal.shared.errors import PortalError
from tests.billing.conftest import RESELLER

pytestmark = pytest.mark.django_db


def the_statement(month) -> CustomerStatement:
    return CustomerStatement.objects.get(customer__company_name="Contoso", month=month)


def snapshot(statement: CustomerStatement) -> list[tuple]:
    return list(
        statement.lines.order_by("position").values_list(
            "position", "source", "pc_order_id", "quantity", "unit_price", "amount", "currency",
            "price_source", "rule",
        )
    )  # fmt: skip


def partner_unit(charges) -> Decimal:
    return charges["invoice"].lines.get(order_id=charges["outside"]["id"]).effective_unit_price


def test_recorded_price_wins_and_the_rest_is_priced_by_the_rule(charges):
    assert charges["month"] == month_start().date(), "the sandbox clock is this month"
    statement_generate_month(month=charges["month"])
    statement = the_statement(charges["month"])
    lines = {line.pc_order_id: line for line in statement.lines.all()}
    cost = partner_unit(charges)
    recorded = lines[charges["portal"]["id"]]
    assert (recorded.source, recorded.price_source) == ("invoice", "recorded")
    assert (recorded.unit_price, recorded.amount) == (Decimal("4321.00"), Decimal("8642.00"))
    outside = lines[charges["outside"]["id"]]
    assert outside.price_source == "computed" and outside.rule.startswith(f"#{charges['rule'].pk} ")
    assert outside.unit_price == (cost * Decimal("1.1")).quantize(Decimal("0.01"))
    unbilled = lines[charges["unbilled"]["id"]]
    assert (unbilled.source, unbilled.quantity) == ("unbilled", 3)
    assert unbilled.amount == unbilled.unit_price * 3
    assert statement.totals_decimal() == {"USD": sum(line.amount for line in lines.values())}
    assert statement.computed_count == 2 and statement.line_count == 3


def test_generating_again_is_idempotent(charges):
    statement_generate_month(month=charges["month"])
    first = the_statement(charges["month"])
    before = snapshot(first)
    statement_generate_month(month=charges["month"])
    again = the_statement(charges["month"])
    assert (again.pk, again.number, again.totals) == (first.pk, first.number, first.totals)
    assert snapshot(again) == before
    assert CustomerStatementLine.objects.filter(statement__month=charges["month"]).count() == 3


def test_an_issued_statement_is_frozen_and_corrected_by_a_new_one(charges, finance_user):
    statement_generate_month(month=charges["month"])
    issued = statement_issue(statement=the_statement(charges["month"]), actor=finance_user)
    lines, totals, sha = snapshot(issued), issued.totals, issued.pdf_sha256
    markup_rule_update(rule=charges["rule"], actor=finance_user, data={"value": Decimal(50)})
    statement_generate_month(month=charges["month"])  # the month again, after the rule change
    issued.refresh_from_db()
    assert (snapshot(issued), issued.totals, issued.pdf_sha256) == (lines, totals, sha)
    assert CustomerStatement.objects.filter(month=charges["month"]).count() == 1
    with pytest.raises(PortalError, match="issued and cannot change"):
        statement_issue(statement=issued, actor=finance_user)
    correction = statement_correct(statement=issued, actor=finance_user)
    assert correction.corrects == issued and correction.state == "draft"
    outside = correction.lines.get(pc_order_id=charges["outside"]["id"])
    assert outside.unit_price == (partner_unit(charges) * Decimal("1.5")).quantize(Decimal("0.01"))
    recorded = correction.lines.get(pc_order_id=charges["portal"]["id"])
    assert recorded.unit_price == Decimal("4321.00")  # recorded at checkout: no rule rewrites it
    issued.refresh_from_db()
    assert snapshot(issued) == lines


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "statement.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_pdf_shows_resale_prices_and_never_the_partner_cost(charges, finance_user, tmp_path):
    statement_generate_month(month=charges["month"])
    issued = statement_issue(statement=the_statement(charges["month"]), actor=finance_user)
    text = pdf_text(issued.pdf.read(), tmp_path)
    assert RESELLER in text and "Wan Chai, Hong Kong" in text and "Contoso" in text
    assert issued.number in text and "$4,321.00" in text and "$8,642.00" in text
    total = Decimal(issued.totals["USD"])
    assert f"${total:,.2f}" in text
    for cost in {line.effective_unit_price for line in charges["invoice"].lines.all()}:
        assert f"{cost:,.2f}" not in text and f"{cost:.2f}" not in text, cost
    draft = pdf_text(statement_pdf(statement=issued), tmp_path)
    assert "DRAFT" not in draft  # the issued one is not marked as a draft


def test_csv_has_stable_columns_dot_decimals_and_iso_dates(charges, finance_client):
    statement_generate_month(month=charges["month"])
    statement = the_statement(charges["month"])
    answer = finance_client.get(reverse("billing:statement_csv", args=[statement.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "statement_number", "statement_state", "corrects_statement", "customer_name",
        "customer_tenant_id", "month", "line", "charge_date", "source", "invoice_number",
        "order_id", "product_id", "sku_id", "description", "term", "quantity", "unit_price",
        "amount", "currency", "price_source",
    ]  # fmt: skip
    assert rows[0] == CSV_COLUMNS and len(rows) == 4
    recorded = next(r for r in rows[1:] if r[10] == charges["portal"]["id"])
    assert recorded[15:20] == ["2", "4321.00", "8642.00", "USD", "recorded"]
    for row in rows[1:]:
        datetime.strptime(row[7], "%Y-%m-%d")
        assert row[5] == f"{charges['month']:%Y-%m}"
    costs = {f"{line.effective_unit_price:.2f}" for line in charges["invoice"].lines.all()}
    assert not costs & {cell for row in rows[1:] for cell in row}


def test_finance_issues_and_downloads_sales_may_not(charges, finance_client, sales_client):
    month = f"{charges['month']:%Y-%m}"
    statement_generate_month(month=charges["month"])
    statement = the_statement(charges["month"])
    page = finance_client.get(reverse("billing:statements") + f"?month={month}").content.decode()
    assert statement.number in page
    finance_client.post(reverse("billing:statement_issue", args=[statement.pk]))
    statement.refresh_from_db()
    assert statement.is_issued
    pdf = finance_client.get(reverse("billing:statement_pdf", args=[statement.pk]))
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    for name in ("statements", "statement", "statement_pdf", "statement_csv"):
        args = [] if name == "statements" else [statement.pk]
        assert sales_client.get(reverse(f"billing:{name}", args=args)).status_code == 403


def test_a_bad_month_gets_a_message(finance_client):
    answer = finance_client.get(reverse("billing:statements") + "?month=2026-13", follow=True)
    assert answer.status_code == 200 and "YYYY-MM" in answer.content.decode()
    with pytest.raises(PortalError):
        month_parse("November")


def test_a_chinese_customer_name_prints_on_the_pdf(db, finance_user, tmp_path):
    from django.utils import timezone

    from billing.services.charge_statements import _fill
    from billing.services.charges import Charge, Pricer, statement_lines

    customer = Customer.objects.create(
        tenant_id="7a1c0000-0000-4000-8000-00000000c0de", company_name="臺灣雲端股份有限公司",
        country="TW", currency="TWD",
    )  # fmt: skip
    month = datetime(2026, 11, 1, tzinfo=UTC).date()
    charge = Charge(
        line_id=1, source="invoice", invoice_number="G1", order_id="o1", charge_date=month,
        product_id="CFQ7TTC0LH18", sku_id="0001", description="Microsoft 365 商務基本版",
        term="", quantity=Decimal(3), partner_unit=Decimal("180"), credit=False, currency="TWD",
    )  # fmt: skip
    statement = CustomerStatement.objects.create(
        number="S202611-TW", customer=customer, month=month, generated_at=timezone.now()
    )
    lines = statement_lines(
        customer=customer, charges=[charge], pricer=Pricer.for_charges({"x": [charge]})
    )
    _fill(statement, lines)
    issued = statement_issue(statement=statement, actor=finance_user)
    text = pdf_text(issued.pdf.read(), tmp_path)
    assert "臺灣雲端股份有限公司" in text and "商務基本版" in text
