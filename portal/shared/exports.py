"""CSV exports of list pages: one list of columns per table, written through
``portal.shared.tables.csv_response``.

A page's export uses the headers it shows (``Column.header``) and the rows of the same filtered,
sorted query, so what a user downloads is what they were looking at, without paging.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone

from portal.shared.tables import csv_response


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]


def wants_csv(request) -> bool:
    return request.GET.get("format") == "csv"


def cell_time(value: datetime | None) -> str:
    """An aware time as ISO 8601 UTC (spreadsheets sort it; the page shows local time)."""
    return value.astimezone(UTC).isoformat() if value else ""


def cell_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date()
    return value.isoformat()


def export_csv(name: str, columns: Sequence[Column], rows: Iterable[Any]) -> StreamingHttpResponse:
    """Stream ``rows`` as ``<name>-<UTC time>.csv`` with one cell per column."""
    filename = f"{name}-{timezone.now():%Y%m%d-%H%M}.csv"
    header = [c.header for c in columns]
    return csv_response(filename, header, ([c.value(row) for c in columns] for row in rows))
