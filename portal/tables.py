"""List-page helpers shared by every table: sorting, paging and streamed CSV export."""

from __future__ import annotations

import csv
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


def paginate(params, queryset, *, per_page: int | None = None) -> Page:
    """Page of ``queryset``; a bad or out-of-range ``?page=`` shows the nearest valid page."""
    size = per_page or DEFAULT_PAGE_SIZE
    try:
        requested = int(params.get("per_page", size))
        if requested in PAGE_SIZES:
            size = requested
    except (TypeError, ValueError):
        pass
    return Paginator(queryset, size).get_page(params.get("page"))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence]
) -> StreamingHttpResponse:
    """Stream a CSV download row by row, so exports of any size use flat memory."""
    writer = csv.writer(_Echo())

    def generate():
        yield "\ufeff"  # BOM so spreadsheet tools read UTF-8
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(["" if cell is None else cell for cell in row])

    response = StreamingHttpResponse(generate(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
