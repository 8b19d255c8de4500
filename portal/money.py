"""Money: a Decimal amount with its ISO 4217 currency code.

Amounts are ``Decimal`` everywhere; they are quantized only when displayed or exported.
Adding or comparing amounts of different currencies raises ``CurrencyMismatch``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Decimal places per currency for display; everything else shows two.
_MINOR_UNITS = {"JPY": 0, "KRW": 0, "TWD": 2, "CLP": 0, "VND": 0, "ISK": 0, "HUF": 2}
_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "TWD": "NT$",
    "BRL": "R$",
    "AUD": "A$",
    "CAD": "CA$",
    "CHF": "CHF ",
    "INR": "₹",
}

MONEY_MAX_DIGITS = 20
MONEY_DECIMAL_PLACES = 6


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


def to_decimal(value) -> Decimal:
    """Parse a number given as str/int/Decimal (never float) into a Decimal."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("Money amounts must not be floats; pass a string or Decimal.")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number.") from None


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        code = (self.currency or "").upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError(f"{self.currency!r} is not an ISO 4217 currency code.")
        object.__setattr__(self, "currency", code)

    def _check(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("Money can only be combined with Money.")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"Cannot combine {self.currency} with {other.currency}.")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        return Money(self.amount * to_decimal(factor), self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount < other.amount

    def quantized(self) -> Decimal:
        places = _MINOR_UNITS.get(self.currency, 2)
        return self.amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

    def format(self) -> str:
        """Human form, e.g. ``$1,234.50 USD``; the code is always shown."""
        value = self.quantized()
        sign = "-" if value < 0 else ""
        symbol = _SYMBOLS.get(self.currency, "")
        return f"{sign}{symbol}{abs(value):,} {self.currency}"

    def __str__(self) -> str:
        return self.format()

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)


def sum_by_currency(items: list[Money]) -> dict[str, Money]:
    """Total a list of amounts per currency; never sums across currencies."""
    totals: dict[str, Money] = {}
    for item in items:
        totals[item.currency] = totals.get(item.currency, Money.zero(item.currency)) + item
    return totals
