"""Reads for the markup rule pages: filters, sorting, one query per page."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.pricing.models import CustomerGroup, MarkupRule, ProductFamily
from portal.shared.params import Params

RULE_SORTS = {
    "description": "description",
    "from": "effective_from",
    "to": "effective_to",
    "value": "value",
    "customer": "customer__company_name",
    "updated": "updated_at",
}
STATES = {
    "current": _("In force today"),
    "future": _("Starting later"),
    "ended": _("Ended"),
}


def rules_filtered(params) -> tuple[QuerySet[MarkupRule], dict, list[str]]:
    """Rules matching the page's filters: text, customer, group, family, kind, state."""
    p = Params(params)
    filters = {
        "q": p.text("q", label=_("Search")),
        "customer": p.object_id("customer", label=_("Customer")),
        "group": p.object_id("group", label=_("Customer group")),
        "family": p.choice("family", ProductFamily.values),
        "kind": p.choice("kind", MarkupRule.Kind.values),
        "state": p.choice("state", tuple(STATES)),
    }
    qs = MarkupRule.objects.select_related("customer", "group", "updated_by")
    if filters["q"]:
        q = filters["q"]
        qs = qs.filter(
            Q(description__icontains=q)
            | Q(product_id__icontains=q)
            | Q(sku_id__icontains=q)
            | Q(term_duration__iexact=q)
        )
    if filters["customer"]:
        qs = qs.filter(customer_id=filters["customer"])
    if filters["group"]:
        qs = qs.filter(group_id=filters["group"])
    if filters["family"]:
        qs = qs.filter(family=filters["family"])
    if filters["kind"]:
        qs = qs.filter(kind=filters["kind"])
    today = timezone.localdate()
    if filters["state"] == "current":
        qs = qs.filter(effective_from__lte=today).filter(
            Q(effective_to__isnull=True) | Q(effective_to__gte=today)
        )
    elif filters["state"] == "future":
        qs = qs.filter(effective_from__gt=today)
    elif filters["state"] == "ended":
        qs = qs.filter(effective_to__lt=today)
    return qs, filters, p.errors


def groups_with_counts() -> QuerySet[CustomerGroup]:
    return CustomerGroup.objects.annotate(
        customer_count=Count("customers", distinct=True),
        rule_count=Count("markup_rules", distinct=True),
    ).order_by("name")
