"""Per-cloud defaults (partner-center.md §1.1); every value can be overridden on the Client."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cloud:
    api_url: str
    authority_host: str
    resource: str
    pricing_url: str


CLOUDS = {
    "public": Cloud(
        api_url="https://api.partnercenter.microsoft.com",
        authority_host="https://login.microsoftonline.com",
        resource="https://api.partnercenter.microsoft.com",
        pricing_url="https://api.partner.microsoft.com",
    ),
    # Same API host per every documented source; only the token authority differs
    # (partner-center.md §1.1, §9).
    "usgov": Cloud(
        api_url="https://api.partnercenter.microsoft.com",
        authority_host="https://login.microsoftonline.us",
        resource="https://api.partnercenter.microsoft.com",
        pricing_url="https://api.partner.microsoft.com",
    ),
}

PRICING_RESOURCE = "https://api.partner.microsoft.com"
