from decimal import Decimal

import pytest

from portal.shared.money import CurrencyMismatch, Money, sum_by_currency


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(0.1, "USD")
    with pytest.raises(CurrencyMismatch):
        Money("1", "USD") + Money("1", "EUR")


def test_money_adds_exactly_and_formats_with_code():
    total = Money("0.1", "usd") + Money("0.2", "USD")
    assert total.amount == Decimal("0.3")
    assert total.format() == "$0.30 USD"
    assert Money("-1234.565", "EUR").format() == "-€1,234.57 EUR"
    assert Money("1000", "JPY").format() == "¥1,000 JPY"


def test_totals_are_kept_per_currency():
    totals = sum_by_currency([Money("1.10", "USD"), Money("2", "EUR"), Money("3.05", "USD")])
    assert totals == {"USD": Money("4.15", "USD"), "EUR": Money("2", "EUR")}
