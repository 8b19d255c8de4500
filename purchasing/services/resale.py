"""Resale prices on cart lines and order lines (the price sheet cost plus the markup rule).

Checkout records the resale price on each order line (``order_line_record_resale``) so that a
later rule change never rewrites an order; carts and review pages price lines live.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from catalog.pricing.models import MarkupRule
from catalog.pricing.services import ResalePrice, RuleSet, resale_price_for, resale_rules_for
from purchasing.models import CartLine, OrderLine

RESALE_FIELDS = ["resale_unit_price", "resale_rule_id", "resale_rule"]


def cart_line_resale(line: CartLine, *, rules: RuleSet) -> ResalePrice:
    """The resale unit price of a cart line at its current partner cost."""
    return resale_price_for(
        customer=line.cart.customer,
        sku=line.availability.sku if line.availability_id else None,
        product_id=line.product_id,
        sku_id=line.sku_id,
        term_duration=line.term_duration,
        currency=line.currency,
        unit_cost=line.unit_price,
        rules=rules,
    )


def cart_lines_resale(lines: list[CartLine], *, customer) -> dict[str, Decimal]:
    """Set ``resale`` (``ResalePrice``) and ``resale_total`` on each cart line, with one rule
    query; return the resale totals per currency of the lines that have a resale price."""
    rules = resale_rules_for(customer=customer)
    totals: dict[str, Decimal] = {}
    for line in lines:
        line.resale = cart_line_resale(line, rules=rules)
        line.resale_total = line.resale.total(line.quantity)
        if line.resale_total is not None:
            currency = line.resale.currency
            totals[currency] = totals.get(currency, Decimal(0)) + line.resale_total
    return totals


def order_resale_totals(lines) -> dict[str, Decimal]:
    """Recorded resale totals per currency of an order's lines (lines without one left out)."""
    totals: dict[str, Decimal] = {}
    for line in lines:
        if line.resale_total is not None and line.currency:
            totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.resale_total
    return totals


def order_line_record_resale(order_line: OrderLine, *, cart_line: CartLine, on: date | None = None):
    """Set the order line's resale price and rule snapshot from its recorded partner cost
    (the caller saves ``RESALE_FIELDS``)."""
    price = resale_price_for(
        customer=cart_line.cart.customer,
        sku=cart_line.availability.sku if cart_line.availability_id else None,
        product_id=order_line.product_id or cart_line.product_id,
        sku_id=order_line.sku_id or cart_line.sku_id,
        term_duration=order_line.term_duration or cart_line.term_duration,
        currency=order_line.currency,
        unit_cost=order_line.unit_price,
        on=on,
    )
    order_line.resale_unit_price = price.amount
    order_line.resale_rule_id = price.rule.pk if price.rule else None
    order_line.resale_rule = price.rule_label[:220]


def live_rule_ids(lines) -> set[int]:
    """Ids of the rules recorded on ``lines`` that still exist (the others get no link)."""
    ids = {line.resale_rule_id for line in lines if line.resale_rule_id}
    return set(MarkupRule.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
