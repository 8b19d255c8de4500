"""Shared shapes: links (partner-center.md §1.5), item types, currency."""

from __future__ import annotations

from typing import Any

from ._base import Model, many, model, parse_str


@model
class LinkHeader(Model):
    key: str | None = None
    value: str | None = None


@model
class Link(Model):
    """A relative link (no ``/v1``); ``headers`` may carry ``MS-ContinuationToken``."""

    uri: str | None = None
    method: str | None = None
    headers: list[LinkHeader] = many()

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (case-insensitive), if present."""
        for h in self.headers:
            if (h.key or "").lower() == name.lower():
                return h.value
        return None


@model
class ItemType(Model):
    id: str | None = None
    display_name: str | None = None
    sub_type: ItemType | None = None


@model
class CurrencyInfo(Model):
    code: str | None = None
    symbol: str | None = None


def parse_currency(value: Any, field: str) -> CurrencyInfo:
    """``defaultCurrency`` is an object in examples and a string in the resource table."""
    if isinstance(value, dict):
        return CurrencyInfo.from_json(value)
    return CurrencyInfo(code=parse_str(value, field), raw={"code": value})
