"""Catalog reads for the pages: a constant number of queries whatever the catalog size."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.listing_cache import listing_key, page_of_ids
from catalog.models import (
    Availability,
    CustomerOffer,
    InventoryCheck,
    PriceSheetEntry,
    Product,
    Sku,
)
from catalog.search import search_words, word_q
from portal.models import Customer, SyncState

# Browse tabs: (target view, label). The view is matched against Product.target_views.
VIEW_TABS = [
    ("", _("All")),
    ("AzureReservationsVM", _("VM reservations")),
    ("AzureReservationsSQL", _("SQL reservations")),
    ("AzureReservationsCosmosDb", _("Cosmos DB reservations")),
    ("AzureReservations", _("All reservations")),
    ("SoftwarePerpetual", _("Perpetual software")),
    ("SoftwareSubscriptions", _("Software subscriptions")),
    ("SoftwareSUSELinux", _("SUSE Linux")),
]
SEGMENTS = ["commercial", "education", "government", "nonprofit"]
SEGMENT_CHOICES = [
    ("commercial", _("Commercial")),
    ("education", _("Education")),
    ("government", _("Government")),
    ("nonprofit", _("Nonprofit")),
]
BILLING_CYCLES = [("one_time", _("One-time")), ("monthly", _("Monthly")), ("annual", _("Annual"))]
TERMS = [("P1M", _("1 month")), ("P1Y", _("1 year")), ("P3Y", _("3 years"))]
PREREQUISITES = [
    ("inventorycheck", _("Inventory check")),
    ("azuresubscriptionregistration", _("Azure subscription registration")),
    ("none", _("No prerequisites")),
]
SKU_SORTS = {"title": "title", "product": "product_title", "sku": "sku_id"}


@dataclass
class CatalogFilters:
    country: str = ""
    segment: str = ""
    view: str = ""
    q: str = ""
    cycle: str = ""
    term: str = ""
    prereq: str = ""
    include_unavailable: bool = False
    offered_to: int | None = None  # a customer whose Partner Center catalog has been read
    errors: list[str] = field(default_factory=list)


# Distinct countries by hopping through the (country, ...) index, one step per country, instead of
# reading every availability.
_COUNTRIES_SQL = """
WITH RECURSIVE c(country) AS (
    SELECT MIN(country) FROM catalog_availability
    UNION ALL
    SELECT (SELECT MIN(country) FROM catalog_availability WHERE country > c.country)
    FROM c WHERE c.country IS NOT NULL
)
SELECT country FROM c WHERE country IS NOT NULL
"""


def catalog_countries() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_COUNTRIES_SQL)
        return [row[0] for row in cursor.fetchall()]


# What the SKU tables show (and the purchase rules read): not the stored Partner Center documents.
LIST_FIELDS = [
    "product_id", "sku_id", "title", "product_title", "billing_cycles", "prerequisites",
    "is_available",
    "product__product_id", "product__title", "product__product_type", "product__product_subtype",
    "product__target_views", "product__is_available", "product__publisher",
]  # fmt: skip


def sku_list(filters: CatalogFilters) -> QuerySet[Sku]:
    """``sku_search`` with only the columns a SKU table shows."""
    return sku_search(filters).only(*LIST_FIELDS)


def sku_ordered(qs: QuerySet[Sku], field: str, filters: CatalogFilters) -> QuerySet[Sku]:
    """``qs`` by ``field``, then title and pk. Without search words the sort index gives that order;
    a search sorts its matches, found through the search index, rather than walk the sort index
    past every SKU (the planner would, since the index has the order)."""
    if not search_words(filters.q):
        return qs.order_by(field, "title", "pk")
    key = Coalesce(F(field.lstrip("-")), Value(""))  # the same order, from no index
    return qs.order_by(key.desc() if field.startswith("-") else key.asc(), "title", "pk")


def sku_page(params, qs: QuerySet[Sku], *, key: str | None = None) -> Page:
    """A page of the ordered ``qs``: the count, the page's ids (walked in index order, not sorted
    from whole rows), then those rows. With ``key`` (``listing_key``) the count and the ids come
    from the cache while the catalog is unchanged (``catalog.listing_cache``)."""
    page = page_of_ids(params, qs.values_list("pk", flat=True), key=key)
    ids = page.object_list
    rows = qs.model.objects.select_related("product").only(*LIST_FIELDS).in_bulk(ids)
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def filters_key(filters: CatalogFilters, *scope) -> str:
    """The cache key of the SKU table ``filters`` select, within ``scope`` (sort, page, ...)."""
    fields = (
        filters.country, filters.segment, filters.view, filters.q, filters.cycle, filters.term,
        filters.prereq, filters.include_unavailable, filters.offered_to,
    )  # fmt: skip
    return listing_key(fields, *scope)


def sku_search(filters: CatalogFilters) -> QuerySet[Sku]:
    """SKUs offered in ``filters.country`` (and segment) matching the filters; one query per page."""
    qs = Sku.objects.select_related("product")
    avail = Availability.objects.filter(sku=OuterRef("pk"))
    if filters.country:
        avail = avail.filter(country=filters.country)
    if filters.offered_to:  # the customer's own catalog instead of its country and segment
        avail = avail.filter(
            Exists(
                CustomerOffer.objects.filter(
                    customer_id=filters.offered_to, availability=OuterRef("pk")
                )
            )
        )
    elif filters.segment:
        avail = avail.filter(segment=filters.segment)
    if filters.term:
        avail = avail.filter(term_durations__contains=f"|{filters.term}|")
    if not filters.include_unavailable:
        avail = avail.filter(is_available=True)
        qs = qs.filter(is_available=True)
    if (
        filters.country
        or filters.segment
        or filters.term
        or filters.offered_to
        or not filters.include_unavailable
    ):
        qs = qs.filter(Exists(avail))
    if filters.view:
        qs = qs.filter(product__target_views__icontains=f"|{filters.view}|")
    for word in search_words(filters.q):
        qs = qs.filter(word_q(word))
    if filters.cycle:
        qs = qs.filter(billing_cycles_text__contains=f"|{filters.cycle}|")
    if filters.prereq == "none":
        qs = qs.filter(prerequisites_text="")
    elif filters.prereq:
        qs = qs.filter(prerequisites_text__contains=f"|{filters.prereq}|")
    return qs


def product_get(product_id: str) -> Product | None:
    """The product by id: the exact id through its unique index, else any case."""
    products = Product.objects.order_by()
    return (
        products.filter(product_id=product_id).first()
        or products.filter(product_id__iexact=product_id).first()
    )


def product_skus(product: Product, filters: CatalogFilters) -> QuerySet[Sku]:
    return sku_search(filters).filter(product=product)


def sku_get(product_id: str, sku_id: str) -> Sku | None:
    """The SKU by ids: the exact ids through the unique indexes (the portal's own links), else any
    case (a typed URL)."""
    skus = Sku.objects.select_related("product").order_by()
    return (
        skus.filter(product__product_id=product_id, sku_id=sku_id).first()
        or skus.filter(product__product_id__iexact=product_id, sku_id__iexact=sku_id).first()
    )


def sku_availabilities(
    sku: Sku, *, country: str = "", segment: str = "", offered_to: int | None = None
) -> list[Availability]:
    qs = sku.availabilities.all()
    if country:
        qs = qs.filter(country=country)
    if offered_to:
        qs = qs.filter(customer_offers__customer_id=offered_to)
    elif segment:
        qs = qs.filter(segment=segment)
    return list(qs.order_by("-is_available", "country", "segment", "reservation_scope"))


@dataclass
class PriceLine:
    term_duration: str
    billing_plan: str
    unit_price: object
    currency: str
    erp_price: object
    unit_of_measure: str
    effective_start: object
    effective_end: object
    tier: str


def sku_prices(sku: Sku, availabilities: list[Availability]) -> dict[int, list[PriceLine]]:
    """Current price sheet lines per availability (by market, currency and term); one query."""
    markets = {a.country for a in availabilities}
    if not markets:
        return {}
    now = timezone.now()
    entries = list(
        PriceSheetEntry.objects.filter(
            market__in=markets,
            product_id=sku.product.product_id.upper(),
            sku_id=sku.sku_id.upper(),
            is_current=True,
        )
        .filter(Q(effective_end__isnull=True) | Q(effective_end__gt=now))
        .order_by("term_duration", "billing_plan", "tier_min", "-effective_start")
    )
    out: dict[int, list[PriceLine]] = {}
    for a in availabilities:
        terms = {t for t in a.term_durations.split("|") if t}
        lines = []
        for e in entries:
            if e.market != a.country or (a.currency and e.currency != a.currency):
                continue
            if terms and e.term_duration and e.term_duration not in terms:
                continue
            if e.effective_start and e.effective_start > now:
                continue
            tier = ""
            if e.tier_min is not None or e.tier_max is not None:
                tier = f"{e.tier_min or 0:g} to {e.tier_max or 'no limit'}"
            lines.append(
                PriceLine(
                    term_duration=e.term_duration,
                    billing_plan=e.billing_plan,
                    unit_price=e.unit_price,
                    currency=e.currency,
                    erp_price=e.erp_price,
                    unit_of_measure=e.unit_of_measure,
                    effective_start=e.effective_start,
                    effective_end=e.effective_end,
                    tier=tier,
                )
            )
        out[a.pk] = lines
    return out


def availability_price(availability: Availability, *, term_duration: str = "", billing_plan=""):
    """The current partner price of an availability (for carts and review pages) or None.

    Returns a ``PriceLine`` whose ``unit_price`` is a Decimal in ``currency``; None when the price
    sheet has no price for it (never invent one)."""
    lines = sku_prices(availability.sku, [availability]).get(availability.pk, [])
    for line in lines:
        if term_duration and line.term_duration and line.term_duration != term_duration:
            continue
        if billing_plan and line.billing_plan.lower() != billing_plan.lower():
            continue
        if line.unit_price is not None:
            return line
    return None


def inventory_checks_recent(*, sku: Sku, customer=None, limit: int = 5) -> list[InventoryCheck]:
    qs = InventoryCheck.objects.filter(sku=sku).select_related("customer", "requested_by")
    if customer is not None:
        qs = qs.filter(customer=customer)
    return list(qs.order_by("-requested_at")[:limit])


PREREQUISITE_TEXT = {
    "inventorycheck": (
        _("Inventory check"),
        _(
            "Partner Center must confirm capacity for the customer's subscription and region; "
            "run the check below. The cart accepts the SKU only with a passing check for the same "
            "subscription and region."
        ),
    ),
    "azuresubscriptionregistration": (
        _("Azure subscription registration"),
        _(
            "The customer's Azure subscription must be registered for reservations "
            "(Customers > the customer > Register subscription) before checkout."
        ),
    ),
    "microsoftcloudagreement": (
        _("Microsoft Cloud Agreement"),
        _("The customer must have accepted the Microsoft Cloud Agreement."),
    ),
    "microsoftcustomeragreement": (
        _("Microsoft Customer Agreement"),
        _("The customer must have accepted the Microsoft Customer Agreement."),
    ),
}
PROVISIONING_TEXT = {
    "scope": (_("Scope"), _("Shared or single-subscription scope of the reservation.")),
    "subscriptionid": (
        _("Azure subscription"),
        _("The customer's Azure subscription to apply it to."),
    ),
    "duration": (_("Term"), _("The reservation term (from the availability's terms).")),
    "region": (_("Region"), _("The Azure region.")),
}


def sku_requirements(sku: Sku) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(purchase prerequisites, provisioning context) explained for a salesperson."""
    prereqs = [
        PREREQUISITE_TEXT.get(str(p).lower(), (str(p), _("Required by Partner Center.")))
        for p in sku.prerequisites or []
    ]
    provisioning = [
        PROVISIONING_TEXT.get(str(v).lower(), (str(v), _("Asked for when adding to a cart.")))
        for v in sku.provisioning_variables or []
    ]
    return prereqs, provisioning


def price_sheet_markets() -> list[str]:
    """Markets whose price sheets the portal keeps: active customers' countries and the countries
    of the synced catalog."""
    markets = set(Customer.objects.filter(is_active=True).values_list("country", flat=True))
    markets |= set(Availability.objects.values_list("country", flat=True).distinct())
    return sorted({m.upper() for m in markets if m})


# Partner Center's price-sheet views, as the price sheets page names them.
PRICE_SHEET_VIEW_LABELS = {
    "azure_reservations": _("Azure reservations"),
    "software": _("Software"),
    "updatedlicensebased": _("License-based (new commerce)"),
}


def price_sheet_overview(views: list[str]) -> list[dict]:
    """One row per market in use x price-sheet view: current prices and that sheet's sync state."""
    counts = {
        (row["market"], row["view"]): row["n"]
        for row in PriceSheetEntry.objects.filter(is_current=True)
        .values("market", "view")
        .annotate(n=Count("id"))
    }
    states = {s.kind: s for s in SyncState.objects.filter(kind__startswith="pricesheet:")}
    return [
        {
            "market": market,
            "view": view,
            "view_label": PRICE_SHEET_VIEW_LABELS.get(view, view),
            "prices": counts.get((market, view), 0),
            "state": states.get(f"pricesheet:{market}:{view}"),
        }
        for market in sorted(set(price_sheet_markets()) | {m for m, _ in counts})
        for view in views
    ]
