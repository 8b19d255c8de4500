"""Every field Partner Center feeds fits the mirror (run it on PostgreSQL, where an over-long value
fails the statement): a proxy in front of the sandbox makes every string of every response
over-long during every sync. Ids and names are stored whole; display-only text is cut and
reported as drift; a record whose code cannot be cut (a currency) is reported and skipped while
the rest of the sync is kept."""

from __future__ import annotations

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from partnercenter import drift
from tests.security.badpc import SUFFIX, LengtheningProxy

pytestmark = pytest.mark.django_db(transaction=True)
MIRROR_APPS = ("portal", "catalog", "purchasing", "billing")
PORTAL_TEXT = {
    "portal.AuditEvent",
    "portal.SyncState",
}  # the portal's own sentences (cut by design)


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), verbosity=1)
    return out.getvalue()


@pytest.fixture
def proxied(sandbox, pc_user_connection, settings):
    sandbox.configure(order_list_delay=0, order_completion_delay=0, checkout_processing_delay=0)
    settings.PARTNER_CENTER_MAX_RETRIES = 0
    drift.reset()
    with LengtheningProxy(sandbox.base_url) as proxy:
        settings.PARTNER_CENTER_API_URL = proxy.url
        yield proxy
    # The test really went through the proxy (a test that reached nothing proves nothing).
    assert proxy.responses, "no Partner Center answer went through the lengthening proxy"


def _lengthened_values():
    """(model label, field, max_length, value) of every stored text that came in lengthened."""
    for model in apps.get_models():
        if model._meta.app_label not in MIRROR_APPS or model._meta.label in PORTAL_TEXT:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, models.CharField)]
        for row in model._default_manager.values_list(*[f.attname for f in fields]):
            for field, value in zip(fields, row, strict=True):
                if isinstance(value, str) and "~QQQ" in value:
                    yield model._meta.label, field.name, field.max_length, value


def test_every_sync_keeps_over_long_values(proxied):
    from billing.models import Invoice, InvoiceLineItem
    from billing.services.lines import line_import_run, line_import_start
    from catalog.models import Product
    from portal.models import AzureSubscription, Customer
    from purchasing.models import Order, OrderLine

    _run("sync_customers")
    _run("sync_subscriptions")
    _run("sync_catalog", "--country", "US")
    _run("sync_orders")
    _run("sync_entitlements")
    _run("sync_invoices")
    invoice = Invoice.objects.exclude(invoice_type__icontains="recurring").order_by("pk").first()
    # The command checks the id's shape; the import itself takes the mirrored invoice.
    imp = line_import_start(
        invoice=invoice, provider="onetime", line_item_type="billinglineitems", queue=False
    )
    imp = line_import_run(import_id=imp.pk)
    assert imp.rows_done > 0
    assert proxied.responses > 20

    # Every sync stored records, names and ids whole.
    for model in (Customer, AzureSubscription, Product, Order, OrderLine, Invoice, InvoiceLineItem):
        assert model.objects.exists(), model
    assert all(c.company_name.endswith(SUFFIX) for c in Customer.objects.all())
    assert all(o.pc_order_id.endswith(SUFFIX) for o in Order.objects.all())
    assert all(line.friendly_name.endswith(SUFFIX) for line in OrderLine.objects.all())
    assert all(i.invoice_id.endswith(SUFFIX) for i in Invoice.objects.all())
    seen = list(_lengthened_values())
    fields = {(label, name) for label, name, _, _ in seen}
    assert len(fields) >= 30, sorted(fields)
    cut_notes = {field for field, _ in drift.report()}
    for label, name, max_length, value in seen:
        if max_length is None:
            assert value.endswith(SUFFIX), f"{label}.{name} was cut"
        else:
            assert len(value) <= max_length
            assert f"{label}.{name} (cut to {max_length})" in cut_notes, f"{label}.{name}"
    # The headline case: a term duration longer than its column is cut and reported, not fatal.
    assert any(n == "term_duration" for _, n, _, _ in seen)


def test_one_record_that_does_not_fit_is_skipped_and_reported(sandbox, pc_user_connection,
                                                              settings):  # fmt: skip
    from portal.models import SyncState
    from purchasing.models import Order

    sandbox.configure(order_list_delay=0)
    _run("sync_customers")
    state = {"hit": None}

    def one_bad_currency(doc):
        items = doc.get("items") if isinstance(doc, dict) else None
        if (
            state["hit"] is None
            and items
            and isinstance(items[0], dict)
            and "lineItems" in items[0]
        ):
            items[0]["currencyCode"] = "USD" * 20
            state["hit"] = items[0]["id"]
        return doc

    with LengtheningProxy(sandbox.base_url, transform=one_bad_currency) as proxy:
        settings.PARTNER_CENTER_API_URL = proxy.url
        out = _run("sync_orders")
    assert state["hit"], "no order list went through the proxy"
    assert not Order.objects.filter(pc_order_id=state["hit"]).exists()
    assert Order.objects.exists()  # the rest of the sync is kept
    assert "1 skipped" in out and state["hit"] in out
    orders_state = SyncState.objects.get(kind="orders")
    assert not orders_state.failed_last and "skipped" in orders_state.message
