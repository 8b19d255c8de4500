"""Markets: currencies, tax rates, exchange rates and where software subscriptions are unavailable."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class Market(NamedTuple):
    currency: str
    symbol: str
    tax_rate: Decimal  # applied to invoice lines
    usd_rate: Decimal  # pricing currency USD -> billing currency


MARKETS: dict[str, Market] = {
    "US": Market("USD", "$", Decimal("0.0725"), Decimal("1")),
    "CA": Market("CAD", "$", Decimal("0.13"), Decimal("1.3612")),
    "TW": Market("TWD", "NT$", Decimal("0.05"), Decimal("32.215")),
    "BR": Market("BRL", "R$", Decimal("0.0925"), Decimal("5.4310")),
    "GB": Market("GBP", "£", Decimal("0.20"), Decimal("0.7921")),
    "DE": Market("EUR", "€", Decimal("0.19"), Decimal("0.9215")),
    "FR": Market("EUR", "€", Decimal("0.20"), Decimal("0.9215")),
    "NL": Market("EUR", "€", Decimal("0.21"), Decimal("0.9215")),
    "CH": Market("CHF", "CHF", Decimal("0.081"), Decimal("0.8810")),
    "JP": Market("JPY", "¥", Decimal("0.10"), Decimal("151.42")),
    "AU": Market("AUD", "$", Decimal("0.10"), Decimal("1.5237")),
    "IN": Market("INR", "₹", Decimal("0.18"), Decimal("83.37")),
}
DEFAULT_MARKET = MARKETS["US"]

# Markets where software subscriptions are not offered (partner-center.md §3; the same ISO codes as
# catalog/data/unavailable-markets.csv, which the portal reads).
SOFTWARE_SUBSCRIPTIONS_UNAVAILABLE = frozenset(
    [
        "AX",
        "AS",
        "AD",
        "AI",
        "AQ",
        "AG",
        "AW",
        "BJ",
        "BT",
        "BQ",
        "BV",
        "BR",
        "IO",
        "VG",
        "BF",
        "BI",
        "KH",
        "CF",
        "TD",
        "CN",
        "CX",
        "CC",
        "KM",
        "CG",
        "CD",
        "CK",
        "DJ",
        "DM",
        "GQ",
        "ER",
        "FK",
        "GF",
        "PF",
        "TF",
        "GA",
        "GM",
        "GI",
        "GL",
        "GD",
        "GP",
        "GU",
        "GG",
        "GN",
        "GW",
        "GY",
        "HT",
        "HM",
        "IM",
        "SJ",
        "JE",
        "KI",
        "XK",
        "LA",
        "LS",
        "LR",
        "MG",
        "MW",
        "MV",
        "ML",
        "MH",
        "MQ",
        "MR",
        "YT",
        "FM",
        "MS",
        "MZ",
        "MM",
        "NR",
        "NC",
        "NE",
        "NU",
        "NF",
        "MP",
        "PW",
        "PG",
        "PN",
        "RE",
        "RU",
        "BL",
        "LC",
        "MF",
        "PM",
        "VC",
        "WS",
        "SM",
        "ST",
        "SC",
        "SL",
        "SX",
        "SB",
        "SO",
        "GS",
        "SS",
        "SH",
        "SR",
        "SZ",
        "TL",
        "TG",
        "TK",
        "TO",
        "TC",
        "TV",
        "UM",
        "VU",
        "VA",
        "WF",
        "YE",
    ]
)


def market(country: str | None) -> Market:
    return MARKETS.get((country or "").upper(), DEFAULT_MARKET)


def currency_symbol(code: str) -> str:
    return next((m.symbol for m in MARKETS.values() if m.currency == code), code)
