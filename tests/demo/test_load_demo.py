"""``load_demo --sync`` against the sandbox leaves the whole product to look at: a signed-in
partner user, prices in every market, a reconciled invoice with every class, downloaded
statements, entitlements, a registration in progress; the demo's purchases are the Taiwanese
customer's, under its own Chinese name through catalog, cart, order, invoice and PDF."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.core.management import call_command

from billing.models import (
    Invoice,
    ReconciliationResult,
    ReconciliationRun,
    ReconClass,
    StatementPdf,
)
from catalog.models import Availability
from catalog.pricing.models import MarkupRule
from catalog.rules import perpetual_software_qualified
from catalog.selectors import availability_price
from portal.models import Customer, PartnerCenterConnection, SubscriptionRegistration
from purchasing.models import Cart, Entitlement, Order

pytestmark = pytest.mark.django_db
TAIWAN = "台灣富百科股份有限公司"


@pytest.fixture
def demo(sandbox, settings):
    settings.DEBUG = True
    call_command("load_demo", "--sync")
    return sandbox


def test_load_demo_shows_everything(demo, client, settings):
    connection = PartnerCenterConnection.objects.get()
    assert connection.username == "partner.admin@contoso-partner.example"

    # Every product family is buyable in the demo, perpetual software included.
    assert perpetual_software_qualified()
    markets = set(Customer.objects.values_list("country", flat=True))
    assert len(markets) >= 6
    for market in markets:
        priced = [
            a
            for a in Availability.objects.filter(country=market, segment="commercial")[:40]
            if availability_price(a) is not None
        ]
        assert priced, f"no prices in {market}"

    portal_orders = Order.objects.filter(placed_by__username="sales")
    assert portal_orders.count() == 4
    assert all(line.unit_price is not None for o in portal_orders for line in o.lines.all())

    run = ReconciliationRun.objects.get()
    assert {row["klass"] for row in run.summary} == set(ReconClass.values)
    # Entitlements were synced before reconciling: the three-way match saw them.
    assert not ReconciliationResult.objects.filter(reason__contains="no Partner Center entitlement")
    taiwan = Customer.objects.get(company_name=TAIWAN, country="TW")
    assert {o.customer for o in portal_orders} == {taiwan}
    assert {o.currency for o in portal_orders} == {"TWD"}
    assert run.invoice.currency == "TWD"
    assert ReconciliationResult.objects.filter(invoice=run.invoice, customer_name=TAIWAN).exists()
    cart = Cart.objects.get(state=Cart.State.OPEN)
    assert cart.customer.country == "US"
    assert all(line.unit_price and line.currency == "USD" for line in cart.lines.all())

    invoices = Invoice.objects.filter(is_active=True)
    assert invoices.count() >= 5
    assert StatementPdf.objects.filter(state=StatementPdf.State.STORED).count() == invoices.count()
    assert Entitlement.objects.exists()
    assert SubscriptionRegistration.objects.filter(
        state__in=SubscriptionRegistration.ACTIVE_STATES
    ).exists()

    assert client.login(username="finance", password=settings.PORTAL_DEMO_PASSWORD)
    page = client.get(f"/billing/invoices/{run.invoice.invoice_id}/reconciliation/").content
    for label in ReconClass.labels:
        assert label.encode() in page
    assert TAIWAN in page.decode()
    pdf = client.get(f"/billing/invoices/{run.invoice.invoice_id}/reconciliation.pdf").content
    text = subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert TAIWAN in re.sub(r"\s+", "", text)

    client.logout()
    assert client.login(username="sales", password=settings.PORTAL_DEMO_PASSWORD)
    external = Order.objects.filter(source=Order.Source.EXTERNAL).first()
    page = client.get(f"/orders/{external.pk}/").content.decode()
    assert "Not recorded: ordered in Partner Center" in page
    assert "No price in the price sheet" not in page
    placed = portal_orders.first()
    page = client.get(f"/orders/{placed.pk}/").content.decode()
    assert "Not recorded" not in page and "No price in the price sheet" not in page

    # Markup rules: the Taiwanese orders were priced by the key-accounts rule at checkout; the
    # open US cart by the standard one; finance's margin report has the TWD margin.
    lines = [line for o in portal_orders for line in o.lines.all()]
    assert all(line.resale_unit_price > line.unit_price for line in lines)
    assert {line.resale_rule.split(" ", 1)[1] for line in lines} == {"Key accounts: software"}
    assert "Key accounts: software" in page
    cart_page = client.get(f"/cart/{cart.customer.pk}/").content.decode()
    assert "Standard software markup" in cart_page
    client.logout()
    assert client.login(username="finance", password=settings.PORTAL_DEMO_PASSWORD)
    assert b'data-testid="margin-total-TWD"' in client.get("/billing/margins/").content

    # Running it again changes nothing (the database is no longer fresh).
    call_command("load_demo", "--sync")
    assert (
        ReconciliationRun.objects.count() == 1
        and Order.objects.filter(placed_by__username="sales").count() == 4
        and MarkupRule.objects.count() == 4
    )
