"""Catalog sync, availabilities: the bulk upsert of those read, and the scope's vanished ones."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from catalog.models import Availability, Product, Sku
from catalog.services._common import content_hash
from catalog.services._sync_shared import SyncResult, _public, _text_list, _upsert

AVAILABILITY_UPDATE_FIELDS = [
    "sku", "availability_id", "segment", "reservation_scope", "currency", "currency_symbol",
    "terms", "term_durations", "is_purchasable", "is_renewable", "is_available", "raw",
    "content_hash", "last_seen_at",
]  # fmt: skip


def _existing_availabilities(country: str, cids: list[str]) -> dict[str, dict]:
    existing = {}
    for i in range(0, len(cids), 900):
        rows = Availability.objects.filter(country=country, catalog_item_id__in=cids[i : i + 900])
        for row in rows.values("pk", "catalog_item_id", "content_hash", "is_available"):
            existing[row["catalog_item_id"]] = row
    return existing


def _upsert_availabilities(batch, sku_pk, result, seen: set[int], now) -> None:
    """Write new or changed availabilities read in this batch; adds their pks to ``seen``."""
    avail_docs = {
        a.get("catalogItemId") or f"{pid}:{s.get('id')}:{a.get('id')}": (pid, s.get("id"), a)
        for pid, skus in batch
        for s, avails in skus
        for a in avails or []
    }
    existing = _existing_availabilities(result.country, list(avail_docs))
    rows = []
    for cid, (pid, sid, a) in avail_docs.items():
        doc = {k: v for k, v in _public(a).items() if k not in ("product", "sku")}
        digest = content_hash(doc)
        old = existing.get(cid)
        if old:
            seen.add(old["pk"])
            if old["content_hash"] == digest and old["is_available"]:
                continue
        if (pid, sid) in sku_pk:  # else its SKU was skipped (reported above)
            rows.append(_availability_row(sku_pk[(pid, sid)], cid, doc, result.country, now))
            rows[-1].content_hash = digest
    rows = _upsert(
        Availability, rows, result, "a catalog availability", ["country", "catalog_item_id"],
        AVAILABILITY_UPDATE_FIELDS,
    )  # fmt: skip
    new_cids = [r.catalog_item_id for r in rows if r.catalog_item_id not in existing]
    for i in range(0, len(new_cids), 900):
        seen.update(
            Availability.objects.filter(
                country=result.country, catalog_item_id__in=new_cids[i : i + 900]
            ).values_list("pk", flat=True)
        )
    result.availabilities += len(avail_docs)


def _availability_row(sku_pk: int, cid: str, doc: dict, country: str, now) -> Availability:
    currency = doc.get("defaultCurrency") or {}
    terms = doc.get("terms") or []
    return Availability(
        sku_id=sku_pk,
        availability_id=str(doc.get("id") or ""),
        catalog_item_id=cid,
        country=(doc.get("country") or country).upper(),
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
        first_seen_at=now,
        last_seen_at=now,
    )


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
    vanished = _set_available(Availability, gone, False)
    result.gone += vanished
    result.written += vanished
    # A SKU / product is available while some market still offers it (nothing to write when
    # unchanged: the rows to flip are looked up first).
    live_avail = Availability.objects.filter(sku=OuterRef("pk"), is_available=True)
    skus = Sku.objects.filter(product__in=scope_products)
    live_sku = Sku.objects.filter(product=OuterRef("pk"), is_available=True)
    for model, rows, live in ((Sku, skus, live_avail), (Product, scope_products, live_sku)):
        dead = rows.filter(is_available=True).exclude(Exists(live)).values_list("pk", flat=True)
        result.written += _set_available(model, list(dead), False)
        back = rows.filter(is_available=False).filter(Exists(live)).values_list("pk", flat=True)
        result.written += _set_available(model, list(back), True)


def _set_available(model, pks: list[int], value: bool) -> int:
    changed = 0
    for i in range(0, len(pks), 500):
        changed += model.objects.filter(pk__in=pks[i : i + 500]).update(is_available=value)
    return changed
