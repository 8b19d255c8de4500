"""Market catalog sync: products, SKUs and availabilities of a country, upserted in bulk.

No transaction is held open across a Partner Center call: pages of Partner Center data are fetched
first, then upserted in short bulk statements.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Availability, Product, Sku
from catalog.services._common import content_hash
from partnercenter.models import Sku as PCSku
from portal.partner_center.client import get_client
from portal.shared import progress
from portal.shared.errors import PartnerCenterUnavailable, PortalError
from portal.shared.mirror_fit import fit_all

log = logging.getLogger(__name__)

# Target views synced by default: each Azure reservation family, then the software views. A product
# listed in several views is fetched once per run (the first, most specific view wins).
DEFAULT_TARGET_VIEWS = [
    "AzureReservationsVM",
    "AzureReservationsSQL",
    "AzureReservationsCosmosDb",
    "AzureReservations",
    "SoftwarePerpetual",
    "SoftwareSubscriptions",
    "SoftwareSUSELinux",
    "Software",
]
# Reservation items for Azure plans are a catalog of their own (``reservationScope=AzurePlan``);
# without the parameter Partner Center lists the items for MS-AZR-0145P subscriptions.
AZURE_PLAN_SCOPE = "AzurePlan"
RESERVATION_VIEW_PREFIX = "AzureReservations"
BATCH_SKUS = 2000  # SKUs fetched before a bulk upsert


def _public(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("links", "attributes")}


def _views_text(views: Iterable[str]) -> str:
    views = sorted({v for v in views if v})
    return f"|{'|'.join(views)}|" if views else ""


def _split_views(text: str) -> list[str]:
    return [v for v in (text or "").split("|") if v]


def _text_list(values: Iterable[Any]) -> str:
    values = [str(v) for v in values if v]
    return f"|{'|'.join(values)}|" if values else ""


class CatalogSyncError(PartnerCenterUnavailable):
    code = "catalog_sync"


@dataclass
class SyncResult:
    country: str
    target_views: list[str]
    segment: str | None
    products: int = 0
    skus: int = 0
    availabilities: int = 0
    written: int = 0  # catalog rows inserted or updated (0 on an unchanged catalog)
    vanished: int = 0  # availabilities marked unavailable
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = _(
            "%(products)s, %(skus)s, %(availabilities)s; %(written)s, %(vanished)s "
            "in %(seconds).1f s"
        ) % {
            "products": ngettext("%(n)d product", "%(n)d products", self.products)
            % {"n": self.products},
            "skus": ngettext("%(n)d SKU", "%(n)d SKUs", self.skus) % {"n": self.skus},
            "availabilities": ngettext(
                "%(n)d availability", "%(n)d availabilities", self.availabilities
            )
            % {"n": self.availabilities},
            "written": ngettext("%(n)d row written", "%(n)d rows written", self.written)
            % {"n": self.written},
            "vanished": ngettext(
                "%(n)d marked unavailable", "%(n)d marked unavailable", self.vanished
            )
            % {"n": self.vanished},
            "seconds": self.seconds,
        }
        if self.errors:
            text += ngettext(
                "; %(n)d skipped: %(first)s", "; %(n)d skipped: %(first)s", len(self.errors)
            ) % {"n": len(self.errors), "first": self.errors[0]}
        return text


def catalog_sync_kind(country: str, target_view: str | None = None, segment: str | None = None):
    parts = ["catalog", country.upper()]
    if target_view:
        parts.append(target_view)
    if segment:
        parts.append(segment.lower())
    return ":".join(parts)


# -- catalog sync --------------------------------------------------------------------------------
def catalog_sync(
    *,
    country: str,
    target_views: list[str] | None = None,
    segment: str | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    workers: int | None = None,
    client=None,
) -> SyncResult:
    """Mirror the catalog of ``country`` for the target views (and segment) into the database.

    Idempotent and incremental: rows are upserted by Partner Center ids only when their content hash
    changed; availabilities of the synced scope that Partner Center no longer lists are marked
    unavailable (never deleted). Progress (products done / total) goes to ``portal.shared.progress``.
    """
    country = (country or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise PortalError(
            _("'%(country)s' is not a two-letter ISO country code (e.g. US).")
            % {"country": country}
        )
    views = list(target_views or DEFAULT_TARGET_VIEWS)
    segment = segment.lower() if segment else None
    kind = catalog_sync_kind(country, views[0] if len(views) == 1 else None, segment)
    client = client or get_client()
    workers = workers or settings.CATALOG_SYNC_WORKERS
    result = SyncResult(country=country, target_views=views, segment=segment)
    started = time.monotonic()
    progress.sync_begin(
        kind=kind, message=_("Listing products of %(country)s") % {"country": country}
    )
    try:
        catalog_sync_run(client, result, views, workers, kind, on_progress)
    except Exception as exc:
        from partnercenter.errors import PartnerCenterError

        if isinstance(exc, PartnerCenterError):
            message = _("Catalog sync of %(country)s failed: %(error)s") % {
                "country": country,
                "error": exc,
            }
            progress.sync_fail(kind=kind, error=message)
            raise CatalogSyncError(message) from exc
        progress.sync_fail(
            kind=kind,
            error=_("Catalog sync of %(country)s failed: %(error)s")
            % {"country": country, "error": exc},
        )
        raise
    result.seconds = time.monotonic() - started
    progress.sync_succeed(kind=kind, message=result.summary())
    return result


def catalog_sync_run(
    client, result: SyncResult, views, workers, kind, on_progress, mark_vanished: bool = True
) -> set[int]:
    """Fetch and upsert; returns the pks of every availability seen. ``mark_vanished=False`` for
    a customer's catalog, which may be narrower than its market's."""
    country, segment = result.country, result.segment
    products: dict[str, dict] = {}
    product_views: dict[str, list[str]] = {}
    plan_products: set[str] = set()  # products with an Azure plan reservation catalog too
    for view in views:
        scopes = [None, AZURE_PLAN_SCOPE] if view.startswith(RESERVATION_VIEW_PREFIX) else [None]
        for scope in scopes:
            for product in client.list_products(
                country, view, target_segment=segment, reservation_scope=scope
            ):
                pid = product.id
                if pid not in products:
                    products[pid] = {"doc": product.raw, "view": view}
                if view not in product_views.setdefault(pid, []):
                    product_views[pid].append(view)
                if scope:
                    plan_products.add(pid)
    total = len(products)
    progress.sync_progress(
        kind=kind,
        done=0,
        total=total,
        message=ngettext("%(n)d product to sync", "%(n)d products to sync", total) % {"n": total},
    )
    if on_progress:
        on_progress(0, total, ngettext("%(n)d product", "%(n)d products", total) % {"n": total})

    seen_availability_ids: set[int] = set()
    now = timezone.now()

    def fetch(pid: str) -> tuple[str, list[tuple[dict, list[dict]]]]:
        # Only the JSON is stored: raw items skip the client's models (one call per SKU).
        # Raw items are checked for the ids the mirror keys on (InvalidResponse otherwise).
        out = []
        scopes = [None, AZURE_PLAN_SCOPE] if pid in plan_products else [None]
        for sku in client.list_skus(pid, country, target_segment=segment, raw=True):
            PCSku.check_required(sku)
            avails = []
            for scope in scopes:
                for avail in client.list_availabilities(
                    pid, sku["id"], country, target_segment=segment, reservation_scope=scope,
                    raw=True,
                ):  # fmt: skip
                    _check_availability(avail)
                    if scope:  # the item does not say which catalog it came from
                        avail.setdefault("reservationScope", scope)
                    avails.append(avail)
            out.append((sku, avails))
        return pid, out

    done = 0
    batch: list[tuple[str, list]] = []
    batch_skus = 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for pid, skus in pool.map(fetch, list(products)):
            batch.append((pid, skus))
            batch_skus += len(skus)
            done += 1
            if batch_skus >= BATCH_SKUS or done == total:
                _upsert_batch(batch, products, product_views, result, seen_availability_ids, now)
                batch, batch_skus = [], 0
                message = _("%(skus)s, %(availabilities)s") % {
                    "skus": ngettext("%(n)d SKU", "%(n)d SKUs", result.skus) % {"n": result.skus},
                    "availabilities": ngettext(
                        "%(n)d availability", "%(n)d availabilities", result.availabilities
                    )
                    % {"n": result.availabilities},
                }
                progress.sync_progress(kind=kind, done=done, total=total, message=message)
                if on_progress:
                    on_progress(done, total, message)
    if batch:
        _upsert_batch(batch, products, product_views, result, seen_availability_ids, now)
    result.products = total
    if mark_vanished:
        _mark_vanished(result, views, seen_availability_ids)
    return seen_availability_ids


def _check_availability(doc: dict) -> None:
    """A raw availability needs its id (the mirror keys on catalogItemId or product:sku:id)."""
    from partnercenter.errors import InvalidResponse

    value = doc.get("id")
    if not isinstance(value, str) or not value.strip():
        raise InvalidResponse(
            f"Partner Center returned an availability without a valid id ({str(value)[:60]!r})"
        )


def _upsert_batch(batch, products, product_views, result, seen_availability_ids, now) -> None:
    pids = [pid for pid, _ in batch]
    # Products
    existing = {
        row["product_id"]: row
        for row in Product.objects.filter(product_id__in=pids).values(
            "pk", "product_id", "content_hash", "target_views", "is_available"
        )
    }
    product_rows = []
    for pid in pids:
        doc = _public(products[pid]["doc"])
        old = existing.get(pid)
        views = set(product_views.get(pid, [])) | set(
            _split_views(old["target_views"] if old else "")
        )
        views_text = _views_text(views)
        digest = content_hash([doc, views_text])
        if old and old["content_hash"] == digest:
            continue
        ptype = doc.get("productType") or {}
        subtype = ptype.get("subType") or {}
        first_view = products[pid]["view"]
        product_rows.append(
            Product(
                product_id=pid,
                title=(doc.get("title") or pid),
                description=doc.get("description") or "",
                product_type=(ptype.get("id") or ""),
                product_subtype=(subtype.get("id") or ""),
                target_view=first_view,
                target_views=views_text[:512],
                publisher=(doc.get("publisherName") or ""),
                is_microsoft_product=bool(doc.get("isMicrosoftProduct", True)),
                is_available=True,
                raw=doc,
                content_hash=digest,
                first_seen_at=now,
                last_seen_at=now,
            )
        )
    product_rows, problems = fit_all(product_rows, what="a catalog product")
    result.errors += problems
    if product_rows:
        Product.objects.bulk_create(
            product_rows,
            update_conflicts=True,
            unique_fields=["product_id"],
            update_fields=[
                "title", "description", "product_type", "product_subtype", "target_view",
                "target_views", "publisher", "is_microsoft_product", "is_available", "raw",
                "content_hash", "last_seen_at",
            ],
        )  # fmt: skip
        result.written += len(product_rows)
    product_pk = dict(Product.objects.filter(product_id__in=pids).values_list("product_id", "pk"))
    product_title = {pid: (products[pid]["doc"].get("title") or pid) for pid in pids}

    # SKUs
    sku_docs = {(pid, s.get("id")): s for pid, skus in batch for s, _ in skus}
    existing_skus = {
        (row["product__product_id"], row["sku_id"]): row["content_hash"]
        for row in Sku.objects.filter(product_id__in=product_pk.values()).values(
            "product__product_id", "sku_id", "content_hash"
        )
    }
    sku_rows = []
    for (pid, sid), s in sku_docs.items():
        doc = _public(s)
        digest = content_hash([doc, product_title[pid]])
        if existing_skus.get((pid, sid)) == digest:
            continue
        if pid not in product_pk:
            continue  # its product was skipped (reported above)
        title = doc.get("title") or sid
        description = doc.get("description") or ""
        cycles = [str(c) for c in doc.get("supportedBillingCycles") or []]
        prereqs = [str(p) for p in doc.get("purchasePrerequisites") or []]
        sku_rows.append(
            Sku(
                product_id=product_pk[pid],
                sku_id=sid,
                title=title,
                description=description,
                min_quantity=int(doc.get("minimumQuantity") or 1),
                max_quantity=doc.get("maximumQuantity"),
                is_trial=bool(doc.get("isTrial")),
                billing_cycles=cycles,
                prerequisites=prereqs,
                inventory_variables=doc.get("inventoryVariables") or [],
                provisioning_variables=doc.get("provisioningVariables") or [],
                dynamic_attributes=doc.get("dynamicAttributes") or {},
                consumption_type=(doc.get("consumptionType") or ""),
                billing_cycles_text=_text_list(c.lower() for c in cycles),
                prerequisites_text=_text_list(p.lower() for p in prereqs),
                search_text=" ".join([product_title[pid], title, description]).lower(),
                is_available=True,
                raw=doc,
                content_hash=digest,
                first_seen_at=now,
                last_seen_at=now,
            )
        )
    sku_rows, problems = fit_all(sku_rows, what="a catalog SKU")
    result.errors += problems
    if sku_rows:
        Sku.objects.bulk_create(
            sku_rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["product", "sku_id"],
            update_fields=[
                "title", "description", "min_quantity", "max_quantity", "is_trial",
                "billing_cycles", "prerequisites", "inventory_variables", "provisioning_variables",
                "dynamic_attributes", "consumption_type", "billing_cycles_text",
                "prerequisites_text", "search_text", "raw", "content_hash", "last_seen_at",
            ],
        )  # fmt: skip
        result.written += len(sku_rows)
    result.skus += len(sku_docs)
    sku_pk = {
        (pid, sid): pk
        for pid, sid, pk in Sku.objects.filter(product_id__in=product_pk.values()).values_list(
            "product__product_id", "sku_id", "pk"
        )
    }

    # Availabilities
    avail_docs = {}
    for pid, skus in batch:
        for s, avails in skus:
            for a in avails:
                avail_docs[a.get("catalogItemId") or f"{pid}:{s.get('id')}:{a.get('id')}"] = (
                    pid,
                    s.get("id"),
                    a,
                )
    existing_avail = {}
    cids = list(avail_docs)
    for i in range(0, len(cids), 900):
        chunk = cids[i : i + 900]
        for row in Availability.objects.filter(
            country=result.country, catalog_item_id__in=chunk
        ).values("pk", "catalog_item_id", "content_hash", "is_available"):
            existing_avail[row["catalog_item_id"]] = row
    avail_rows = []
    for cid, (pid, sid, a) in avail_docs.items():
        doc = {k: v for k, v in _public(a).items() if k not in ("product", "sku")}
        digest = content_hash(doc)
        old = existing_avail.get(cid)
        if old:
            seen_availability_ids.add(old["pk"])
            if old["content_hash"] == digest and old["is_available"]:
                continue
        currency = doc.get("defaultCurrency") or {}
        terms = doc.get("terms") or []
        if (pid, sid) not in sku_pk:
            continue  # its SKU was skipped (reported above)
        avail_rows.append(
            Availability(
                sku_id=sku_pk[(pid, sid)],
                availability_id=str(doc.get("id") or ""),
                catalog_item_id=cid,
                country=(doc.get("country") or result.country).upper(),
                segment=str(doc.get("segment") or "").lower(),
                reservation_scope=str(doc.get("reservationScope") or ""),
                currency=currency.get("code") or "",
                currency_symbol=currency.get("symbol") or "",
                terms=terms,
                term_durations=_text_list(t.get("duration") for t in terms),
                is_purchasable=bool(doc.get("isPurchasable", True)),
                is_renewable=bool(doc.get("isRenewable", False)),
                is_available=True,
                raw=doc,
                content_hash=digest,
                first_seen_at=now,
                last_seen_at=now,
            )
        )
    avail_rows, problems = fit_all(avail_rows, what="a catalog availability")
    result.errors += problems
    if avail_rows:
        Availability.objects.bulk_create(
            avail_rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["country", "catalog_item_id"],
            update_fields=[
                "sku", "availability_id", "segment", "reservation_scope", "currency",
                "currency_symbol", "terms", "term_durations", "is_purchasable", "is_renewable",
                "is_available", "raw", "content_hash", "last_seen_at",
            ],
        )  # fmt: skip
        result.written += len(avail_rows)
        new_cids = [
            r.catalog_item_id for r in avail_rows if r.catalog_item_id not in existing_avail
        ]
        for i in range(0, len(new_cids), 900):
            seen_availability_ids.update(
                Availability.objects.filter(
                    country=result.country, catalog_item_id__in=new_cids[i : i + 900]
                ).values_list("pk", flat=True)
            )
    result.availabilities += len(avail_docs)


def _scope_products_q(views: list[str]) -> Q:
    q = Q()
    for view in views:
        q |= Q(target_views__icontains=f"|{view}|")
    return q


def _mark_vanished(result: SyncResult, views: list[str], seen: set[int]) -> None:
    """Availabilities (then SKUs, products) of the synced scope no longer listed: unavailable."""
    scope_products = Product.objects.filter(_scope_products_q(views))
    candidates = Availability.objects.filter(
        country=result.country, is_available=True, sku__product__in=scope_products
    )
    if result.segment:
        candidates = candidates.filter(segment=result.segment)
    gone = [pk for pk in candidates.values_list("pk", flat=True).iterator() if pk not in seen]
    for i in range(0, len(gone), 500):
        result.vanished += Availability.objects.filter(pk__in=gone[i : i + 500]).update(
            is_available=False
        )
    result.written += result.vanished
    # A SKU / product is available while some market still offers it (no-ops when unchanged).
    live_avail = Availability.objects.filter(sku=OuterRef("pk"), is_available=True)
    skus = Sku.objects.filter(product__in=scope_products)
    result.written += (
        skus.filter(is_available=True).exclude(Exists(live_avail)).update(is_available=False)
    )
    result.written += (
        skus.filter(is_available=False).filter(Exists(live_avail)).update(is_available=True)
    )
    live_sku = Sku.objects.filter(product=OuterRef("pk"), is_available=True)
    result.written += (
        scope_products.filter(is_available=True)
        .exclude(Exists(live_sku))
        .update(is_available=False)
    )
    result.written += (
        scope_products.filter(is_available=False).filter(Exists(live_sku)).update(is_available=True)
    )
