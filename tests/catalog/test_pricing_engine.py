"""Markup rule engine, property-based: precedence, effective dates, rounding (Decimal only)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from catalog.pricing import engine
from catalog.pricing.models import MarkupRule

CURRENCIES = ["USD", "EUR", "JPY", "BHD", "TWD", "KWD", "CLP"]
TERMS = ["", "P1Y", "P3Y"]
FAMILIES = ["", engine.FAMILY_SOFTWARE, engine.FAMILY_PERPETUAL, engine.FAMILY_AZURE_RESERVATION]
DAY0 = date(2026, 1, 1)
# A shared, loaded machine: no per-example deadline (a slow example is not a wrong one).
relaxed = settings(deadline=None)

days = st.integers(min_value=0, max_value=400).map(lambda n: DAY0 + timedelta(days=n))
money = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=6, allow_nan=False)
percent = st.decimals(min_value=Decimal("-99"), max_value=Decimal("500"), places=4)


def rule(pk=1, **kw) -> MarkupRule:
    fields = {
        "kind": engine.KIND_PERCENT,
        "value": Decimal(10),
        "currency": "",
        "customer_id": None,
        "group_id": None,
        "family": "",
        "product_id": "",
        "sku_id": "",
        "term_duration": "",
        "effective_from": DAY0,
        "effective_to": None,
        "allow_negative": False,
    }
    fields.update(kw)
    return MarkupRule(pk=pk, **fields)


def key(**kw) -> engine.PriceKey:
    fields = {
        "customer_id": 7,
        "group_ids": frozenset({3}),
        "family": engine.FAMILY_SOFTWARE,
        "product_id": "PROD1",
        "sku_id": "0001",
        "term_duration": "P1Y",
        "currency": "USD",
        "on": DAY0 + timedelta(days=30),
    }
    fields.update(kw)
    return engine.PriceKey(**fields)


@st.composite
def applicable_rule(draw, pk: int):
    """A rule that applies to ``key()`` with random scope (each dimension set or open)."""
    who = draw(st.sampled_from(["all", "group", "customer"]))
    item = draw(st.sampled_from(["all", "family", "product", "sku"]))
    return rule(
        pk=pk,
        customer_id=7 if who == "customer" else None,
        group_id=3 if who == "group" else None,
        family=engine.FAMILY_SOFTWARE if item == "family" else "",
        product_id="prod1" if item in ("product", "sku") else "",
        sku_id="0001" if item == "sku" else "",
        term_duration=draw(st.sampled_from(["", "p1y"])),
        effective_from=draw(st.sampled_from([DAY0, DAY0 + timedelta(days=10)])),
        value=draw(percent),
    )


@st.composite
def rule_lists(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    return [draw(applicable_rule(pk)) for pk in range(1, n + 1)]


@relaxed
@given(rule_lists())
def test_the_most_specific_rule_wins(rules):
    picked = engine.rule_pick(rules, key())
    assert picked is not None
    assert all(engine.rule_precedence(r) <= engine.rule_precedence(picked) for r in rules)


@relaxed
@given(rule_lists())
def test_order_of_rules_does_not_matter(rules):
    assert engine.rule_pick(rules, key()).pk == engine.rule_pick(rules[::-1], key()).pk


@relaxed
@given(rule_lists(), st.data())
def test_a_less_specific_rule_never_displaces_the_winner(rules, data):
    winner = engine.rule_pick(rules, key())
    extra = data.draw(applicable_rule(pk=99))
    assume(engine.rule_precedence(extra) < engine.rule_precedence(winner))
    assert engine.rule_pick([*rules, extra], key()).pk == winner.pk


def test_documented_order_customer_then_item_then_term():
    customer_any_item = rule(pk=1, customer_id=7)
    everyone_sku_term = rule(pk=2, product_id="PROD1", sku_id="0001", term_duration="P1Y")
    group_sku = rule(pk=3, group_id=3, product_id="PROD1", sku_id="0001")
    product_term = rule(pk=4, product_id="PROD1", term_duration="P1Y")
    sku_any_term = rule(pk=5, product_id="PROD1", sku_id="0001")
    assert engine.rule_pick([everyone_sku_term, group_sku, customer_any_item], key()).pk == 1
    assert engine.rule_pick([everyone_sku_term, group_sku], key()).pk == 3
    assert engine.rule_pick([product_term, sku_any_term], key()).pk == 5
    assert engine.rule_pick([product_term, rule(pk=6, product_id="PROD1")], key()).pk == 4


def test_rules_for_another_scope_never_apply():
    others = [
        rule(pk=1, customer_id=8),
        rule(pk=2, group_id=4),
        rule(pk=3, family=engine.FAMILY_PERPETUAL),
        rule(pk=4, product_id="PROD2"),
        rule(pk=5, product_id="PROD1", sku_id="0002"),
        rule(pk=6, term_duration="P3Y"),
        rule(pk=7, kind=engine.KIND_FIXED, value=Decimal(5), currency="EUR"),
    ]
    assert engine.rule_pick(others, key()) is None


@relaxed
@given(days, days, st.one_of(st.none(), days))
def test_a_rule_applies_exactly_on_its_effective_days(on, start, end):
    r = rule(effective_from=start, effective_to=end)
    expected = start <= on and (end is None or on <= end)
    assert engine.rule_applies(r, key(on=on)) is expected
    assert (engine.rule_pick([r], key(on=on)) is not None) is expected


@relaxed
@given(days, days, st.one_of(st.none(), days), days, st.one_of(st.none(), days))
def test_overlap_is_symmetric_and_means_a_shared_day(probe, a_from, a_to, b_from, b_to):
    a = rule(pk=1, effective_from=a_from, effective_to=a_to)
    b = rule(pk=2, effective_from=b_from, effective_to=b_to)
    overlap = engine.rules_overlap(a, b)
    assert overlap is engine.rules_overlap(b, a)
    if engine.in_force(a, probe) and engine.in_force(b, probe):
        assert overlap


@relaxed
@given(money, st.sampled_from(CURRENCIES), st.sampled_from(["half-up", "half-even"]))
def test_rounding_uses_the_currency_decimals(amount, currency, mode):
    rounded = engine.round_price(amount, currency, mode)
    places = engine.currency_decimals(currency)
    assert isinstance(rounded, Decimal)
    assert rounded.as_tuple().exponent == -places
    assert abs(rounded - amount) <= Decimal(1).scaleb(-places) / 2
    assert engine.round_price(rounded, currency, mode) == rounded


def test_iso_4217_decimals():
    assert [engine.currency_decimals(c) for c in ("USD", "JPY", "BHD", "EUR")] == [2, 0, 3, 2]


@relaxed
@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(CURRENCIES))
def test_half_up_and_half_even_differ_only_on_ties(units, currency):
    places = engine.currency_decimals(currency)
    tie = (Decimal(units) + Decimal("0.5")).scaleb(-places)
    up = engine.round_price(tie, currency, "half-up")
    even = engine.round_price(tie, currency, "half-even")
    assert up == (Decimal(units) + 1).scaleb(-places)
    assert even == tie.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


@relaxed
@given(money, percent, st.sampled_from(CURRENCIES))
def test_percent_markup(cost, pct, currency):
    price = engine.rule_price(rule(value=pct), cost, currency, "half-up")
    exact = cost * (100 + pct) / 100
    assert abs(price - exact) <= Decimal(1).scaleb(-engine.currency_decimals(currency)) / 2
    at_cost = engine.round_price(cost, currency, "half-up")
    assert price >= at_cost if pct >= 0 else price <= at_cost


@relaxed
@given(money, st.decimals(min_value=-1000, max_value=1000, places=2), st.booleans())
def test_no_negative_price_unless_the_rule_allows_it(cost, amount, allow):
    r = rule(kind=engine.KIND_FIXED, value=amount, currency="USD", allow_negative=allow)
    price = engine.rule_price(r, cost, "USD", "half-up")
    if allow:
        assert price == engine.round_price(cost + amount, "USD", "half-up")
    else:
        assert price >= 0


def test_floats_are_refused():
    with pytest.raises(TypeError):
        engine.rule_price(rule(), 10.5, "USD", "half-up")
    with pytest.raises(TypeError):
        engine.round_price(0.1, "USD", "half-up")


def test_rule_problems():
    assert engine.rule_problems(rule()) == {}
    problems = engine.rule_problems(
        rule(
            customer_id=1,
            group_id=2,
            sku_id="0001",
            kind=engine.KIND_FIXED,
            effective_to=DAY0 - timedelta(days=1),
        )
    )
    assert set(problems) == {"group", "product_id", "effective_to", "currency"}
    assert "value" in engine.rule_problems(rule(value=Decimal("-100.01")))
    assert engine.rule_problems(rule(value=Decimal("-100.01"), allow_negative=True)) == {}
    assert "currency" in engine.rule_problems(rule(currency="USD"))


def test_tie_between_two_groups_goes_to_the_latest_start_then_the_newest_rule():
    two_groups = key(group_ids=frozenset({3, 4}))
    older = rule(pk=9, group_id=3, effective_from=DAY0)
    newer_start = rule(pk=2, group_id=4, effective_from=DAY0 + timedelta(days=5))
    assert engine.rule_pick([older, newer_start], two_groups).pk == 2
    same_start = rule(pk=10, group_id=4, effective_from=DAY0)
    assert engine.rule_pick([older, same_start], two_groups).pk == 10
