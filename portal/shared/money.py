"""Money: a Decimal amount with its ISO 4217 currency code.

Amounts are ``Decimal`` everywhere; they are quantized only when displayed or exported, to the
currency's own ISO 4217 decimals (CLDR, through Babel: JPY 0, USD 2, BHD and KWD 3).
Adding or comparing amounts of different currencies raises ``CurrencyMismatch``.
Display follows the active language's locale (symbol, separators); exports use ``quantized()``
(plain dot decimal).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision
from django.conf import settings
from django.utils import translation

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
        """The amount rounded (half up) to the currency's ISO 4217 decimals."""
        places = get_currency_precision(self.currency)
        return self.amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

    def format(self, locale: str | None = None) -> str:
        """Human form in ``locale`` (default: the active language's), e.g. ``$1,234.50 USD``
        in English, ``US$1,234.50 USD`` in Traditional Chinese; the ISO code is always shown."""
        text = format_currency(
            self.quantized(), self.currency, locale=_babel_locale(locale), currency_digits=True
        )
        return text if self.currency in text else f"{text} {self.currency}"

    def __str__(self) -> str:
        return self.format()

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)


def babel_locale_name(language: str | None = None) -> str:
    """Babel's name for a Django language code (``zh-hant`` -> ``zh_Hant``); the active one by
    default."""
    return translation.to_locale(language or translation.get_language() or settings.LANGUAGE_CODE)


@lru_cache(maxsize=32)
def _parsed_locale(name: str) -> Locale:
    return Locale.parse(name)


def _babel_locale(name: str | None) -> Locale:
    return _parsed_locale(name or babel_locale_name())


def sum_by_currency(items: list[Money]) -> dict[str, Money]:
    """Total a list of amounts per currency; never sums across currencies."""
    totals: dict[str, Money] = {}
    for item in items:
        totals[item.currency] = totals.get(item.currency, Money.zero(item.currency)) + item
    return totals
