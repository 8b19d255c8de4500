"""Price sheet sync: one sheet per market x view, streamed; unchanged rows are not written."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import PriceSheetEntry
from catalog.selectors import price_sheet_markets
from catalog.services._common import content_hash
from partnercenter.errors import PartnerCenterError
from portal.partner_center.client import get_client
from portal.shared import progress
from portal.shared.audit import audit_record
from portal.shared.errors import PortalError, pc_error
from portal.shared.mirror_fit import fit_all
from portal.shared.sync_counts import SyncCounts

PRICE_SHEET_VIEWS = ["azure_reservations", "software", "updatedlicensebased"]


@dataclass(kw_only=True)
class PriceSheetResult(SyncCounts):
    """One market and view: ``rows`` read, ``written`` stored, ``gone`` no longer in the sheet."""

    market: str
    view: str
    rows: int = 0
    written: int = 0
    seconds: float = 0.0

    def lead(self) -> str:
        return _(
            "%(market)s %(view)s: %(prices)s, %(written)s, %(retired)s, in %(seconds).1f s"
        ) % {
            "market": self.market,
            "view": self.view,
            "prices": ngettext("%(n)d price", "%(n)d prices", self.rows) % {"n": self.rows},
            "written": ngettext("%(n)d written", "%(n)d written", self.written)
            % {"n": self.written},
            "retired": ngettext(
                "%(n)d no longer in the sheet", "%(n)d no longer in the sheet", self.gone
            )
            % {"n": self.gone},
            "seconds": self.seconds,
        }


def _price_key(market: str, view: str, row) -> str:
    return content_hash(
        [
            market, view, row.product_id.upper(), row.sku_id.upper(), row.term_duration,
            row.billing_plan, row.currency, row.tier_min,
            row.effective_start.isoformat() if row.effective_start else "",
        ]
    )  # fmt: skip


def price_sheet_sync(
    *, market: str, view: str, month: str | None = None, client=None
) -> PriceSheetResult:
    """Mirror one price sheet (market x view), streamed; unchanged rows are not written."""
    market = market.upper()
    kind = f"pricesheet:{market}:{view}"
    client = client or get_client()
    result = PriceSheetResult(market=market, view=view)
    started = time.monotonic()
    progress.sync_begin(
        kind=kind,
        message=_("Downloading the %(view)s price sheet of %(market)s")
        % {"view": view, "market": market},
    )
    seen: set[str] = set()
    try:
        batch = []
        for row in client.get_price_sheet(market, view, month=month):
            batch.append(row)
            if len(batch) >= 1000:
                _price_upsert(batch, market, view, result, seen)
                batch = []
                progress.sync_progress(kind=kind, done=result.rows)
        if batch:
            _price_upsert(batch, market, view, result, seen)
    except PartnerCenterError as exc:
        doing = _("downloading the %(view)s price sheet of %(market)s") % {
            "market": market,
            "view": view,
        }
        error = pc_error(exc, doing=doing)
        progress.sync_fail(kind=kind, error=error.message)
        raise error from exc
    if month is None:
        current = PriceSheetEntry.objects.filter(market=market, view=view, is_current=True)
        gone = [k for k in current.values_list("row_key", flat=True).iterator() if k not in seen]
        for i in range(0, len(gone), 500):
            result.gone += PriceSheetEntry.objects.filter(row_key__in=gone[i : i + 500]).update(
                is_current=False
            )
        result.written += result.gone
    result.seconds = time.monotonic() - started
    progress.sync_succeed(kind=kind, message=result.summary())
    return result


def _price_upsert(rows, market, view, result, seen) -> None:
    now = timezone.now()
    entries = {}
    for row in rows:
        key = _price_key(market, view, row)
        values = dict(
            market=market,
            view=view,
            product_id=row.product_id.upper(),
            sku_id=row.sku_id.upper(),
            product_title=row.product_title,
            sku_title=row.sku_title,
            unit_of_measure=row.unit_of_measure,
            term_duration=row.term_duration,
            billing_plan=row.billing_plan,
            currency=(row.currency or "").upper(),
            unit_price=row.unit_price,
            erp_price=row.erp_price,
            tier_min=row.tier_min,
            tier_max=row.tier_max,
            effective_start=row.effective_start,
            effective_end=row.effective_end,
            tags=row.tags,
        )
        entries[key] = (values, content_hash(values))
        seen.add(key)
    existing = dict(
        PriceSheetEntry.objects.filter(row_key__in=list(entries)).values_list(
            "row_key", "content_hash"
        )
    )
    current = set(
        PriceSheetEntry.objects.filter(row_key__in=list(entries), is_current=True).values_list(
            "row_key", flat=True
        )
    )
    changed = [
        PriceSheetEntry(row_key=k, content_hash=h, is_current=True, synced_at=now, **v)
        for k, (v, h) in entries.items()
        if existing.get(k) != h or k not in current
    ]
    changed, problems = fit_all(changed, what="a price sheet row")
    result.skipped += problems
    if changed:
        PriceSheetEntry.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["row_key"],
            update_fields=[
                *entries[changed[0].row_key][0],
                "content_hash",
                "is_current",
                "synced_at",
            ],
        )
    result.rows += len(entries)
    result.written += len(changed)


PRICE_SHEETS_KIND = "pricesheets"  # progress of a whole run (one step per market x view)
# Not translated: the task's claim recognises a queued run by this exact message.
PRICE_SHEETS_QUEUED = "Queued, waiting for a worker; price sheets synced"
PRICE_SHEETS_STALE_AFTER = timedelta(minutes=10)  # a run without heartbeat this long is dead


def price_sheet_sync_markets(*, markets: Iterable[str] | None = None, views=None) -> list:
    """Price sheets of the markets in use (customers' countries, else synced catalog countries).

    Progress of the whole run is kept under ``PRICE_SHEETS_KIND``; each sheet also keeps its own.
    Raises ``PortalError`` on the first sheet that cannot be downloaded (recorded as the run's
    error)."""
    if markets is None:
        markets = price_sheet_markets()
    sheets = [
        (market, view)
        for market in sorted({m.upper() for m in markets if m})
        for view in views or PRICE_SHEET_VIEWS
    ]
    progress.sync_begin(kind=PRICE_SHEETS_KIND, total=len(sheets), message=_("Price sheets"))
    results = []
    try:
        for done, (market, view) in enumerate(sheets):
            progress.sync_progress(
                kind=PRICE_SHEETS_KIND,
                done=done,
                message=_("Price sheet %(market)s %(view)s") % {"market": market, "view": view},
            )
            results.append(price_sheet_sync(market=market, view=view))
    except PortalError as exc:
        progress.sync_fail(kind=PRICE_SHEETS_KIND, error=str(exc))
        raise
    rows = sum(r.rows for r in results)
    progress.sync_succeed(
        kind=PRICE_SHEETS_KIND,
        message=_("%(sheets)s, %(prices)s")
        % {
            "sheets": ngettext("%(n)d price sheet", "%(n)d price sheets", len(results))
            % {"n": len(results)},
            "prices": ngettext("%(n)d price", "%(n)d prices", rows) % {"n": rows},
        },
    )
    return results


def price_sheet_sync_request(*, actor) -> bool:
    """Mark a price-sheet run as queued (pages poll its progress) unless one is already running;
    the caller queues the task. Returns False when a run is in progress."""
    now = timezone.now()
    state = progress.sync_state(PRICE_SHEETS_KIND)
    if (
        state is not None
        and state.running
        and state.heartbeat_at
        and state.heartbeat_at > now - PRICE_SHEETS_STALE_AFTER
    ):
        return False
    progress.sync_begin(
        kind=PRICE_SHEETS_KIND,
        total=len(price_sheet_markets()) * len(PRICE_SHEET_VIEWS),
        message=PRICE_SHEETS_QUEUED,
    )
    audit_record(
        actor=actor,
        action="catalog.price_sheets_requested",
        summary="Price sheet sync of the markets in use requested",
    )
    return True
