"""URL path helpers of the Partner Center client."""

from __future__ import annotations

from urllib.parse import quote


def _seg(value: str) -> str:
    """One path segment, escaped."""
    return quote(str(value), safe="")
