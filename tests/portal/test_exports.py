"""CSV on the list pages: the columns the page shows, the rows its filters select (all pages)."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _shown_headers(html: str) -> list[str]:
    thead = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    cells = re.findall(r"<th[^>]*>(.*?)</th>", thead, re.S)
    return [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in cells]


def _in_order(shown: list[str], exported: list[str]) -> bool:
    """Every column the page shows is exported, in the same order (extra detail allowed);
    a shown range like "Billing period" may be exported as its start and end."""
    position = 0
    for header in shown:
        matches = [i for i, h in enumerate(exported) if h == header or h.startswith(header + " ")]
        later = [i for i in matches if i >= position]
        if not later:
            return False
        position = later[0] + 1
    return True


def _customers():
    from portal.models import Customer

    for name, country in (("Contoso Ltd", "US"), ("Fabrikam GmbH", "DE"), ("Contoso UK", "GB")):
        Customer.objects.create(
            tenant_id=uuid.uuid4(), company_name=name, country=country, currency="USD",
            domain=name.split()[0].lower() + ".example", synced_at=timezone.now(),
        )  # fmt: skip


def test_customers_csv_has_the_page_columns_and_filters(sales_client):
    _customers()
    page = sales_client.get("/customers/?q=contoso&sort=-name")
    html = page.content.decode()
    assert "format=csv" in html
    rows = _csv(sales_client.get("/customers/?q=contoso&sort=-name&format=csv"))
    assert _in_order(_shown_headers(html), rows[0]), (rows[0], _shown_headers(html))
    assert [r[0] for r in rows[1:]] == ["Contoso UK", "Contoso Ltd"]


def test_customers_csv_is_for_the_roles_of_the_page(finance_client):
    assert finance_client.get("/customers/?format=csv").status_code == 403


def _invoice(invoice_id: str, currency: str, total: str, paid: str = "0", when=(2026, 5, 3)):
    from billing.models import Invoice

    return Invoice.objects.create(
        invoice_id=invoice_id, currency=currency, total_charges=Decimal(total),
        paid_amount=Decimal(paid), invoice_type="onetime",
        invoice_date=datetime(*when, tzinfo=UTC), period_start=datetime(*when, tzinfo=UTC),
        period_end=datetime(*when, tzinfo=UTC), synced_at=timezone.now(),
    )  # fmt: skip


def test_invoices_csv_has_the_page_columns_and_filters(finance_client):
    _invoice("G1", "USD", "120.50")
    _invoice("G2", "EUR", "99.999999", paid="-99.999999")
    _invoice("G3", "USD", "10.00", when=(2026, 4, 1))
    html = finance_client.get("/billing/invoices/?currency=USD").content.decode()
    assert "format=csv" in html
    rows = _csv(finance_client.get("/billing/invoices/?currency=USD&format=csv"))
    assert _in_order(_shown_headers(html), rows[0]), (rows[0], _shown_headers(html))
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_id) == {"G1", "G3"}
    assert by_id["G1"]["Total"] == "120.500000" and by_id["G1"]["Currency"] == "USD"
    assert by_id["G1"]["Status"] == "open" and by_id["G1"]["Date"] == "2026-05-03"


def test_reconciliation_overview_csv(finance_client):
    from billing.models import ReconciliationRun

    invoice = _invoice("G9", "USD", "50")
    _invoice("G10", "USD", "70")
    ReconciliationRun.objects.create(
        invoice=invoice, ran_at=timezone.now(), tolerance=Decimal("0.01"),
        summary=[{"klass": "matched", "count": 3}, {"klass": "amount_mismatch", "count": 1},
                 {"klass": "not_comparable", "count": 2}],
    )  # fmt: skip
    html = finance_client.get("/billing/reconciliation/").content.decode()
    assert "format=csv" in html
    rows = _csv(finance_client.get("/billing/reconciliation/?format=csv"))
    assert _in_order(_shown_headers(html), rows[0]), (rows[0], _shown_headers(html))
    by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert by_id["G9"]["Matched"] == "3" and by_id["G9"]["Mismatches"] == "1"
    assert by_id["G9"]["Not comparable"] == "2"
    assert by_id["G10"]["Last run"] == "not reconciled yet"


def test_a_bad_filter_shows_its_message_instead_of_a_file(finance_client):
    response = finance_client.get("/billing/invoices/?period=May&format=csv")
    assert response.status_code == 200 and b"is not a period" in response.content


def test_product_page_csv_has_its_sku_table(sales_client):
    from tests.catalog.conftest import generate_catalog

    generate_catalog(3)
    html = sales_client.get("/catalog/GEN00000000/?sort=-sku").content.decode()
    assert "format=csv" in html
    rows = _csv(sales_client.get("/catalog/GEN00000000/?sort=-sku&format=csv"))
    assert _in_order(_shown_headers(html), rows[0]), (rows[0], _shown_headers(html))
    assert [r[rows[0].index("SKU id")] for r in rows[1:]] == ["0002", "0001", "0000"]


def test_approvals_csv_has_the_page_columns(finance_client, sales_user):
    from portal.models import Customer
    from purchasing.models import Approval, Cart, Checkout

    customer = Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name="Approve Co", country="US", currency="USD"
    )
    checkout = Checkout.objects.create(
        cart=Cart.objects.create(customer=customer, created_by=sales_user),
        customer=customer, requested_by=sales_user, ms_request_id=str(uuid.uuid4()),
        estimated_total=Decimal("1500.25"), currency="USD",
    )  # fmt: skip
    Approval.objects.create(
        checkout=checkout, requested_by=sales_user, requested_at=timezone.now(),
        reasons=["Total reaches the approval threshold."],
    )  # fmt: skip
    html = finance_client.get("/approvals/").content.decode()
    assert "format=csv" in html
    rows = _csv(finance_client.get("/approvals/?format=csv"))
    assert _in_order(_shown_headers(html), rows[0]), (rows[0], _shown_headers(html))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Customer"] == "Approve Co" and row["Estimated total"] == "1500.250000"
    assert row["Why"] == "Total reaches the approval threshold." and row["State"] == "Pending"


def _csv_link(html: str) -> str:
    href = re.search(r'<a class="button" href="([^"]*format=csv[^"]*)"', html)[1]
    return href.replace("&amp;", "&")


def test_registrations_csv_link_downloads_the_filtered_rows(admin_client_portal, admin_user):
    from portal.models import AzureSubscription, Customer, SubscriptionRegistration

    customer = Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name="Reg Co", country="US", currency="USD"
    )
    for state in ("registered", "failed"):
        sub = AzureSubscription.objects.create(
            customer=customer, subscription_id=uuid.uuid4(), offer_id="MS-AZR-0145P"
        )
        SubscriptionRegistration.objects.create(
            subscription=sub, requested_by=admin_user, requested_at=timezone.now(), state=state
        )
    html = admin_client_portal.get("/customers/registrations/?state=failed").content.decode()
    rows = _csv(admin_client_portal.get(_csv_link(html)))
    assert [r[rows[0].index("state")] for r in rows[1:]] == ["failed"]


def test_filtering_orders_in_place_keeps_the_csv_link_on_the_same_filters(sales_client):
    from portal.models import Customer
    from purchasing.models import Order

    customer = Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name="Order Co", country="US", currency="USD"
    )
    for pc_id in ("keep-1", "drop-2"):
        Order.objects.create(pc_order_id=pc_id, customer=customer, created_at=timezone.now())
    partial = sales_client.get(
        "/orders/?q=keep", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="orders-table"
    ).content.decode()
    rows = _csv(sales_client.get(_csv_link(partial)))
    assert len(rows) == 2 and "keep-1" in rows[1]


REQ = uuid.UUID(int=77)


def test_carts_page_exports_each_of_its_tables(sales_client, sales_user):
    from portal.models import Customer
    from purchasing.models import Cart, Checkout

    customer = Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name="Cart Co", country="US", currency="USD"
    )
    Cart.objects.create(customer=customer, created_by=sales_user)
    closed = Cart.objects.create(customer=customer, created_by=sales_user, state="checked_out")
    Checkout.objects.create(
        cart=closed, customer=customer, requested_by=sales_user, ms_request_id=REQ
    )
    html = sales_client.get("/cart/").content.decode()
    theads = re.findall(r"<thead>(.*?)</thead>", html, re.S)
    shown = [[re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in re.findall(r"<th[^>]*>(.*?)</th>", t, re.S)] for t in theads]  # fmt: skip
    carts = _csv(sales_client.get("/cart/?format=csv&table=carts"))
    checkouts = _csv(sales_client.get("/cart/?format=csv&table=checkouts"))
    assert carts[0] == shown[0] and checkouts[0] == shown[1]
    assert [r[0] for r in carts[1:]] == ["Cart Co"] and checkouts[1][-1] == str(REQ)
