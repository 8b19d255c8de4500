"""The soak's verdict, from Partner Center's own record (``/_sandbox/ledger``) against the portal.

Each soak checkout buys one cart line tagged ``provisioningContext.soakCheckout = <tag>``, so
every cart and order the portal ever made for it (first cart, recreated carts, retries) carries
the tag in Partner Center, whatever the portal remembers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

TAG_KEY = "soakCheckout"


@dataclass(frozen=True)
class Verdict:
    duplicates: int  # Partner Center orders beyond what the checkouts asked for
    lost: int  # PC orders with no local Order, plus checkouts shown as failed that PC ordered
    orphans: int  # of ``duplicates``: orders of the soak's customers that carry no soak tag
    unrecorded: int  # of ``lost``: PC orders with no local Order
    failed_but_ordered: int  # of ``lost``


def tags_of(entry: dict) -> set[str]:
    """The soak tags on the lines of a ledger cart or order."""
    found = set()
    for line in entry.get("lineItems") or []:
        context = {str(k).lower(): v for k, v in (line.get("provisioningContext") or {}).items()}
        if context.get(TAG_KEY.lower()):
            found.add(str(context[TAG_KEY.lower()]))
    return found


def reckon(
    *,
    pc_orders: list[dict],
    asked: dict[str, int],
    failed_tags: set[str],
    local_order_ids: set[str],
) -> Verdict:
    """Compare Partner Center's orders with what the portal asked for and recorded.

    ``pc_orders``: the ledger's orders of the soak's customers placed during the run;
    ``asked``: tag -> orders its checkout asked for (one per order group of its cart);
    ``failed_tags``: checkouts the portal showed as failed; ``local_order_ids``: the
    ``pc_order_id`` of every local ``Order``.
    """
    per_tag: Counter[str] = Counter()
    orphans = 0
    for order in pc_orders:
        tags = tags_of(order)
        if not tags:
            orphans += 1
        for tag in tags:
            per_tag[tag] += 1
    beyond = sum(max(0, count - asked.get(tag, 0)) for tag, count in per_tag.items())
    unrecorded = sum(1 for order in pc_orders if order["id"] not in local_order_ids)
    failed_but_ordered = sum(1 for tag in failed_tags if per_tag[tag])
    return Verdict(
        duplicates=beyond + orphans,
        lost=unrecorded + failed_but_ordered,
        orphans=orphans,
        unrecorded=unrecorded,
        failed_but_ordered=failed_but_ordered,
    )
