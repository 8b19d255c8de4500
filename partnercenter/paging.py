"""Lazy iteration over collection pages (partner-center.md §1.6, §1.7).

Index paging and standard collections follow ``links.next``; seek paging also sends the
``MS-ContinuationToken`` carried in ``links.next.headers`` (or the top-level ``continuationToken``),
always as a header, never in the URL. Only one page is held in memory at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import InvalidResponse
from .http import Transport, new_id
from .models.common import Link

T = TypeVar("T")

CONTINUATION_HEADER = "MS-ContinuationToken"


@dataclass(frozen=True)
class Page:
    """One collection response: raw items plus where to go next."""

    items: list[Any]
    next_uri: str | None
    continuation_token: str | None
    raw: dict[str, Any]


def read_json(response: Any, what: str, ids: Mapping[str, str] | None = None) -> Any:
    """The JSON body, or InvalidResponse naming the call's ids."""
    ids = ids or {}
    try:
        return response.json()
    except ValueError:
        raise InvalidResponse(
            f"Partner Center returned something that is not JSON for {what}",
            status=response.status_code,
            request_id=response.request.headers.get("MS-RequestId") if response.request else None,
            correlation_id=response.request.headers.get("MS-CorrelationId")
            if response.request
            else None,
        ) from None


def parse_page(body: Any, what: str) -> Page:
    """Read the collection envelope."""
    if not isinstance(body, dict) or not isinstance(body.get("items", []), list):
        raise InvalidResponse(
            f"Partner Center returned an unexpected shape for {what} (no items list)"
        )
    links = body.get("links") or {}
    if not isinstance(links, dict):
        raise InvalidResponse(
            f"Partner Center returned an unexpected shape for {what} (links is not an object)"
        )
    next_link = Link.from_json(links["next"]) if isinstance(links.get("next"), dict) else None
    token = (
        (next_link.header(CONTINUATION_HEADER) if next_link else None)
        or body.get("continuationToken")
        or None
    )
    next_uri = next_link.uri if next_link and next_link.uri else None
    if next_uri is None:
        token = None
    return Page(
        items=body.get("items") or [], next_uri=next_uri, continuation_token=token, raw=body
    )


def iter_pages(
    transport: Transport,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    user: bool = False,
    correlation_id: str | None = None,
    what: str = "a list",
) -> Iterator[Page]:
    """Yield pages until ``links.next`` is absent; each page is its own call (new request id)."""
    correlation_id = correlation_id or new_id()
    seen: set[tuple[str, str | None]] = set()
    while True:
        response = transport.request(
            "GET", path, params=params, headers=headers, user=user, correlation_id=correlation_id
        )
        page = parse_page(read_json(response, what), what)
        yield page
        if not page.next_uri:
            return
        key = (page.next_uri, page.continuation_token)
        if key in seen:
            raise InvalidResponse(f"Partner Center returned the same next link twice for {what}")
        seen.add(key)
        path, params = page.next_uri, None
        headers = (
            {CONTINUATION_HEADER: page.continuation_token} if page.continuation_token else None
        )


def iter_items(pages: Iterator[Page], parse: Callable[[Any], T]) -> Iterator[T]:
    """Flatten pages into parsed items."""
    for page in pages:
        for item in page.items:
            yield parse(item)
