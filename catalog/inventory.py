"""Whether the inventory checks on record let a SKU into a cart, and if not, why (in words).

Partner Center wants a passing inventory check for the customer, the Azure subscription and the
SKU's region before it sells a SKU with the ``InventoryCheck`` prerequisite. The cart asks
``inventory_verdict`` with the subscription chosen for the line; the verdict names the check it
relied on, or the reason a salesperson can act on (no check yet, restricted, failed, made for another
subscription or region, too old).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import InventoryCheck, Sku
from catalog.services.inventory_checks import (
    inventory_context_for,
    inventory_context_key,
    inventory_max_age,
)

RECENT_CHECKS = 20  # checks looked at to explain a mismatch (subscription / region)


@dataclass(frozen=True)
class InventoryVerdict:
    passed: bool
    reason: str = ""
    check: InventoryCheck | None = None


def _lower(context: dict) -> dict[str, str]:
    return {str(k).lower(): str(v).strip().lower() for k, v in (context or {}).items()}


def _restriction_text(check: InventoryCheck) -> str:
    texts = [str(r.get("description") or r.get("reason_code") or "") for r in check.restrictions]
    return "; ".join(t for t in texts if t) or _("no reason given")


def inventory_verdict(*, customer, sku: Sku, subscription_id: str) -> InventoryVerdict:
    """May ``sku`` be bought for ``customer`` on ``subscription_id`` as far as inventory goes?

    The newest finished check for exactly this customer, subscription and the SKU's region decides:
    available and younger than ``CATALOG_INVENTORY_CHECK_MAX_AGE_MINUTES`` lets the line in;
    restricted, failed or older keeps it out. Without such a check the reason says what the checks
    on record were made for instead.
    """
    context = inventory_context_for(
        customer=customer, sku=sku, context={"azureSubscriptionId": subscription_id}
    )
    region = context.get("armRegionName", "")
    max_age = inventory_max_age()
    latest = (
        InventoryCheck.objects.filter(
            customer=customer, sku=sku, context_key=inventory_context_key(context)
        )
        .exclude(state=InventoryCheck.State.PENDING)
        .order_by("-checked_at", "-id")
        .first()
    )
    if latest is not None:
        return _verdict_of(latest, sku, subscription_id, max_age)
    return InventoryVerdict(False, _no_check_reason(customer, sku, subscription_id, region))


def _verdict_of(
    latest: InventoryCheck, sku: Sku, subscription_id: str, max_age
) -> InventoryVerdict:
    """The verdict of the newest finished check: restricted, failed, too old, or passing."""
    minutes = int(max_age.total_seconds() // 60)
    if latest.state == InventoryCheck.State.RESTRICTED:
        return InventoryVerdict(
            False,
            _(
                "The inventory check for subscription %(subscription)s found %(sku)s "
                "restricted: %(reasons)s. Pick another region or subscription."
            )
            % {
                "subscription": subscription_id,
                "sku": sku.title,
                "reasons": _restriction_text(latest),
            },
            latest,
        )
    if latest.state == InventoryCheck.State.FAILED:
        return InventoryVerdict(
            False,
            _(
                "The last inventory check for subscription %(subscription)s did not complete "
                "(%(error)s); run it again on the catalog page."
            )
            % {"subscription": subscription_id, "error": latest.error or _("no answer")},
            latest,
        )
    age = timezone.now() - (latest.checked_at or latest.requested_at)
    if age > max_age:
        return InventoryVerdict(
            False,
            _(
                "The passing inventory check for subscription %(subscription)s is "
                "%(age)s old; Partner Center's answer is trusted for %(max_age)s. "
                "Run it again on the catalog page."
            )
            % {
                "subscription": subscription_id,
                "age": _minutes(int(age.total_seconds() // 60)),
                "max_age": _minutes(minutes),
            },
            latest,
        )
    return InventoryVerdict(True, "", latest)


def _minutes(count: int) -> str:
    return ngettext("%(count)d minute", "%(count)d minutes", count) % {"count": count}


def _no_check_reason(customer, sku: Sku, subscription_id: str, region: str) -> str:
    recent = list(
        InventoryCheck.objects.filter(customer=customer, sku=sku)
        .exclude(state=InventoryCheck.State.PENDING)
        .order_by("-checked_at", "-id")
        .only("context")[:RECENT_CHECKS]
    )
    wanted = subscription_id.strip().lower()
    for check in recent:
        ctx = _lower(check.context)
        other_sub = ctx.get("azuresubscriptionid", "")
        if other_sub and other_sub != wanted:
            return _(
                "The inventory check on record was made for subscription %(other)s, not "
                "%(subscription)s; run one for %(subscription)s on the catalog page."
            ) % {"other": other_sub, "subscription": subscription_id}
        other_region = ctx.get("armregionname", "")
        if region and other_region and other_region != region.lower():
            return _(
                "The inventory check on record was made for region %(other)s, but this SKU "
                "is sold in %(region)s; run one for %(region)s on the catalog page."
            ) % {"other": other_region, "region": region}
    return _(
        "No inventory check yet for %(sku)s on subscription %(subscription)s: Partner "
        "Center requires a passing check first; run one on the catalog page."
    ) % {"sku": sku.title, "subscription": subscription_id}
