"""Streaming line-item import: several continuation pages, crash and resume, idempotence."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from billing.models import Invoice, InvoiceLineItem, LineImport
from billing.services.line_rows import ALL_COLUMNS
from billing.services.lines import insert_rows
from portal.models import SyncState
from portal.shared.errors import PortalError
from tests.billing.conftest import import_lines, make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice_25(sandbox):
    """A fresh one-time invoice with 25 lines (one order + 24 lines the portal never ordered)."""
    return make_invoice(sandbox, extra_lines=24)


def test_import_over_several_pages(invoice_25):
    imp = import_lines(invoice_25, page_size=10)
    assert (imp.state, imp.pages_done, imp.rows_done, imp.rows_inserted) == ("succeeded", 3, 25, 25)
    assert imp.continuation_token == ""
    lines = InvoiceLineItem.objects.filter(invoice=invoice_25).order_by("sequence")
    assert list(lines.values_list("sequence", flat=True)) == list(range(25))
    first = lines.first()
    assert first.currency == "USD" and first.charge_type == "new"
    assert first.subtotal == first.effective_unit_price * first.quantity
    state = SyncState.objects.get(kind=f"invoice_lines:{invoice_25.invoice_id}")
    assert state.done == 25 and not state.running


def test_crash_mid_import_resumes_from_last_committed_page(invoice_25):
    class Crash(BaseException):  # like a killed worker: not handled by the service
        pass

    def crash_after_second_page(imp):
        if imp.pages_done == 2:
            raise Crash

    with pytest.raises(Crash):
        import_lines(invoice_25, page_size=10, on_page=crash_after_second_page)
    imp = LineImport.objects.get(invoice=invoice_25)
    assert imp.state == "running" and imp.rows_done == 20 and imp.continuation_token
    assert InvoiceLineItem.objects.filter(invoice=invoice_25).count() == 20
    # A live-looking import is not taken over...
    with pytest.raises(PortalError, match="already running"):
        import_lines(invoice_25, page_size=10)
    # ...but once its heartbeat is stale, the next run resumes after page 2.
    LineImport.objects.filter(pk=imp.pk).update(heartbeat_at=imp.heartbeat_at.replace(year=2000))
    imp = import_lines(invoice_25, page_size=10)
    assert (imp.state, imp.rows_done, imp.pages_done, imp.rows_inserted) == ("succeeded", 25, 3, 25)
    seqs = list(
        InvoiceLineItem.objects.filter(invoice=invoice_25).values_list("sequence", flat=True)
    )
    assert sorted(seqs) == list(range(25))


def test_partner_center_failure_marks_failed_then_resume(invoice_25, sandbox):
    pages = []
    sandbox.add_fault("500", path=f"/v1/invoices/{invoice_25.invoice_id}/lineitems*", count=1)

    # First call fails straight away (retries are off in these tests).
    with pytest.raises(PortalError, match="importing the line items"):
        import_lines(invoice_25, page_size=10)
    imp = LineImport.objects.get(invoice=invoice_25)
    assert imp.state == "failed" and "request id" in imp.last_error
    imp = import_lines(invoice_25, page_size=10, on_page=lambda i: pages.append(i.rows_done))
    assert imp.state == "succeeded" and pages == [10, 20, 25]


def test_reimport_never_duplicates(invoice_25):
    import_lines(invoice_25, page_size=10)
    again = import_lines(invoice_25, page_size=7, restart=True)
    assert again.rows_done == 25 and again.rows_inserted == 0
    assert InvoiceLineItem.objects.filter(invoice=invoice_25).count() == 25


def test_a_page_longer_than_one_statement_is_written_whole_and_once(invoice_25):
    """A 2,000-line page takes several INSERT statements on SQLite (one COPY on PostgreSQL):
    every row goes in, the count of new rows is right, and writing the page again adds none."""
    import_lines(invoice_25, page_size=25)
    template = list(InvoiceLineItem.objects.filter(invoice=invoice_25, sequence=0)
                    .values_list(*ALL_COLUMNS).get())  # fmt: skip
    adapt = connection.ops.adapt_datetimefield_value
    template = [adapt(v) if isinstance(v, datetime) else str(v) if isinstance(v, Decimal) else v
                for v in template]  # fmt: skip
    seq = ALL_COLUMNS.index("sequence")
    rows = [(*template[:seq], 100 + n, *template[seq + 1 :]) for n in range(2 * 100 + 37)]
    with transaction.atomic():
        assert insert_rows(rows) == 237
    with transaction.atomic():
        assert insert_rows(rows[::-1]) == 0
    stored = InvoiceLineItem.objects.filter(invoice=invoice_25, sequence__gte=100)
    assert sorted(stored.values_list("sequence", flat=True)) == list(range(100, 337))


def test_import_command_prints_progress(invoice_25, capsys):
    call_command("import_invoice_lines", invoice_25.invoice_id, "--page-size", "10")
    out = capsys.readouterr().out
    assert "page 1: 10 lines" in out and "page 3: 25 lines" in out
    assert "25 lines, 25 new, 3 pages" in out
    # Not mirrored: read by id, which needs the App+User sign-in (none in this test).
    with pytest.raises(CommandError, match=r"invoice G0NOPE .* needs the App\+User connection"):
        call_command("import_invoice_lines", "G0NOPE")


def test_line_page_filters_csv_and_constant_queries(
    invoice_25, finance_client, django_assert_max_num_queries
):
    import_lines(invoice_25)
    url = f"/billing/invoices/{invoice_25.invoice_id}/"
    first = InvoiceLineItem.objects.filter(invoice=invoice_25).first()
    page = finance_client.get(url, {"order": first.order_id}).content.decode()
    assert first.order_id in page and "1\u20131 of 1" in page
    with django_assert_max_num_queries(25):
        assert finance_client.get(url, {"per_page": 25}).status_code == 200
    import_lines(Invoice.objects.get(pk=invoice_25.pk), restart=True)
    csv = b"".join(finance_client.get(url + "lines.csv").streaming_content).decode("utf-8-sig")
    rows = csv.strip().splitlines()
    assert rows[0].startswith("sequence,provider") and len(rows) == 26
    filtered = b"".join(
        finance_client.get(url + "lines.csv", {"order": first.order_id}).streaming_content
    ).decode("utf-8-sig")
    assert len(filtered.strip().splitlines()) == 2


def test_line_page_query_count_does_not_grow(sandbox, finance_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    small = make_invoice(sandbox, extra_lines=2)
    import_lines(small)
    big = make_invoice(sandbox, extra_lines=120)
    import_lines(big)
    counts = []
    finance_client.get("/billing/")  # warm the session
    for inv in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            finance_client.get(f"/billing/invoices/{inv.invoice_id}/", {"per_page": 100})
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_unknown_line_stream_is_refused_with_a_message(finance_client):
    from django.utils import timezone

    invoice = Invoice.objects.create(
        invoice_id="G000BAD01", currency="USD", synced_at=timezone.now()
    )
    response = finance_client.post(
        f"/billing/invoices/{invoice.invoice_id}/import/",
        {"provider": "x" * 5000, "type": "9" * 99},
    )
    assert response.status_code == 302
    assert not LineImport.objects.exists()
    page = finance_client.get(response["Location"]).content.decode()
    assert "Choose a line-item stream Partner Center has" in page
