"""The demo's markup rules: a standard markup per product family for everyone, and a key-account
group (the Taiwanese customer) with its own software markup, so every price a salesperson sees
has a resale price beside it and the margin report has something to show."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.pricing.models import CustomerGroup, MarkupRule
from catalog.pricing.services import customer_group_create, markup_rule_create
from portal.models import Customer

KEY_ACCOUNTS = "Key accounts"
# description -> rule fields (percent of partner cost unless said otherwise)
RULES = {
    "Standard software markup": {"family": "software", "value": Decimal(15)},
    "Standard perpetual software markup": {"family": "perpetual", "value": Decimal(12)},
    "Azure reservations markup": {"family": "azure_reservation", "value": Decimal(8)},
    "Key accounts: software": {"family": "software", "value": Decimal(10), "group": KEY_ACCOUNTS},
}


def demo_markup_rules(*, actor, key_accounts: list[Customer]) -> list[MarkupRule]:
    """Create the demo's customer group and rules (audited) unless they exist; idempotent."""
    group = CustomerGroup.objects.filter(name=KEY_ACCOUNTS).first()
    if group is None:
        group = customer_group_create(actor=actor, name=KEY_ACCOUNTS, customers=key_accounts)
    since = timezone.localdate() - timedelta(days=365)
    rules = []
    for description, fields in RULES.items():
        rule = MarkupRule.objects.filter(description=description).first()
        if rule is None:
            data = {"description": description, "kind": "percent", "effective_from": since}
            data.update(fields)
            if data.get("group") == KEY_ACCOUNTS:
                data["group"] = group
            rule = markup_rule_create(actor=actor, data=data)
        rules.append(rule)
    return rules
