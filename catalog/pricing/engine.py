"""Markup rules without the database: which rule applies, which wins, what price it gives.

Every function takes plain values or objects with the rule's attributes (``customer_id``,
``group_id``, ``family``, ``product_id``, ``sku_id``, ``term_duration``, ``effective_from``,
``effective_to``, ``kind``, ``value``, ``currency``, ``allow_negative``, ``pk``), so the property
tests exercise exactly what the portal runs. Amounts are ``Decimal``; floats are refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision
from django.utils.translation import gettext_lazy as _

from catalog.rules import is_perpetual_software, is_software_subscription
from portal.shared.money import to_decimal

KIND_PERCENT = "percent"
KIND_FIXED = "fixed"
FAMILY_SOFTWARE = "software"
FAMILY_PERPETUAL = "perpetual"
FAMILY_AZURE_RESERVATION = "azure_reservation"
ROUNDING_MODES = {"half-up": ROUND_HALF_UP, "half-even": ROUND_HALF_EVEN}
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class PriceKey:
    """What a rule is matched against: who buys what, in which currency, on which day."""

    customer_id: int | None
    group_ids: frozenset[int]
    family: str
    product_id: str
    sku_id: str
    term_duration: str
    currency: str
    on: date


def product_family(product) -> str:
    """The markup family of a catalog product ('' when it is none of the three)."""
    if is_perpetual_software(product):
        return FAMILY_PERPETUAL
    views = (product.target_views or "").lower()
    if is_software_subscription(product) or (product.product_type or "").lower() == "software":
        return FAMILY_SOFTWARE
    if (product.product_type or "").lower() == "azure" or "|azurereservations" in views:
        return FAMILY_AZURE_RESERVATION
    return ""


def rule_precedence(rule) -> tuple[int, int, int]:
    """(customer, item, term) specificity; tuples compare in the documented order."""
    customer = 2 if rule.customer_id else 1 if rule.group_id else 0
    item = 3 if rule.sku_id else 2 if rule.product_id else 1 if rule.family else 0
    term = 1 if rule.term_duration else 0
    return (customer, item, term)


def in_force(rule, on: date) -> bool:
    """The effective dates include ``on`` (both ends inclusive; no end date: open)."""
    return rule.effective_from <= on and (rule.effective_to is None or on <= rule.effective_to)


def rule_applies(rule, key: PriceKey) -> bool:
    if not in_force(rule, key.on):
        return False
    if rule.kind == KIND_FIXED and rule.currency.upper() != key.currency.upper():
        return False
    if rule.customer_id and rule.customer_id != key.customer_id:
        return False
    if rule.group_id and rule.group_id not in key.group_ids:
        return False
    if rule.family and rule.family != key.family:
        return False
    if rule.product_id and rule.product_id.lower() != key.product_id.lower():
        return False
    if rule.sku_id and rule.sku_id.lower() != key.sku_id.lower():
        return False
    return not (rule.term_duration and rule.term_duration.upper() != key.term_duration.upper())


def rule_pick(rules: Iterable, key: PriceKey):
    """The rule that prices ``key`` (None: no rule applies).

    Highest precedence wins; a tie (a customer in two groups) goes to the latest effective-from
    date, then to the most recently created rule."""
    candidates = [r for r in rules if rule_applies(r, key)]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (rule_precedence(r), r.effective_from, r.pk or 0))


def currency_decimals(currency: str) -> int:
    """ISO 4217 minor units of ``currency`` (2 for a code Babel does not know)."""
    return get_currency_precision((currency or "").upper())


def round_price(amount: Decimal, currency: str, rounding: str) -> Decimal:
    """``amount`` rounded to the currency's decimals, half-up or half-even."""
    exponent = Decimal(1).scaleb(-currency_decimals(currency))
    return to_decimal(amount).quantize(exponent, rounding=ROUNDING_MODES[rounding])


def rule_price(rule, unit_cost: Decimal, currency: str, rounding: str) -> Decimal:
    """The resale unit price ``rule`` gives for ``unit_cost``, rounded; never below zero unless
    the rule allows a negative price (a larger discount sells at zero)."""
    cost = to_decimal(unit_cost)
    value = to_decimal(rule.value)
    raw = cost * (HUNDRED + value) / HUNDRED if rule.kind == KIND_PERCENT else cost + value
    price = round_price(raw, currency, rounding)
    if price < 0 and not rule.allow_negative:
        return round_price(Decimal(0), currency, rounding)
    return price


def rules_overlap(a, b) -> bool:
    """Both rules could price the same line on the same day (same scope is checked by caller):
    their dates overlap and their currencies can meet (a percent rule meets every currency)."""
    a_end, b_end = a.effective_to or date.max, b.effective_to or date.max
    if a.effective_from > b_end or b.effective_from > a_end:
        return False
    if a.kind == KIND_FIXED and b.kind == KIND_FIXED:
        return a.currency.upper() == b.currency.upper()
    return True


def rule_problems(rule) -> dict[str, list]:
    """Field -> messages for a rule that cannot be saved as entered (empty: fine)."""
    errors: dict[str, list] = {}

    def add(field: str, message) -> None:
        errors.setdefault(field, []).append(message)

    if rule.customer_id and rule.group_id:
        add("group", _("Choose a customer or a customer group, not both."))
    if rule.sku_id and not rule.product_id:
        add(
            "product_id", _("A SKU rule needs the product id too (SKU ids repeat across products).")
        )
    if rule.product_id and rule.family:
        add("family", _("A product rule needs no family; leave the family empty."))
    if rule.effective_to is not None and rule.effective_to < rule.effective_from:
        add("effective_to", _("The last day is before the first day."))
    if rule.kind == KIND_FIXED and not rule.currency:
        add("currency", _("A fixed amount needs its currency."))
    elif rule.currency and not (len(rule.currency) == 3 and rule.currency.isalpha()):
        add("currency", _("Enter a three-letter ISO 4217 currency code, e.g. USD."))
    if rule.kind == KIND_PERCENT and rule.currency:
        add("currency", _("A percentage applies in every currency; leave the currency empty."))
    negative_percent = (
        rule.kind == KIND_PERCENT and rule.value is not None and to_decimal(rule.value) < -HUNDRED
    )
    if negative_percent and not rule.allow_negative:
        add(
            "value",
            _(
                "A markup below -100 % makes every price negative; allow a negative price "
                "if that is intended."
            ),
        )
    return errors
