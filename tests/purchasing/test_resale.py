"""Resale price at checkout: recorded on the order line with the rule behind it; a later rule
change never rewrites the order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.pricing.services import markup_rule_create, markup_rule_update
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
