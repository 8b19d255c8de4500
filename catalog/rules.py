"""Purchase rules every page and the cart service apply: why an availability can't be bought.

``purchase_blockers`` returns sentences a salesperson understands; an empty list means the item may
be added to a cart (other prerequisites, such as an inventory check, are enforced separately).
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.admin_tools.services.settings_store import portal_setting_get

MARKETS_CSV = Path(__file__).resolve().parent / "data" / "unavailable-markets.csv"
PERPETUAL_SETTING = "perpetual_software_qualified"


@cache
def software_subscription_unavailable_markets() -> dict[str, str]:
    """ISO 3166 code -> English name of the markets where software subscriptions aren't sold."""
    with MARKETS_CSV.open(encoding="utf-8", newline="") as fh:
        return {
            row["iso_code"].strip().upper(): row["name_en"].strip()
            for row in csv.DictReader(fh)
            if row.get("iso_code")
        }


@cache
def _market_names_zh_hant() -> dict[str, str]:
    """ISO 3166 code -> the market's name as Microsoft's Traditional Chinese guide writes it."""
    with MARKETS_CSV.open(encoding="utf-8", newline="") as fh:
        return {
            row["iso_code"].strip().upper(): row["name_in_seed"].strip()
            for row in csv.DictReader(fh)
            if row.get("iso_code") and row.get("name_in_seed")
        }


def market_name(country: str) -> str:
    """The market's name in the reader's language (English, or the guide's Traditional Chinese)."""
    code = (country or "").upper()
    if get_language() == "zh-hant" and code in _market_names_zh_hant():
        return _market_names_zh_hant()[code]
    return software_subscription_unavailable_markets().get(code, country)


def is_software_subscription(product) -> bool:
    views = (product.target_views or "").lower()
    return (
        product.product_type.lower() == "software"
        and product.product_subtype.lower() == "subscription"
    ) or "|softwaresubscriptions|" in views


def is_perpetual_software(product) -> bool:
    views = (product.target_views or "").lower()
    return (
        product.product_type.lower() == "software"
        and product.product_subtype.lower() == "perpetual"
    ) or "|softwareperpetual|" in views


def perpetual_software_qualified() -> bool:
    return bool(portal_setting_get(PERPETUAL_SETTING, False))


def market_rule_blocker(product, country: str) -> str | None:
    """The market rule for software subscriptions, for a product and a customer's country."""
    country = (country or "").upper()
    if is_software_subscription(product) and country in software_subscription_unavailable_markets():
        return _(
            "Software subscriptions cannot be sold to customers in %(market)s "
            "(%(country)s): Microsoft does not offer them in that market."
        ) % {"market": market_name(country), "country": country}
    return None


def perpetual_blocker(product) -> str | None:
    if is_perpetual_software(product) and not perpetual_software_qualified():
        return _(
            "Perpetual software can only be sold by a partner qualified for it; an administrator "
            "records the qualification in the portal settings."
        )
    return None


def purchase_blockers(*, availability, customer=None) -> list[str]:
    """Reasons ``customer`` cannot buy ``availability`` (empty: nothing in the way)."""
    sku = availability.sku
    product = sku.product
    reasons: list[str] = []
    if not availability.is_available or not sku.is_available or not product.is_available:
        reasons.append(
            _(
                "Partner Center no longer offers this item (it disappeared at the last catalog sync)."
            )
        )
    elif not availability.is_purchasable:
        reasons.append(_("Partner Center marks this availability as not purchasable."))
    if customer is not None:
        customer_country = (customer.country or "").upper()
        if customer_country and availability.country.upper() != customer_country:
            reasons.append(
                _(
                    "This availability is for the %(market)s market, but %(name)s buys in "
                    "%(country)s: pick the availability of the customer's market."
                )
                % {
                    "market": availability.country,
                    "name": customer.company_name,
                    "country": customer_country,
                }
            )
        customer_segment = (getattr(customer, "segment", "") or "").lower()
        if (
            customer_segment
            and availability.segment
            and availability.segment.lower() != customer_segment
        ):
            reasons.append(
                _(
                    "This availability is for the %(segment)s segment, but %(name)s is a "
                    "%(customer_segment)s customer."
                )
                % {
                    "segment": availability.segment,
                    "name": customer.company_name,
                    "customer_segment": customer_segment,
                }
            )
        if not getattr(customer, "is_active", True):
            reasons.append(
                _("%(name)s is no longer an active customer.") % {"name": customer.company_name}
            )
        market = market_rule_blocker(product, customer_country)
        if market:
            reasons.append(market)
    perpetual = perpetual_blocker(product)
    if perpetual:
        reasons.append(perpetual)
    return reasons
