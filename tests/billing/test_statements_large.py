"""A month's statements from a sandbox invoice of 20,000 one-time lines for 200 customers:
every line on its customer's statement, lines summing to the totals in every currency, a second
generation changing nothing, and a number of queries that does not grow with the lines. Slow (a
sandbox of its own, 20,000 lines imported): it runs in the SQLite pass of ``make test`` only. The
statements bench (``make bench BENCH=statements``) times the same work on 100,000 lines."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Max, Min
from django.test.utils import CaptureQueriesContext

from billing.models import CustomerStatement, CustomerStatementLine, Invoice
from billing.services.charge_statements import statement_generate_month
from billing.services.invoices import invoice_sync_all
from billing.services.lines import line_import_run, line_import_start
from partnercenter.sandbox.common import stable_uuid
from partnercenter.sandbox.testing import SandboxServer
from portal.models import Customer

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

LINES, CUSTOMERS = 20_000, 200


@pytest.fixture
def big_invoice(tmp_path, settings):
    with SandboxServer(
        tmp_path, invoice_lines=LINES, invoice_customers=CUSTOMERS, log_requests=False
    ) as server:
        settings.PARTNER_CENTER_API_URL = server.base_url
        settings.PARTNER_CENTER_AUTHORITY = server.authority
        settings.PARTNER_CENTER_TENANT_ID = server.tenant_id
        settings.PARTNER_CENTER_CLIENT_ID = server.client_id
        settings.PARTNER_CENTER_CLIENT_SECRET = server.client_secret
        invoice_sync_all(queue_statements=False)
        invoice = Invoice.objects.get(invoice_id=f"G9{LINES:08d}")  # the generated invoice
        Customer.objects.bulk_create(
            Customer(tenant_id=stable_uuid("gen-customer", 1, n), company_name=f"Gen {n:03d}",
                     country="US", currency="USD")
            for n in range(CUSTOMERS)
        )  # fmt: skip
        imp = line_import_run(import_id=line_import_start(invoice=invoice, queue=False).pk)
        assert imp.rows_done == LINES
        yield invoice


def charge_months(invoice) -> list:
    """The months the invoice's charges fall in (its orders span the 30 days before it)."""
    days = invoice.lines.aggregate(first=Min("charge_start"), last=Max("charge_start"))
    return sorted({days["first"].date().replace(day=1), days["last"].date().replace(day=1)})


def test_statements_of_an_invoice_with_20000_lines_for_200_customers(big_invoice):
    months = charge_months(big_invoice)
    with CaptureQueriesContext(connection) as queries:
        statements = [s for m in months for s in statement_generate_month(month=m)]
    assert len({s.customer_id for s in statements}) == CUSTOMERS
    lines = CustomerStatementLine.objects.filter(statement__month__in=months)
    assert lines.count() == LINES  # every line on one statement, in the month of its charge
    assert lines.filter(price_source="computed").count() == LINES  # no portal orders
    by_currency: dict[str, Decimal] = {}
    for currency, amount in lines.values_list("currency", "amount").iterator(chunk_size=5000):
        by_currency[currency] = by_currency.get(currency, Decimal(0)) + amount  # exact, not SQL SUM
    stated: dict[str, Decimal] = {}
    for statement in CustomerStatement.objects.filter(month__in=months):
        for currency, total in statement.totals_decimal().items():
            stated[currency] = stated.get(currency, Decimal(0)) + total
    assert stated == by_currency
    sample = lines.order_by("statement__number", "position").values_list(
        "statement__number", "position", "amount"
    )
    before = list(sample[:: LINES // 500])
    again = [s for m in months for s in statement_generate_month(month=m)]
    assert sorted(s.number for s in again) == sorted(s.number for s in statements)
    assert list(sample[:: LINES // 500]) == before and lines.count() == LINES
    # Queries grow with customers and batches, not lines: one per line (or per pair of lines
    # matched) would be over 20,000.
    assert len(queries) < 20 * CUSTOMERS, f"{len(queries)} queries for {LINES} lines"
