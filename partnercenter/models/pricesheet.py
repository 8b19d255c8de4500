"""Price sheet rows (CSV; see docs/partnercenter-interface.md "Price sheet")."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from ._base import parse_datetime, parse_decimal

_US_DATE = re.compile(
    r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))? ?([AP]M)?)?$", re.I
)


def parse_sheet_date(value: str | None, field_name: str = "PriceSheetRow.date") -> datetime | None:
    """``M/D/YYYY h:mm:ss AM|PM`` (UTC) or ISO 8601; None when empty."""
    if not value:
        return None
    match = _US_DATE.match(value.strip())
    if not match:
        return parse_datetime(value, field_name)
    month, day, year, hour, minute, second, half = match.groups()
    h = int(hour or 0)
    if half:
        h = h % 12 + (12 if half.upper() == "PM" else 0)
    return datetime(
        int(year), int(month), int(day), h, int(minute or 0), int(second or 0), tzinfo=UTC
    )


@dataclass(frozen=True, kw_only=True)
class PriceSheetRow:
    product_title: str = ""
    product_id: str = ""
    sku_id: str = ""
    sku_title: str = ""
    publisher: str = ""
    sku_description: str = ""
    unit_of_measure: str = ""
    term_duration: str = ""
    billing_plan: str = ""
    market: str = ""
    currency: str = ""
    unit_price: Decimal | None = None
    tier_min: Decimal | None = None
    tier_max: Decimal | None = None
    effective_start: datetime | None = None
    effective_end: datetime | None = None
    tags: str = ""
    erp_price: Decimal | None = None
    raw: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_csv(cls, row: dict[str, str]) -> PriceSheetRow:
        def text(name: str) -> str:
            return (row.get(name) or "").strip()

        def money(name: str) -> Decimal | None:
            return parse_decimal(text(name) or None, f"PriceSheetRow.{name}")

        return cls(
            product_title=text("ProductTitle"),
            product_id=text("ProductId"),
            sku_id=text("SkuId"),
            sku_title=text("SkuTitle"),
            publisher=text("Publisher"),
            sku_description=text("SkuDescription"),
            unit_of_measure=text("UnitOfMeasure"),
            term_duration=text("TermDuration"),
            billing_plan=text("BillingPlan"),
            market=text("Market"),
            currency=text("Currency"),
            unit_price=money("UnitPrice"),
            tier_min=money("PricingTierRangeMin"),
            tier_max=money("PricingTierRangeMax"),
            effective_start=parse_sheet_date(text("EffectiveStartDate")),
            effective_end=parse_sheet_date(text("EffectiveEndDate")),
            tags=text("Tags"),
            erp_price=money("ERP Price"),
            raw=dict(row),
        )


def _clean_header(name: str) -> str:
    # Docs samples end the header with a typographic quote ("Tags“); strip such debris and BOMs.
    return name.strip().strip('\ufeff\u201c\u201d"').strip()


def iter_price_sheet(chunks: Iterable[bytes]) -> Iterator[PriceSheetRow]:
    """Parse a streamed CSV price sheet (bytes chunks) row by row."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()

    def lines() -> Iterator[str]:
        pending = ""
        for chunk in chunks:
            pending += decoder.decode(chunk)
            *complete, pending = pending.split("\n")
            for line in complete:
                yield line + "\n"
        pending += decoder.decode(b"", final=True)
        if pending:
            yield pending

    reader = csv.reader(lines())
    header: list[str] | None = None
    for record in reader:
        if not record or all(not cell.strip() for cell in record):
            continue
        if header is None:
            header = [_clean_header(h) for h in record]
            continue
        values = [cell.strip("\u201c\u201d") for cell in record]
        yield PriceSheetRow.from_csv(dict(zip(header, values, strict=False)))
