"""Resale price at checkout: recorded on the order line with the rule behind it; a later rule
change never rewrites the order."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.pricing.services import markup_rule_create, markup_rule_update
from portal.templatetags.portal_tags import money as money_filter
from purchasing.models import Checkout, Order
from purchasing.services.checkout import checkout_submit
from tests.purchasing.conftest import add_line


@pytest.fixture
def priced(world, pc_user_connection):
    call_command("sync_price_sheets", "--market", "US", "--view", "software")
    return world


def markup(actor, **kw):
    data = {
        "description": "Contoso software",
        "kind": "percent",
        "value": Decimal(25),
        "effective_from": timezone.localdate() - timedelta(days=1),
    }
    data.update(kw)
    return markup_rule_create(actor=actor, data=data)


def test_checkout_records_the_resale_price_and_rule(priced, sales_user, finance_user):
    customer = priced["contoso"]
    rule = markup(finance_user, customer=customer)
    line = add_line(customer, sales_user, quantity=2)
    cost = line.unit_price
    assert cost is not None

    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert checkout.state == Checkout.State.SUBMITTED
    order_line = Order.objects.get().lines.get()
    expected = (cost * Decimal("1.25")).quantize(Decimal("0.01"))
    assert order_line.resale_unit_price == expected
    assert order_line.resale_rule_id == rule.pk
    assert order_line.resale_rule == f"#{rule.pk} Contoso software"
    assert order_line.resale_total == expected * 2

    markup_rule_update(rule=rule, actor=finance_user, data={"value": Decimal(50)})
    order_line.refresh_from_db()
    assert order_line.resale_unit_price == expected
    assert order_line.resale_rule == f"#{rule.pk} Contoso software"


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def test_pages_show_resale_price_rule_and_warning(priced, sales_user, sales_client, finance_user):
    customer = priced["contoso"]
    line = add_line(customer, sales_user, quantity=2)
    cost = line.unit_price

    # No rule: sold at cost, and review warns.
    cart = sales_client.get(f"/cart/{customer.pk}/").content.decode()
    assert "no markup rule: sold at cost" in cart
    review = sales_client.get(f"/cart/{customer.pk}/review/").content.decode()
    assert 'data-testid="below-cost-warning"' in review and "1 line sells at or below" in review

    rule = markup(finance_user, customer=customer)
    resale = (cost * Decimal("1.25")).quantize(Decimal("0.01"))
    cart = sales_client.get(f"/cart/{customer.pk}/").content.decode()
    assert money(resale) in cart and money(resale * 2) in cart
    assert f'href="/pricing/rules/{rule.pk}/"' in cart and f"#{rule.pk} Contoso software" in cart
    review = sales_client.get(f"/cart/{customer.pk}/review/").content.decode()
    assert money(resale * 2) in review and 'data-testid="below-cost-warning"' not in review

    # A rule that sells below cost is warned about too.
    markup(finance_user, customer=customer, description="Clearance", term_duration=line.term_duration,
           value=Decimal(-10))  # fmt: skip
    review = sales_client.get(f"/cart/{customer.pk}/review/").content.decode()
    assert 'data-testid="below-cost-warning"' in review

    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    order = Order.objects.get(checkout=checkout)
    recorded = (cost * Decimal("0.90")).quantize(Decimal("0.01"))
    page = sales_client.get(f"/orders/{order.pk}/").content.decode()
    assert money(recorded) in page and money(recorded * 2) in page and "Clearance" in page

    clearance = order.lines.get().resale_rule_id
    markup_rule_update(
        rule=type(rule).objects.get(pk=clearance), actor=finance_user, data={"value": Decimal(5)}
    )
    page = sales_client.get(f"/orders/{order.pk}/").content.decode()
    assert (
        money(recorded) in page
        and money((cost * Decimal("1.05")).quantize(Decimal("0.01"))) not in page
    )


def test_sku_page_shows_resale_beside_partner_cost(priced, sales_client, finance_user):
    from tests.purchasing.conftest import SUSE, availability_titled

    customer = priced["contoso"]
    availability = availability_titled(SUSE)
    sku = availability.sku
    url = f"/catalog/{sku.product.product_id}/{sku.sku_id}/?customer={customer.pk}"
    page = sales_client.get(url).content.decode()
    assert "no markup rule: sold at cost" in page
    rule = markup(finance_user, group=None, family="software", value=Decimal(10))
    page = sales_client.get(url).content.decode()
    assert f"#{rule.pk} Contoso software" in page and 'data-testid="resale-price"' in page


def test_orders_list_shows_the_recorded_resale_total(db, sales_client, finance_client):
    from tests.catalog.conftest import make_customer

    customer = make_customer("Contoso")
    now = timezone.now()
    full = Order.objects.create(pc_order_id="o-full", customer=customer, currency="USD",
                                billing_cycle="one_time", created_at=now)  # fmt: skip
    partial = Order.objects.create(pc_order_id="o-part", customer=customer, currency="USD",
                                   billing_cycle="one_time", created_at=now)  # fmt: skip
    for n, (order, resale) in enumerate([(full, "12.50"), (full, "3.25"), (partial, "7.77"),
                                         (partial, None)]):  # fmt: skip
        order.lines.create(line_number=n, offer_id=f"P:{n}", quantity=2, currency="USD",
                           resale_unit_price=None if resale is None else Decimal(resale))  # fmt: skip
    page = sales_client.get("/orders/?q=o-").content.decode()
    cells = re.findall(r'data-testid="order-resale">(.*?)</td>', page)
    assert sorted(cells) == sorted(
        [money_filter(Decimal("31.50"), "USD"), '<span class="muted">—</span>']
    )
    csv = b"".join(finance_client.get("/orders/?format=csv").streaming_content).decode()
    assert ",USD,,awaiting,portal,2,,31.50," in csv
