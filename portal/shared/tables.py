"""List-page helpers shared by every table: sorting, paging and streamed CSV export."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.http import StreamingHttpResponse

DEFAULT_PAGE_SIZE = 50
PAGE_SIZES = (25, 50, 100, 200)


@dataclass(frozen=True)
class Sort:
    key: str  # what the page shows in the URL, e.g. "-date"
    field: str  # the ORM ordering it maps to

    @property
    def descending(self) -> bool:
        return self.key.startswith("-")


def parse_sort(params, allowed: dict[str, str], default: str) -> Sort:
    """Map ``?sort=`` (optionally prefixed with ``-``) to an ORM field; unknown keys fall back."""
    raw = (params.get("sort") or default).strip()
    name = raw.lstrip("-")
    if name not in allowed:
        raw, name = default, default.lstrip("-")
    prefix = "-" if raw.startswith("-") else ""
    return Sort(key=raw, field=f"{prefix}{allowed[name]}")


def page_size(params, default: int | None = None) -> int:
    """``?per_page=`` when it is one of ``PAGE_SIZES``, else ``default`` (or the usual size)."""
    size = default or DEFAULT_PAGE_SIZE
    try:
        requested = int(params.get("per_page", size))
        if requested in PAGE_SIZES:
            size = requested
    except (TypeError, ValueError):
        pass
    return size


def paginate(params, queryset, *, per_page: int | None = None) -> Page:
    """Page of ``queryset``; a bad or out-of-range ``?page=`` shows the nearest valid page."""
    return Paginator(queryset, page_size(params, per_page)).get_page(params.get("page"))


# A spreadsheet runs a cell that starts with one of these as a formula (or, for tab and carriage
# return, after it strips them): customer, product and subscription names come from Partner
# Center and people type notes, so such text is written with a leading apostrophe.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def csv_cell(value):
    """One CSV cell: None -> "", text that a spreadsheet would run as a formula -> '-prefixed."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        if _PLAIN_NUMBER.match(value):
            return value  # "-5.00" is a number, not a formula
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    """Stream a CSV download row by row, so exports of any size use flat memory. Every cell goes
    through ``csv_cell`` (formula-leading text neutralised)."""
    writer = csv.writer(_Echo())
    header = [str(cell) for cell in header]  # translated now, in the request's language

    def generate():
        yield "\ufeff"  # BOM so spreadsheet tools read UTF-8
        yield writer.writerow([csv_cell(cell) for cell in header])
        for row in rows:
            yield writer.writerow([csv_cell(cell) for cell in row])

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
