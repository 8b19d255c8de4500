"""Security test helpers: a small world of real objects (two customers with carts, a checkout
awaiting approval, an order, a notification, an invoice with a line and a reconciliation result,
a stored statement PDF), built with the ORM so every URL can be addressed with real ids, and a
fingerprint of the database to prove that a request changed nothing."""

from __future__ import annotations

import functools
import hashlib
import uuid
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from tests.conftest import _make_user

# Rows that change on every request or sign-in, unrelated to the portal's data.
FINGERPRINT_SKIP = frozenset(
    {"sessions.session", "axes.accessattempt", "axes.accesslog", "auth.user"}
)


@functools.cache
def _fingerprint_queries(skip: frozenset[str]) -> tuple[tuple[str, str], ...]:
    """One plain ``SELECT`` per table, in primary-key order (built once: the ORM's query
    compilation cost more than the reads on these small tables)."""
    quote = connection.ops.quote_name
    return tuple(
        (model._meta.label_lower, f"SELECT * FROM {quote(model._meta.db_table)} "
         f"ORDER BY {quote(model._meta.pk.column)}")
        for model in apps.get_models()
        if model._meta.label_lower not in skip and not model._meta.proxy
    )  # fmt: skip


def db_fingerprint(skip: frozenset[str] = FINGERPRINT_SKIP) -> str:
    """A digest of every row of every table but those in ``skip``."""
    digest = hashlib.sha256()
    with connection.cursor() as cursor:
        for label, sql in _fingerprint_queries(skip):
            digest.update(label.encode())
            cursor.execute(sql)
            for row in cursor.fetchall():
                digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture
def pc_unreachable(settings, closed_port):
    """Partner Center (API and authority) on a closed port: any call fails fast."""
    settings.PARTNER_CENTER_API_URL = f"http://127.0.0.1:{closed_port}"
    settings.PARTNER_CENTER_AUTHORITY = f"{settings.PARTNER_CENTER_API_URL}/tenant"
    settings.PARTNER_CENTER_MAX_RETRIES = 0
    settings.PARTNER_CENTER_TIMEOUT = 1


@pytest.fixture
def world(db, settings, tmp_path):
    from billing.models import (
        CustomerStatement,
        CustomerStatementLine,
        Invoice,
        InvoiceLineItem,
        ReconciliationResult,
        StatementPdf,
    )
    from catalog.models import Availability, Product, Sku
    from catalog.pricing.models import CustomerGroup, MarkupRule
    from portal.models import AzureSubscription, Customer, SubscriptionRegistration
    from purchasing.models import Approval, Cart, CartLine, Checkout, Notification, Order, OrderLine

    settings.MEDIA_ROOT = tmp_path / "media"
    now = timezone.now()
    users = {
        "sales": _make_user("sam-sales", ["sales"]),
        "sales2": _make_user("sue-sales", ["sales"]),
        "finance": _make_user("fin", ["finance"]),
        "admin": _make_user("ada", ["admin"]),
        "none": _make_user("nor", []),
    }
    a = Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name="Alpha US", country="US", currency="USD"
    )
    b = Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name="Beta GB", country="GB", currency="GBP"
    )
    sub = AzureSubscription.objects.create(
        customer=a,
        subscription_id=uuid.uuid4(),
        offer_id="DZH318Z0BCZC",
        friendly_name="Azure plan",
        status="active",
        is_reservation_eligible=True,
    )
    registration = SubscriptionRegistration.objects.create(
        subscription=sub,
        requested_by=users["sales"],
        requested_at=now,
        state="failed",
        last_error="timed out",
    )
    product = Product.objects.create(
        product_id="DG7GMGF0SEC1", title="Security test software", product_type="Software",
        target_view="OnlineServices", first_seen_at=now,
    )  # fmt: skip
    sku = Sku.objects.create(
        product=product, sku_id="0001", title="Security test SKU", billing_cycles=["one_time"],
        first_seen_at=now,
    )  # fmt: skip
    availability = Availability.objects.create(
        sku=sku, availability_id="AV01", country="US", segment="commercial", currency="USD",
        catalog_item_id="DG7GMGF0SEC1:0001:AV01", terms=[],
    )  # fmt: skip

    def cart_with_line(customer, state="open", quantity=2):
        cart = Cart.objects.create(customer=customer, created_by=users["sales"], state=state)
        line = CartLine.objects.create(
            cart=cart, availability=availability, catalog_item_id=availability.catalog_item_id,
            product_id=product.product_id, sku_id=sku.sku_id, title=sku.title,
            quantity=quantity, billing_cycle="one_time", unit_price=Decimal("10.50"),
            currency=customer.currency,
        )  # fmt: skip
        return cart, line

    cart_a, line_a = cart_with_line(a)
    cart_b, line_b = cart_with_line(b, quantity=5)
    done_cart, _ = cart_with_line(a, state="checked_out")
    checkout = Checkout.objects.create(
        cart=done_cart, customer=a, state="awaiting_approval", requested_by=users["sales"],
        requested_at=now, currency="USD", estimated_total=Decimal("21.00"),
    )  # fmt: skip
    approval = Approval.objects.create(checkout=checkout, requested_by=users["sales"])
    order = Order.objects.create(
        pc_order_id="ORD-SEC-1", customer=a, billing_cycle="one_time", currency="USD",
        status="completed", created_at=now, placed_by=users["sales"],
    )  # fmt: skip
    OrderLine.objects.create(
        order=order, line_number=0, offer_id=availability.catalog_item_id, quantity=2,
        product_id=product.product_id, sku_id=sku.sku_id, unit_price=Decimal("10.50"),
        currency="USD",
    )  # fmt: skip
    note_sales2 = Notification.objects.create(
        recipient=users["sales2"], message="Your purchase was approved", url="/orders/"
    )
    invoice = Invoice.objects.create(
        invoice_id="G000SEC1", invoice_date=now, currency="USD", total_charges=Decimal("21"),
        synced_at=now,
    )  # fmt: skip
    inv_line = InvoiceLineItem.objects.create(
        invoice=invoice, sequence=1, order_id=order.pc_order_id, product_id=product.product_id,
        sku_id=sku.sku_id, quantity=Decimal(2), unit_price=Decimal("10.50"), currency="USD",
        subtotal=Decimal("21"), total_for_customer=Decimal("21"),
    )  # fmt: skip
    result = ReconciliationResult.objects.create(
        invoice=invoice, klass="matched", line=inv_line, order=order, currency="USD"
    )
    pdf = StatementPdf.objects.create(invoice=invoice, state="stored", requested_at=now)
    pdf.file.save("G000SEC1.pdf", ContentFile(b"%PDF-1.4 statement of G000SEC1"), save=True)
    statement = CustomerStatement.objects.create(
        number="S-SEC-1", customer=a, month=now.date().replace(day=1), generated_at=now,
        totals={"USD": "23.10"}, line_count=1,
    )  # fmt: skip
    CustomerStatementLine.objects.create(
        statement=statement, position=1, source="invoice", invoice_number="G000SEC1",
        pc_order_id=order.pc_order_id, charge_date=now.date(), product_id=product.product_id,
        sku_id=sku.sku_id, description="SKU", quantity=Decimal(2), unit_price=Decimal("11.55"),
        amount=Decimal("23.10"), currency="USD", price_source="recorded",
    )  # fmt: skip
    group = CustomerGroup.objects.create(name="Gold")
    group.customers.add(a)
    rule = MarkupRule.objects.create(
        description="Gold software", kind="percent", value=Decimal(15), group=group,
        family="software", effective_from=now.date(),
    )  # fmt: skip
    return {
        "group": group,
        "rule": rule,
        "users": users,
        "a": a,
        "b": b,
        "sub": sub,
        "registration": registration,
        "product": product,
        "sku": sku,
        "availability": availability,
        "cart_a": cart_a,
        "line_a": line_a,
        "cart_b": cart_b,
        "line_b": line_b,
        "checkout": checkout,
        "approval": approval,
        "order": order,
        "note_sales2": note_sales2,
        "invoice": invoice,
        "inv_line": inv_line,
        "result": result,
        "pdf": pdf,
        "statement": statement,
    }


def object_kwargs(name: str, w: dict) -> dict | None:
    """Real URL kwargs for URL ``name`` in world ``w`` (None: the URL takes no arguments)."""
    inv = {"invoice_id": w["invoice"].invoice_id}
    table = {
        "sync_status": {"kind": "customers"},
        "customers:detail": {"pk": w["a"].pk},
        "customers:sync_subscriptions": {"pk": w["a"].pk},
        "customers:subscription_register": {"pk": w["sub"].pk},
        "customers:subscription_row": {"pk": w["sub"].pk},
        "catalog:product": {"product_id": w["product"].product_id},
        "catalog:sku": {"product_id": w["product"].product_id, "sku_id": w["sku"].sku_id},
        "catalog:inventory_check": {
            "product_id": w["product"].product_id,
            "sku_id": w["sku"].sku_id,
        },
        "purchasing:cart": {"customer_pk": w["a"].pk},
        "purchasing:cart_line_update": {"customer_pk": w["a"].pk, "line_pk": w["line_a"].pk},
        "purchasing:cart_line_remove": {"customer_pk": w["a"].pk, "line_pk": w["line_a"].pk},
        "purchasing:review": {"customer_pk": w["a"].pk},
        "purchasing:confirm_changes": {"customer_pk": w["a"].pk},
        "purchasing:place": {"customer_pk": w["a"].pk},
        "purchasing:checkout": {"pk": w["checkout"].pk},
        "purchasing:retry_groups": {"pk": w["checkout"].pk},
        "purchasing:approval_decide": {"pk": w["approval"].pk},
        "purchasing:notification_read": {"pk": w["note_sales2"].pk},
        "purchasing:order": {"pk": w["order"].pk},
        "purchasing:order_provisioning": {"pk": w["order"].pk},
        "pricing:rule": {"pk": w["rule"].pk},
        "pricing:rule_edit": {"pk": w["rule"].pk},
        "pricing:rule_delete": {"pk": w["rule"].pk},
        "pricing:group_edit": {"pk": w["group"].pk},
        "pricing:group_delete": {"pk": w["group"].pk},
        "billing:line": {**inv, "pk": w["inv_line"].pk},
        "billing:recon_note": {**inv, "pk": w["result"].pk},
    }
    if name == "billing:statement" or name.startswith("billing:statement_"):
        return {"pk": w["statement"].pk}  # a customer charge statement
    if name in table:
        return table[name]
    if name.startswith("billing:"):
        return inv  # the invoice pages; plain billing pages take no arguments (see object_url)
    return None


def object_url(name: str, w: dict) -> str:
    """The URL of ``name`` addressed with real objects of world ``w``."""
    from django.urls import NoReverseMatch, reverse

    kwargs = object_kwargs(name, w)
    try:
        url = reverse(name, kwargs=kwargs) if kwargs else reverse(name)
    except NoReverseMatch:
        try:
            url = reverse(name)
        except NoReverseMatch:  # a URL added since: its sample URL (ids that do not exist)
            from tests.portal.test_access_matrix import ENTRIES

            url = {n: u for n, u, _ in ENTRIES}[name]
    if name == "purchasing:cart_add":
        url += f"?availability={w['availability'].pk}&customer={w['a'].pk}"
    return url
