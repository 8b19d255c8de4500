"""Unbilled charges: the current period's one-time lines read from the sandbox's reconciliation
form (``invoices/unbilled/lineitems?period=current``) across seek pages, resumed after a kill,
replaced by a fresh read, and reconciled with the invoice classes."""

from datetime import datetime

import pytest

from billing.models import UNBILLED, Invoice, InvoiceLineItem, LineImport, ReconciliationResult
from billing.services.lines import line_import_run
from billing.services.reconciliation import reconciliation_run
from billing.services.unbilled import unbilled_import_all, unbilled_import_start
from billing.tasks import import_unbilled_lines
from portal.models import Customer
from portal.shared.errors import PortalError
from purchasing.models import Order, OrderLine
from tests.billing.conftest import SOFTWARE, _catalog_item, import_lines, sync_invoices

pytestmark = pytest.mark.django_db


@pytest.fixture
def unbilled_orders(sandbox):
    """Twelve completed, uninvoiced sandbox orders of two lines each for Contoso (USD): 24
    unbilled lines; the first two are also portal orders (one at the billed price)."""
    from partnercenter.sandbox.seed import customer_id
    from portal.partner_center.client import get_client

    client = get_client()
    tenant = customer_id("contoso")
    customer, _ = Customer.objects.get_or_create(
        tenant_id=tenant, defaults={"company_name": "Contoso", "country": "US", "currency": "USD"}
    )
    items = [_catalog_item(client, pid, sid) for pid, sid in SOFTWARE]
    orders = [
        sandbox.create_external_order(
            tenant,
            [
                {"catalog_item_id": items[0], "quantity": 1 + n % 3},
                {"catalog_item_id": items[1], "quantity": 1},
            ],
        )
        for n in range(12)
    ]
    sandbox.advance_clock(60)
    for pc_order in orders[:2]:
        order = Order.objects.create(
            pc_order_id=pc_order["id"],
            customer=customer,
            billing_cycle="one_time",
            currency="USD",
            status="completed",
            created_at=datetime.fromisoformat(pc_order["creationDate"].replace("Z", "+00:00")),
        )
        for n, line in enumerate(pc_order["lineItems"]):
            OrderLine.objects.create(
                order=order, line_number=n, offer_id=line["offerId"],
                product_id=SOFTWARE[n][0], sku_id=SOFTWARE[n][1], quantity=line["quantity"],
            )  # fmt: skip
    return orders


def read(currency="USD", **kw):
    imp = unbilled_import_start(currency=currency, queue=False)
    return line_import_run(import_id=imp.pk, **kw)


def test_unbilled_lines_read_across_pages(unbilled_orders):
    imp = read(page_size=10)
    assert (imp.state, imp.pages_done, imp.rows_done) == ("succeeded", 3, 24)
    invoice = imp.invoice
    assert invoice.invoice_type == UNBILLED and invoice.currency == "USD"
    lines = InvoiceLineItem.objects.filter(invoice=invoice)
    assert sorted(lines.values_list("sequence", flat=True)) == list(range(24))
    assert {line.order_id for line in lines} == {o["id"] for o in unbilled_orders}
    assert all(line.subtotal == line.unit_price * line.quantity for line in lines)


def test_a_killed_read_resumes_after_its_last_committed_page(unbilled_orders):
    class Killed(BaseException):  # like a killed worker: not handled by the service
        pass

    def kill_after_second_page(imp):
        if imp.pages_done == 2:
            raise Killed

    with pytest.raises(Killed):
        read(page_size=10, on_page=kill_after_second_page)
    imp = LineImport.objects.get(invoice__invoice_type=UNBILLED)
    assert imp.state == "running" and imp.rows_done == 20 and imp.continuation_token
    with pytest.raises(PortalError, match="already running"):
        unbilled_import_start(currency="USD", queue=False)
    LineImport.objects.filter(pk=imp.pk).update(heartbeat_at=imp.heartbeat_at.replace(year=2000))
    imp = read(page_size=10)
    assert (imp.state, imp.rows_done, imp.pages_done, imp.rows_inserted) == ("succeeded", 24, 3, 24)
    seqs = InvoiceLineItem.objects.filter(invoice=imp.invoice).values_list("sequence", flat=True)
    assert sorted(seqs) == list(range(24))
    pairs = InvoiceLineItem.objects.filter(invoice=imp.invoice).values_list(
        "order_id", "product_id"
    )
    assert len(set(pairs)) == 24  # every line once: nothing read twice, nothing skipped


def test_a_fresh_read_replaces_what_partner_center_invoiced_meanwhile(unbilled_orders, sandbox):
    first = read(page_size=10)
    billed = [o["id"] for o in unbilled_orders[:4]]
    (invoiced,) = sandbox.generate_invoice(
        currency="USD", exclude_orders=[o["id"] for o in unbilled_orders[4:]]
    )
    again = read(page_size=10)
    assert again.pk == first.pk and again.rows_done == 16
    order_ids = set(
        InvoiceLineItem.objects.filter(invoice=again.invoice).values_list("order_id", flat=True)
    )
    assert order_ids == {o["id"] for o in unbilled_orders[4:]} and not order_ids & set(billed)
    # The invoice bills the two portal orders: not "ordered, not billed" among the unbilled.
    sync_invoices()
    import_lines(Invoice.objects.get(invoice_id=invoiced["id"]))
    reconciliation_run(invoice=again.invoice)
    classes = set(
        ReconciliationResult.objects.filter(invoice=again.invoice).values_list("klass", flat=True)
    )
    assert classes == {"billed_not_ordered"}


def test_the_task_reads_and_reconciles_with_the_invoice_classes(unbilled_orders):
    imp = unbilled_import_start(currency="USD", queue=False)
    import_unbilled_lines(imp.pk)
    invoice = Invoice.objects.get(invoice_type=UNBILLED)
    results = ReconciliationResult.objects.filter(invoice=invoice)
    classes = sorted(results.values_list("klass", flat=True))
    # Two portal orders (no recorded price: quantities agree, nothing to compare the amount
    # with), ten orders bought outside the portal.
    assert classes.count("billed_not_ordered") == 20
    assert classes.count("not_comparable") == 4
    assert invoice.recon_run.lines_checked == 24


def test_the_beat_reads_every_customer_currency(unbilled_orders):
    started = unbilled_import_all()
    assert [imp.invoice.currency for imp in started] == ["USD"]
    again = unbilled_import_all()  # still queued: the same read, queued again, not a second one
    assert [imp.pk for imp in again] == [started[0].pk]
    assert LineImport.objects.count() == 1


def test_unbilled_rows_are_not_invoices(unbilled_orders, finance_client):
    read()
    page = finance_client.get("/billing/invoices/")
    assert "unbilled-USD" not in page.content.decode()


def test_the_page_reads_a_currency_and_refuses_a_bad_one(unbilled_orders, finance_client):
    from django.urls import reverse

    answer = finance_client.post(reverse("billing:unbilled_read"), {"currency": "U$"}, follow=True)
    assert "three-letter currency code" in answer.content.decode()
    answer = finance_client.post(reverse("billing:unbilled_read"), {"currency": "usd"}, follow=True)
    assert answer.status_code == 200
    assert LineImport.objects.filter(invoice__invoice_type=UNBILLED).exists()
    assert "Read unbilled charges" in answer.content.decode()


def test_the_page_follows_a_read_from_the_moment_it_is_queued(unbilled_orders, finance_client):
    """A read still queued when the page comes back shows a polled progress bar, so the page
    updates by itself when the worker picks it up and finishes (no reload by hand)."""
    from django.urls import reverse

    answer = finance_client.post(reverse("billing:unbilled_read"), {"currency": "USD"}, follow=True)
    html = answer.content.decode()
    assert LineImport.objects.get(invoice__invoice_type=UNBILLED).state == LineImport.State.QUEUED
    assert 'hx-trigger="every 1s"' in html
    assert "<progress" in html
