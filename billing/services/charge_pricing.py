"""Resale prices of statement lines that have none recorded: the partner cost on the line priced
by the markup rules in force on the charge date.

``reference_price`` is the plain path: ``resale_price_for`` itself, for one line. ``FastPricing``
prices a whole month of lines (100,000 and more) with the same rules and the same engine, but
loads the rules, customer groups and SKUs once and decides the rule once per customer, item,
currency and stretch of days with the same rules in force (a rule's choice never depends on the
cost; only its price does). ``tests/billing/test_statement_totals.py`` checks that both give the
same price for every line.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings

from catalog.models import Sku
from catalog.pricing import engine
from catalog.pricing.models import MarkupRule
from catalog.pricing.services import resale_price_for
from portal.models import Customer

TERMS = {"1 year subscription": "P1Y", "3 year subscription": "P3Y", "1 month subscription": "P1M"}


def line_term(text: str) -> str:
    """The ISO term of an invoice line's ``termAndBillingCycle`` text ('' when not a term)."""
    return TERMS.get((text or "").strip().lower(), "")


def reference_price(customer: Customer, charge) -> tuple[Decimal | None, str]:
    """(unit price, rule label) from ``resale_price_for`` at the charge date."""
    price = resale_price_for(
        customer=customer,
        product_id=charge.product_id,
        sku_id=charge.sku_id,
        term_duration=line_term(charge.term),
        currency=charge.currency,
        unit_cost=charge.partner_unit,
        on=charge.charge_date,
    )
    return price.amount, price.rule_label


class FastPricing:
    """``reference_price`` for many lines (see the module docstring)."""

    def __init__(self, pairs: set[tuple[str, str]]):
        self.rules = tuple(MarkupRule.objects.order_by("pk"))
        self.boundaries = sorted(
            {r.effective_from for r in self.rules}
            | {r.effective_to + timedelta(days=1) for r in self.rules if r.effective_to}
        )
        groups: dict[int, set[int]] = defaultdict(set)
        for customer_id, group_id in Customer.pricing_groups.through.objects.values_list(
            "customer_id", "customergroup_id"
        ):
            groups[customer_id].add(group_id)
        self.groups = {k: frozenset(v) for k, v in groups.items()}
        self.skus: dict[tuple[str, str], Sku] = {}
        products = {p for p, _s in pairs}
        for sku in Sku.objects.select_related("product").filter(
            product__product_id__in=products | {p.upper() for p in products}
        ):
            self.skus[(sku.product.product_id.lower(), sku.sku_id.lower())] = sku
        self.rounding = settings.RESALE_ROUNDING
        self.picked: dict[tuple, MarkupRule | None] = {}

    def _stretch(self, day: date) -> date:
        """The first day of the stretch of days with the same rules in force as ``day``."""
        i = bisect.bisect_right(self.boundaries, day)
        return self.boundaries[i - 1] if i else day

    def _rule(self, customer: Customer, charge, term: str) -> MarkupRule | None:
        pid, sid = charge.product_id.lower(), charge.sku_id.lower()
        on = self._stretch(charge.charge_date)
        key = (customer.pk, pid, sid, term, charge.currency, on)
        if key not in self.picked:
            sku = self.skus.get((pid, sid))
            price_key = engine.PriceKey(
                customer_id=customer.pk,
                group_ids=self.groups.get(customer.pk, frozenset()),
                family=engine.product_family(sku.product) if sku is not None else "",
                product_id=sku.product.product_id if sku is not None else charge.product_id,
                sku_id=sku.sku_id if sku is not None else charge.sku_id,
                term_duration=term,
                currency=charge.currency,
                on=on,
            )
            self.picked[key] = engine.rule_pick(self.rules, price_key)
        return self.picked[key]

    def __call__(self, customer: Customer, charge) -> tuple[Decimal | None, str]:
        if charge.partner_unit is None:
            return None, ""
        rule = self._rule(customer, charge, line_term(charge.term))
        if rule is None:
            return engine.round_price(charge.partner_unit, charge.currency, self.rounding), ""
        return engine.rule_price(
            rule, charge.partner_unit, charge.currency, self.rounding
        ), rule.label
