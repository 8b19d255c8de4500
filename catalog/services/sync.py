"""Market catalog sync: products, SKUs and availabilities of a country, upserted in bulk.

No transaction is held open across a Partner Center call: pages of Partner Center data are fetched
first, then upserted in short bulk statements.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Availability, Product, Sku
from catalog.services._common import content_hash
from catalog.services._sync_shared import (
    CatalogSyncError,
    SyncResult,
    _Listing,
    _Mirrored,
    _public,
    _split_views,
    _text_list,
    _upsert,
    _views_text,
)
from catalog.services.sync_availability import _mark_vanished, _upsert_availabilities
from partnercenter.errors import InvalidResponse, PartnerCenterError
from partnercenter.models import Sku as PCSku
from portal.partner_center.client import get_client
from portal.shared import progress
from portal.shared.errors import PortalError, pc_error_message

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
    full: bool = False,
) -> SyncResult:
    """Mirror the catalog of ``country`` for the target views (and segment) into the database.

    Idempotent and incremental: rows are upserted by Partner Center ids only when their content hash
    changed; availabilities of the synced scope that Partner Center no longer lists are marked
    unavailable (never deleted). Progress (products done / total) goes to ``portal.shared.progress``.

    Products and SKUs are always read. The availabilities of a SKU (one Partner Center call per SKU
    and scope: most of a sync's time) are read when the SKU is new or changed, when the mirror has
    none of them in this market, with ``full=True``, and for every SKU once the last run that read
    them all is ``CATALOG_AVAILABILITY_REFRESH_HOURS`` old. Checkout reads the availability it buys
    again, so a reissued id is caught there meanwhile.
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
    full = full or _availabilities_due(kind)
    client = client or get_client()
    workers = workers or settings.CATALOG_SYNC_WORKERS
    result = SyncResult(country=country, target_views=views, segment=segment)
    started = time.monotonic()
    progress.sync_begin(
        kind=kind, message=_("Listing products of %(country)s") % {"country": country}
    )
    try:
        catalog_sync_run(client, result, views, workers, kind, on_progress, reuse=not full)
    except Exception as exc:
        error = _sync_failed(kind, country, exc)
        if error is exc:
            raise
        raise error from exc
    result.seconds = time.monotonic() - started
    progress.sync_succeed(kind=kind, message=result.summary())
    if full:
        progress.sync_succeed(kind=kind + AVAILABILITIES_KIND_SUFFIX, message=result.summary())
    return result


# The run that last read every availability of a sync kind: this kind with this suffix.
AVAILABILITIES_KIND_SUFFIX = ":all-availabilities"


def _availabilities_due(kind: str) -> bool:
    """True when no run of ``kind`` read every availability in the last refresh period."""
    state = progress.sync_state(kind + AVAILABILITIES_KIND_SUFFIX)
    if state is None or state.last_success_at is None:
        return True
    age = timezone.now() - state.last_success_at
    return age >= timedelta(hours=settings.CATALOG_AVAILABILITY_REFRESH_HOURS)


def _sync_failed(kind: str, country: str, exc: Exception) -> Exception:
    """Record the failure; a Partner Center error becomes a ``CatalogSyncError`` to show."""
    message = _("Catalog sync of %(country)s failed: %(error)s") % {
        "country": country,
        "error": pc_error_message(
            exc, _("reading the catalog of %(country)s") % {"country": country}
        )
        if isinstance(exc, PartnerCenterError)
        else exc,
    }
    progress.sync_fail(kind=kind, error=message)
    return CatalogSyncError(message) if isinstance(exc, PartnerCenterError) else exc


def _list_products(client, country: str, segment: str | None, views: list[str]) -> _Listing:
    listing = _Listing()
    for view in views:
        scopes = [None, AZURE_PLAN_SCOPE] if view.startswith(RESERVATION_VIEW_PREFIX) else [None]
        for scope in scopes:
            for product in client.list_products(
                country, view, target_segment=segment, reservation_scope=scope
            ):
                pid = product.id
                if pid not in listing.products:
                    listing.products[pid] = {"doc": product.raw, "view": view}
                if view not in listing.views.setdefault(pid, []):
                    listing.views[pid].append(view)
                if scope:
                    listing.plan_products.add(pid)
    return listing


def _load_mirrored(country: str, segment: str | None) -> _Mirrored:
    mirrored = _Mirrored()
    for pid, sid, digest in Sku.objects.values_list(
        "product__product_id", "sku_id", "content_hash"
    ):
        mirrored.sku_hash[(pid, sid)] = digest
    offered = Availability.objects.filter(country=country, is_available=True)
    if segment:
        offered = offered.filter(segment=segment)
    rows = offered.values_list("sku__product__product_id", "sku__sku_id", "pk")
    for pid, sid, pk in rows.iterator(chunk_size=5000):
        mirrored.offered.setdefault((pid, sid), []).append(pk)
    return mirrored


def _sku_hash(doc: dict, product_title: str) -> str:
    return content_hash([_public(doc), product_title])


def _fetch_product(client, pid: str, listing: _Listing, result, mirrored: _Mirrored | None):
    """The product's SKUs with their availabilities: ``(pid, [(sku, availabilities)])``, where
    availabilities is None for an unchanged SKU whose mirrored ones are kept (``mirrored``)."""
    # Only the JSON is stored: raw items skip the client's models (one call per SKU).
    # Raw items are checked for the ids the mirror keys on (InvalidResponse otherwise).
    country, segment = result.country, result.segment
    out = []
    scopes = [None, AZURE_PLAN_SCOPE] if pid in listing.plan_products else [None]
    for sku in client.list_skus(pid, country, target_segment=segment, raw=True):
        PCSku.check_required(sku)
        key = (pid, sku["id"])
        if (
            mirrored is not None
            and key in mirrored.offered
            and mirrored.sku_hash.get(key) == _sku_hash(sku, listing.title(pid))
        ):
            out.append((sku, None))
            continue
        avails = []
        for scope in scopes:
            for avail in client.list_availabilities(
                pid, sku["id"], country, target_segment=segment, reservation_scope=scope, raw=True
            ):
                _check_availability(avail)
                if scope:  # the item does not say which catalog it came from
                    avail.setdefault("reservationScope", scope)
                avails.append(avail)
        out.append((sku, avails))
    return pid, out


def catalog_sync_run(
    client, result: SyncResult, views, workers, kind, on_progress, mark_vanished: bool = True,
    reuse: bool = False,
) -> set[int]:  # fmt: skip
    """Fetch and upsert; returns the pks of every availability seen. ``mark_vanished=False`` for
    a customer's catalog, which may be narrower than its market's. ``reuse``: keep the mirrored
    availabilities of unchanged SKUs instead of reading them again."""
    listing = _list_products(client, result.country, result.segment, views)
    total = len(listing.products)
    _report(kind, on_progress, 0, total, start=True, result=result)
    mirrored = _load_mirrored(result.country, result.segment) if reuse else None
    seen: set[int] = set()
    now = timezone.now()
    done, batch, batch_skus = 0, [], 0
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        fetched = pool.map(
            lambda pid: _fetch_product(client, pid, listing, result, mirrored),
            list(listing.products),
        )
        for pid, skus in fetched:
            batch.append((pid, skus))
            batch_skus += len(skus)
            done += 1
            if batch_skus >= BATCH_SKUS or done == total:
                _upsert_batch(batch, listing, result, seen, now, mirrored)
                batch, batch_skus = [], 0
                _report(kind, on_progress, done, total, result=result)
    if batch:
        _upsert_batch(batch, listing, result, seen, now, mirrored)
    result.products = total
    if mark_vanished:
        _mark_vanished(result, views, seen)
    return seen


def _report(kind, on_progress, done: int, total: int, *, result: SyncResult, start=False) -> None:
    if start:
        n = {"n": total}
        message = ngettext("%(n)d product to sync", "%(n)d products to sync", total) % n
        progress.sync_progress(kind=kind, done=0, total=total, message=message)
        if on_progress:
            on_progress(0, total, ngettext("%(n)d product", "%(n)d products", total) % n)
        return
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


def _check_availability(doc: dict) -> None:
    """A raw availability needs its id (the mirror keys on catalogItemId or product:sku:id)."""
    value = doc.get("id")
    if not isinstance(value, str) or not value.strip():
        raise InvalidResponse(
            f"Partner Center returned an availability without a valid id ({str(value)[:60]!r})"
        )


def _upsert_batch(batch, listing: _Listing, result, seen, now, mirrored=None) -> None:
    """Upsert a batch of fetched products: products, then SKUs, then availabilities."""
    pids = [pid for pid, _ in batch]
    product_pk = _upsert_products(pids, listing, result, now)
    sku_pk = _upsert_skus(batch, listing, product_pk, result, now)
    _upsert_availabilities(batch, sku_pk, result, seen, now)
    if mirrored is not None:  # availabilities not read again: still offered
        for pid, skus in batch:
            for sku, avails in skus:
                if avails is None:
                    kept = mirrored.offered.get((pid, sku.get("id")), [])
                    seen.update(kept)
                    result.availabilities += len(kept)


PRODUCT_UPDATE_FIELDS = [
    "title", "description", "product_type", "product_subtype", "target_view", "target_views",
    "publisher", "is_microsoft_product", "is_available", "raw", "content_hash", "last_seen_at",
]  # fmt: skip
SKU_UPDATE_FIELDS = [
    "title", "product_title", "description", "min_quantity", "max_quantity", "is_trial",
    "billing_cycles",
    "prerequisites", "inventory_variables", "provisioning_variables", "dynamic_attributes",
    "consumption_type", "billing_cycles_text", "prerequisites_text", "search_text", "raw",
    "content_hash", "last_seen_at",
]  # fmt: skip


def _upsert_products(pids, listing: _Listing, result, now) -> dict[str, int]:
    """Write new or changed products; returns product id -> pk for the batch."""
    existing = {
        row["product_id"]: row
        for row in Product.objects.filter(product_id__in=pids).values(
            "pk", "product_id", "content_hash", "target_views", "is_available"
        )
    }
    rows = []
    for pid in pids:
        old = existing.get(pid)
        views = set(listing.views.get(pid, [])) | set(
            _split_views(old["target_views"] if old else "")
        )
        views_text = _views_text(views)
        doc = _public(listing.products[pid]["doc"])
        digest = content_hash([doc, views_text])
        if not (old and old["content_hash"] == digest):
            rows.append(_product_row(pid, doc, listing.products[pid]["view"], views_text, now))
            rows[-1].content_hash = digest
    _upsert(Product, rows, result, "a catalog product", ["product_id"], PRODUCT_UPDATE_FIELDS)
    return dict(Product.objects.filter(product_id__in=pids).values_list("product_id", "pk"))


def _product_row(pid: str, doc: dict, first_view: str, views_text: str, now) -> Product:
    ptype = doc.get("productType") or {}
    subtype = ptype.get("subType") or {}
    return Product(
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
        first_seen_at=now,
        last_seen_at=now,
    )


def _upsert_skus(batch, listing: _Listing, product_pk, result, now) -> dict[tuple[str, str], int]:
    """Write new or changed SKUs; returns (product id, SKU id) -> pk for the batch."""
    sku_docs = {(pid, s.get("id")): s for pid, skus in batch for s, _ in skus}
    existing = {
        (pid, sid): digest
        for pid, sid, digest in Sku.objects.filter(product_id__in=product_pk.values()).values_list(
            "product__product_id", "sku_id", "content_hash"
        )
    }
    rows = []
    for (pid, sid), s in sku_docs.items():
        digest = _sku_hash(s, listing.title(pid))
        if existing.get((pid, sid)) == digest or pid not in product_pk:
            continue  # unchanged, or its product was skipped (reported above)
        rows.append(_sku_row(product_pk[pid], sid, _public(s), listing.title(pid), digest, now))
    _upsert(Sku, rows, result, "a catalog SKU", ["product", "sku_id"], SKU_UPDATE_FIELDS)
    result.skus += len(sku_docs)
    return {
        (pid, sid): pk
        for pid, sid, pk in Sku.objects.filter(product_id__in=product_pk.values()).values_list(
            "product__product_id", "sku_id", "pk"
        )
    }


def _sku_row(product_pk: int, sid: str, doc: dict, product_title: str, digest: str, now) -> Sku:
    title = doc.get("title") or sid
    description = doc.get("description") or ""
    cycles = [str(c) for c in doc.get("supportedBillingCycles") or []]
    prereqs = [str(p) for p in doc.get("purchasePrerequisites") or []]
    return Sku(
        product_id=product_pk,
        sku_id=sid,
        title=title,
        product_title=product_title,
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
        search_text=" ".join([product_title, title, description]).lower(),
        is_available=True,
        raw=doc,
        content_hash=digest,
        first_seen_at=now,
        last_seen_at=now,
    )
