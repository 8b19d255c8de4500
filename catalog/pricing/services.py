"""Markup rules and customer groups (audited writes), and the resale price they give.

``resale_price_for`` is what every page a salesperson decides on, and checkout, ask. Without a
rule the resale price is the partner cost (sold at cost, ``rule`` None); without a partner cost
there is no resale price (``amount`` None): a markup is always on the cost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Availability, Sku
from catalog.pricing import engine
from catalog.pricing.models import CustomerGroup, MarkupRule
from catalog.selectors import availability_price
from portal.models import Customer
from portal.shared.audit import audit_record
from portal.shared.errors import PortalError

RULE_FIELDS = [
    "description",
    "kind",
    "value",
    "currency",
    "customer",
    "group",
    "family",
    "product_id",
    "sku_id",
    "term_duration",
    "effective_from",
    "effective_to",
    "allow_negative",
]


class GroupInUse(PortalError):
    code = "customer_group_in_use"


def _lock_scope(rule: MarkupRule) -> None:
    """Serialise writes of rules with ``rule``'s scope until the transaction ends, so that two
    clashing rules saved at the same instant cannot both pass the overlap check.

    PostgreSQL: a transaction-level advisory lock keyed by the scope. SQLite has one writer at a
    time and refuses a write from a transaction whose reads are stale, so it needs none."""
    if connection.vendor != "postgresql":
        return
    scope = "|".join(
        str(v)
        for v in (
            rule.customer_id,
            rule.group_id,
            rule.family,
            (rule.product_id or "").strip().lower(),
            (rule.sku_id or "").strip().lower(),
            (rule.term_duration or "").strip().upper(),
        )
    )
    key = int.from_bytes(hashlib.sha256(f"markup-rule:{scope}".encode()).digest()[:8], "big")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key - 2**63])


def _snapshot(rule: MarkupRule) -> dict:
    return model_to_dict(rule, fields=RULE_FIELDS)


# -- rules ---------------------------------------------------------------------------------------


def markup_rule_create(*, actor, data: dict) -> MarkupRule:
    """Validate (scope, dates, no negative price, no overlap) and save a new rule; audited."""
    rule = MarkupRule(**{k: v for k, v in data.items() if k in RULE_FIELDS}, updated_by=actor)
    with transaction.atomic():
        _lock_scope(rule)
        rule.full_clean()
        rule.save()
        audit_record(
            actor=actor,
            action="pricing.rule_created",
            obj=rule,
            customer=rule.customer,
            summary=f"Markup rule {rule.label} created",
            rule=_snapshot(rule),
        )
    return rule


def markup_rule_update(*, rule: MarkupRule, actor, data: dict) -> MarkupRule:
    """Change a rule (validated like a new one); audited with the fields before and after.

    Orders keep the price recorded at checkout: a change never rewrites them."""
    with transaction.atomic():
        rule = MarkupRule.objects.select_for_update().get(pk=rule.pk)
        before = _snapshot(rule)
        for key, value in data.items():
            if key in RULE_FIELDS:
                setattr(rule, key, value)
        rule.updated_by = actor
        _lock_scope(rule)
        rule.full_clean()
        rule.save()
        after = _snapshot(rule)
        changed = {k: [before[k], after[k]] for k in RULE_FIELDS if before[k] != after[k]}
        audit_record(
            actor=actor,
            action="pricing.rule_changed",
            obj=rule,
            customer=rule.customer,
            summary=f"Markup rule {rule.label} changed",
            changes=changed,
        )
    return rule


def markup_rule_delete(*, rule: MarkupRule, actor) -> None:
    """Delete a rule; audited with what it was (orders keep their recorded prices)."""
    with transaction.atomic():
        snapshot, label, customer, pk = _snapshot(rule), rule.label, rule.customer, rule.pk
        rule.delete()
        audit_record(
            actor=actor,
            action="pricing.rule_deleted",
            customer=customer,
            summary=f"Markup rule {label} deleted",
            rule_id=pk,
            rule=snapshot,
        )


# -- customer groups -----------------------------------------------------------------------------


def customer_group_create(*, actor, name: str, customers) -> CustomerGroup:
    with transaction.atomic():
        group = CustomerGroup(name=name)
        group.full_clean()
        group.save()
        group.customers.set(customers)
        audit_record(
            actor=actor,
            action="pricing.group_created",
            obj=group,
            summary=f"Customer group {group.name} created",
            customers=sorted(c.pk for c in customers),
        )
    return group


def customer_group_update(*, group: CustomerGroup, actor, name: str, customers) -> CustomerGroup:
    with transaction.atomic():
        before = sorted(group.customers.values_list("pk", flat=True))
        old_name = group.name
        group.name = name
        group.full_clean()
        group.save()
        group.customers.set(customers)
        audit_record(
            actor=actor,
            action="pricing.group_changed",
            obj=group,
            summary=f"Customer group {group.name} changed",
            name=[old_name, group.name],
            customers=[before, sorted(c.pk for c in customers)],
        )
    return group


def customer_group_delete(*, group: CustomerGroup, actor) -> None:
    """Delete a group that no rule uses (raises ``GroupInUse`` otherwise); audited."""
    with transaction.atomic():
        if group.markup_rules.exists():
            raise GroupInUse(
                _("Customer group %(name)s is used by markup rules; delete or change them first.")
                % {"name": group.name}
            )
        name, pk = group.name, group.pk
        group.delete()
        audit_record(
            actor=actor,
            action="pricing.group_deleted",
            summary=f"Customer group {name} deleted",
            group_id=pk,
        )


# -- resale price --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResalePrice:
    """A resale unit price (None without a partner cost), its currency and the rule behind it."""

    amount: Decimal | None
    currency: str
    rule: MarkupRule | None
    unit_cost: Decimal | None

    @property
    def at_or_below_cost(self) -> bool:
        """Sells without margin: at or below the partner cost, or at cost for want of a rule."""
        if self.amount is None or self.unit_cost is None:
            return False
        return self.rule is None or self.amount <= self.unit_cost

    @property
    def rule_label(self) -> str:
        return self.rule.label if self.rule is not None else ""

    def total(self, quantity: int) -> Decimal | None:
        return None if self.amount is None else self.amount * quantity


@dataclass(frozen=True)
class RuleSet:
    """The rules that may price a customer's lines on one day (load once per page)."""

    customer_id: int | None
    group_ids: frozenset[int]
    on: date
    rules: tuple[MarkupRule, ...]


def resale_rules_for(*, customer: Customer | None, on: date | None = None) -> RuleSet:
    """The rules in force on ``on`` (default today) for ``customer`` (None: all-customer rules)."""
    on = on or timezone.localdate()
    group_ids = (
        frozenset(customer.pricing_groups.values_list("pk", flat=True)) if customer else frozenset()
    )
    who = Q(customer__isnull=True, group__isnull=True)
    if customer is not None:
        who |= Q(customer=customer) | Q(group__in=group_ids)
    rules = (
        MarkupRule.objects.filter(who, effective_from__lte=on)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .order_by("pk")
    )
    return RuleSet(customer.pk if customer else None, group_ids, on, tuple(rules))


def resale_price_for(
    *,
    customer: Customer | None,
    availability: Availability | None = None,
    sku: Sku | None = None,
    product_id: str = "",
    sku_id: str = "",
    term_duration: str = "",
    currency: str = "",
    unit_cost: Decimal | None = None,
    on: date | None = None,
    rules: RuleSet | None = None,
) -> ResalePrice:
    """The resale unit price of one item for ``customer`` on ``on`` (default today).

    The item is an ``availability``, a ``sku`` or a ``product_id``/``sku_id`` pair. The partner
    cost is ``unit_cost`` in ``currency``; when omitted with an availability, the mirrored price
    sheet's current price for ``term_duration`` is used. Pass ``rules`` (``resale_rules_for``)
    to price many lines with one query.
    """
    if availability is not None:
        sku = sku or availability.sku
        currency = currency or availability.currency
        if unit_cost is None:
            price = availability_price(availability, term_duration=term_duration)
            if price is not None:
                unit_cost, currency = price.unit_price, price.currency
    if sku is None and product_id:
        sku = (
            Sku.objects.select_related("product")
            .filter(product__product_id__iexact=product_id, sku_id__iexact=sku_id)
            .first()
        )
    family = engine.product_family(sku.product) if sku is not None else ""
    if sku is not None:
        product_id, sku_id = sku.product.product_id, sku.sku_id
    if rules is None:
        rules = resale_rules_for(customer=customer, on=on)
    key = engine.PriceKey(
        customer_id=customer.pk if customer else None,
        group_ids=rules.group_ids,
        family=family,
        product_id=product_id,
        sku_id=sku_id,
        term_duration=term_duration,
        currency=(currency or "").upper(),
        on=rules.on,
    )
    rule = engine.rule_pick(rules.rules, key)
    currency = (currency or "").upper()
    if unit_cost is None:
        return ResalePrice(None, currency, rule, None)
    rounding = settings.RESALE_ROUNDING
    if rule is None:
        return ResalePrice(
            engine.round_price(unit_cost, currency, rounding), currency, None, unit_cost
        )
    amount = engine.rule_price(rule, unit_cost, currency, rounding)
    return ResalePrice(amount, currency, rule, unit_cost)


def price_lines_resale(*, customer: Customer | None, sku: Sku, lines) -> None:
    """Set ``resale`` (a ``ResalePrice``) on each price sheet line of ``sku`` (one rule query);
    without a customer only the rules for all customers apply."""
    rules = resale_rules_for(customer=customer)
    for line in lines:
        line.resale = resale_price_for(
            customer=customer,
            sku=sku,
            term_duration=line.term_duration,
            currency=line.currency,
            unit_cost=line.unit_price,
            rules=rules,
        )
