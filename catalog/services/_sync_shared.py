"""Types and helpers shared by the catalog sync modules (``sync`` and ``sync_availability``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.shared.errors import PartnerCenterUnavailable
from portal.shared.mirror_fit import fit_all
from portal.shared.sync_counts import SyncCounts


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


@dataclass(kw_only=True)
class SyncResult(SyncCounts):
    """A market's catalog: ``gone`` availabilities were marked unavailable; ``written`` counts
    rows inserted or updated (0 on an unchanged catalog), not split into new and changed."""

    country: str
    target_views: list[str]
    segment: str | None
    products: int = 0
    skus: int = 0
    availabilities: int = 0
    written: int = 0
    seconds: float = 0.0

    def lead(self) -> str:
        return _(
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
            "vanished": ngettext("%(n)d marked unavailable", "%(n)d marked unavailable", self.gone)
            % {"n": self.gone},
            "seconds": self.seconds,
        }


@dataclass
class _Listing:
    """What the product lists of the synced views said."""

    products: dict[str, dict] = field(default_factory=dict)  # pid -> {"doc", "view"}
    views: dict[str, list[str]] = field(default_factory=dict)  # pid -> views it was listed in
    plan_products: set[str] = field(default_factory=set)  # with an Azure plan catalog too

    def title(self, pid: str) -> str:
        return self.products[pid]["doc"].get("title") or pid


@dataclass
class _Mirrored:
    """The mirror's SKUs and their available availabilities in the market, loaded once, so that a
    re-sync reads again only the availabilities of new or changed SKUs."""

    sku_hash: dict[tuple[str, str], str] = field(default_factory=dict)
    offered: dict[tuple[str, str], list[int]] = field(default_factory=dict)


def _upsert(model, rows: list, result: SyncResult, what: str, unique_fields, update_fields):
    """Bulk insert-or-update the rows that fit their columns (the others are reported)."""
    rows, problems = fit_all(rows, what=what)
    result.skipped += problems
    if rows:
        model.objects.bulk_create(
            rows, batch_size=500, update_conflicts=True, unique_fields=unique_fields,
            update_fields=update_fields,
        )  # fmt: skip
        result.written += len(rows)
    return rows
