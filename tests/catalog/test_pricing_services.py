"""Markup rule services: validation, audit, and the resale price for customers and groups."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.models import Availability, Product, Sku
from catalog.pricing.models import MarkupRule
from catalog.pricing.services import (
    GroupInUse,
    customer_group_create,
    customer_group_delete,
    markup_rule_create,
    markup_rule_delete,
    markup_rule_update,
    resale_price_for,
    resale_rules_for,
)
from portal.models import AuditEvent
from tests.catalog.conftest import make_customer

TODAY = date(2026, 11, 29)


@pytest.fixture
def item(db):
    product = Product.objects.create(
        product_id="DG7GMGF0FKZV", title="Windows Server", product_type="Software",
        product_subtype="Subscription", target_views="|SoftwareSubscriptions|",
    )  # fmt: skip
    sku = Sku.objects.create(product=product, sku_id="0001", title="2 Core")
    return Availability.objects.create(
        sku=sku, availability_id="A1", catalog_item_id="DG7GMGF0FKZV:0001:A1", country="US",
        currency="USD", term_durations="|P1Y|P3Y|",
    )  # fmt: skip


def rule_data(**kw) -> dict:
    data = {
        "description": "Standard markup",
        "kind": "percent",
        "value": Decimal(20),
        "currency": "",
        "effective_from": TODAY - timedelta(days=30),
    }
    data.update(kw)
    return data


def price(customer, availability, cost="100", term="P1Y", on=TODAY):
    return resale_price_for(
        customer=customer, availability=availability, term_duration=term,
        unit_cost=Decimal(cost), on=on,
    )  # fmt: skip


def test_most_specific_rule_prices_the_line(item, finance_user):
    contoso, fabrikam = make_customer("Contoso"), make_customer("Fabrikam")
    gold = customer_group_create(actor=finance_user, name="Gold", customers=[fabrikam])
    base = markup_rule_create(actor=finance_user, data=rule_data())
    family = markup_rule_create(
        actor=finance_user, data=rule_data(description="Software", family="software", value=15)
    )
    group = markup_rule_create(
        actor=finance_user, data=rule_data(description="Gold", group=gold, value=Decimal("7.5"))
    )
    mine = markup_rule_create(
        actor=finance_user,
        data=rule_data(description="Contoso 3y", customer=contoso, term_duration="p3y",
                       kind="fixed", value=Decimal("4.99"), currency="usd"),
    )  # fmt: skip
    assert mine.term_duration == "P3Y" and mine.currency == "USD"

    p = price(contoso, item)
    assert (p.amount, p.currency, p.rule) == (Decimal("115.00"), "USD", family)
    assert price(contoso, item, term="P3Y").amount == Decimal("104.99")
    assert price(contoso, item, term="P3Y").rule == mine
    assert (price(fabrikam, item).amount, price(fabrikam, item).rule) == (Decimal("107.50"), group)
    assert price(None, item, cost="9.999").amount == Decimal("11.50")  # 11.4988 half-up
    markup_rule_delete(rule=family, actor=finance_user)
    assert price(contoso, item).rule == base

    rules = resale_rules_for(customer=fabrikam, on=TODAY)
    assert resale_price_for(customer=fabrikam, availability=item, term_duration="P1Y",
                            unit_cost=Decimal(100), rules=rules).rule == group  # fmt: skip


def test_no_rule_sells_at_cost_and_no_cost_gives_no_price(item):
    customer = make_customer()
    p = price(customer, item, cost="12.345")
    # Sold at cost (rounded to the currency): without a rule there is no margin to speak of.
    assert (p.amount, p.rule, p.at_or_below_cost) == (Decimal("12.35"), None, True)
    none = resale_price_for(customer=customer, availability=item, term_duration="P1Y", on=TODAY)
    assert none.amount is None and none.unit_cost is None  # no price sheet mirrored


def test_effective_dates(item, finance_user):
    customer = make_customer()
    markup_rule_create(
        actor=finance_user,
        data=rule_data(effective_from=TODAY, effective_to=TODAY + timedelta(days=1)),
    )
    assert price(customer, item, on=TODAY - timedelta(days=1)).rule is None
    assert price(customer, item, on=TODAY + timedelta(days=1)).amount == Decimal("120.00")
    assert price(customer, item, on=TODAY + timedelta(days=2)).rule is None


def test_half_even_setting(item, finance_user, settings):
    customer = make_customer()
    markup_rule_create(actor=finance_user, data=rule_data(value=Decimal(0)))
    settings.RESALE_ROUNDING = "half-even"
    assert price(customer, item, cost="10.125").amount == Decimal("10.12")
    settings.RESALE_ROUNDING = "half-up"
    assert price(customer, item, cost="10.125").amount == Decimal("10.13")


def test_overlapping_rules_of_equal_precedence_are_refused(item, finance_user):
    markup_rule_create(actor=finance_user, data=rule_data(effective_to=TODAY + timedelta(days=10)))
    with pytest.raises(ValidationError) as err:
        markup_rule_create(actor=finance_user, data=rule_data(effective_from=TODAY))
    assert "overlapping dates" in str(err.value)
    # Same scope after the first one ends, or another scope at the same time: fine.
    markup_rule_create(
        actor=finance_user, data=rule_data(effective_from=TODAY + timedelta(days=11))
    )
    markup_rule_create(actor=finance_user, data=rule_data(term_duration="P1Y"))
    fixed = {"kind": "fixed", "value": Decimal(1), "effective_from": TODAY}
    markup_rule_create(
        actor=finance_user, data=rule_data(family="perpetual", currency="EUR", **fixed)
    )
    markup_rule_create(
        actor=finance_user, data=rule_data(family="perpetual", currency="USD", **fixed)
    )
    assert MarkupRule.objects.count() == 5


def test_negative_price_needs_an_explicit_rule(item, finance_user):
    customer = make_customer()
    with pytest.raises(ValidationError) as err:
        markup_rule_create(actor=finance_user, data=rule_data(value=Decimal(-150)))
    assert "negative" in str(err.value)
    assert not MarkupRule.objects.exists()
    markup_rule_create(
        actor=finance_user, data=rule_data(kind="fixed", value=Decimal(-500), currency="USD")
    )
    assert price(customer, item).amount == Decimal("0.00")
    rule = MarkupRule.objects.get()
    markup_rule_update(rule=rule, actor=finance_user, data={"allow_negative": True})
    assert price(customer, item).amount == Decimal("-400.00")


def test_every_change_is_audited(item, finance_user):
    customer = make_customer()
    rule = markup_rule_create(actor=finance_user, data=rule_data(customer=customer))
    markup_rule_update(rule=rule, actor=finance_user, data={"value": Decimal(25)})
    markup_rule_delete(rule=rule, actor=finance_user)
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.action for e in events] == [
        "pricing.rule_created", "pricing.rule_changed", "pricing.rule_deleted",
    ]  # fmt: skip
    assert all(e.actor == finance_user and e.customer == customer for e in events)
    assert list(events[1].details["changes"]) == ["value"]
    assert [Decimal(v) for v in events[1].details["changes"]["value"]] == [20, 25]
    assert events[2].details["rule"]["description"] == "Standard markup"


def test_a_failed_update_changes_nothing(item, finance_user):
    rule = markup_rule_create(actor=finance_user, data=rule_data())
    with pytest.raises(ValidationError):
        markup_rule_update(rule=rule, actor=finance_user, data={"effective_to": date(2000, 1, 1)})
    rule.refresh_from_db()
    assert rule.effective_to is None
    assert AuditEvent.objects.filter(action="pricing.rule_changed").count() == 0


def test_a_group_in_use_cannot_be_deleted(item, finance_user):
    group = customer_group_create(actor=finance_user, name="Gold", customers=[])
    markup_rule_create(actor=finance_user, data=rule_data(group=group))
    with pytest.raises(GroupInUse):
        customer_group_delete(group=group, actor=finance_user)
