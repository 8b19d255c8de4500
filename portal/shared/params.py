"""The one place query and form parameters are parsed.

``Params(request.GET)`` reads typed values: text (no NUL, bounded length), choices, integers,
object ids, finite bounded decimals, days and months. A bad value is not an exception: it is
recorded in ``errors`` as a sentence the page shows, and read as "not given", so the page renders
as it would without it. ``parse_decimal`` / ``parse_day`` / ``parse_month`` raise ``ParamError``
for code that validates one value (services, forms).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

# Years a date or month filter may name: wide enough for any invoice, narrow enough that the
# start and end of the period (and time zone shifts) stay inside what datetime can hold.
MIN_YEAR, MAX_YEAR = 1900, 2999
MAX_ID = 2**63 - 1  # the largest primary key a bigint column holds
TEXT_MAX = 200
_DAY_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_DECIMAL_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")  # plain notation: no exponent, NaN, Inf


class ParamError(ValueError):
    """A parameter value the portal cannot use; ``str()`` is a sentence for the user."""


def clean_text(raw: str, *, label: str, max_length: int = TEXT_MAX) -> str:
    value = (raw or "").strip()
    if "\x00" in value:
        raise ParamError(f"{label} contains a NUL character; remove it and try again.")
    if len(value) > max_length:
        raise ParamError(f"{label} is too long (at most {max_length} characters).")
    return value


def parse_integer(
    raw: str, *, label: str, minimum: int | None = None, maximum: int | None = None
) -> int:
    value = clean_text(raw, label=label, max_length=30)
    # isdecimal() accepts other scripts' digits; insist on ASCII ones.
    if not (value.lstrip("-").isascii() and value.lstrip("-").isdigit()) or len(value) > 20:
        raise ParamError(f"{label} must be a whole number, not “{value[:30]}”.")
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ParamError(f"{label} must be between {minimum} and {maximum}.")
    return number


def parse_decimal(
    raw, *, label: str, minimum: Decimal, maximum: Decimal, max_places: int = 6
) -> Decimal:
    """A finite decimal in plain notation within [minimum, maximum] with at most
    ``max_places`` decimals (refuses NaN, sNaN, Infinity, exponents like 1e40)."""
    text = raw if isinstance(raw, str) else str(raw)
    value = clean_text(text, label=label, max_length=40)
    if isinstance(raw, Decimal) and raw.is_finite():
        number = raw
    elif not _DECIMAL_RE.match(value):
        raise ParamError(f"{label}: “{value[:30]}” is not a number (write it like 0.01).")
    else:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ParamError(f"{label}: “{value[:30]}” is not a number.") from None
    if not number.is_finite() or not minimum <= number <= maximum:
        raise ParamError(f"{label} must be between {minimum} and {maximum}.")
    if -number.as_tuple().exponent > max_places:
        raise ParamError(f"{label} has more than {max_places} decimals.")
    return number


def _year_ok(year: int, label: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ParamError(f"{label}: the year must be between {MIN_YEAR} and {MAX_YEAR}.")


def parse_day(raw: str, *, label: str) -> date:
    value = clean_text(raw, label=label, max_length=20)
    match = _DAY_RE.match(value)
    if not match:
        raise ParamError(f"{label}: “{value}” is not a date; use YYYY-MM-DD.")
    year, month, day = (int(g) for g in match.groups())
    _year_ok(year, label)
    try:
        return date(year, month, day)
    except ValueError:
        raise ParamError(f"{label}: {value} is not a day of the calendar.") from None


def parse_month(raw: str, *, label: str) -> tuple[datetime, datetime]:
    """``YYYY-MM`` -> [start, end) of that month in UTC."""
    value = clean_text(raw, label=label, max_length=20)
    match = _MONTH_RE.match(value)
    if not match:
        raise ParamError(f"“{value}” is not a period; use YYYY-MM, e.g. 2024-05.")
    year, month = int(match.group(1)), int(match.group(2))
    _year_ok(year, label)
    if not 1 <= month <= 12:
        raise ParamError(f"“{value}” is not a period: the month must be 01 to 12.")
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=UTC)
    return start, end


@dataclass
class Params:
    """Typed reads of a QueryDict; bad values land in ``errors`` and read as not given."""

    data: object
    errors: list[str] = field(default_factory=list)

    def _raw(self, key: str) -> str:
        try:
            value = self.data.get(key)
        except AttributeError:
            return ""
        return value if isinstance(value, str) else ""

    def _read(self, key: str, parse, default=None):
        raw = self._raw(key)
        if not raw.strip():
            return default
        try:
            return parse(raw)
        except ParamError as exc:
            self.errors.append(str(exc))
            return default

    def text(self, key: str, *, label: str = "", max_length: int = TEXT_MAX) -> str:
        return self._read(
            key, lambda r: clean_text(r, label=label or key, max_length=max_length), ""
        )

    def choice(self, key: str, choices, *, default: str = "") -> str:
        """One of ``choices`` (case as given); anything else is ignored silently, like a
        select left on "all"."""
        value = self._raw(key).strip()
        return value if value in choices else default

    def integer(self, key: str, *, label: str = "", minimum=None, maximum=None) -> int | None:
        return self._read(
            key,
            lambda r: parse_integer(r, label=label or key, minimum=minimum, maximum=maximum),
        )

    def object_id(self, key: str, *, label: str = "") -> int | None:
        return self.integer(key, label=label or key, minimum=1, maximum=MAX_ID)

    def decimal(self, key: str, *, label: str = "", minimum: Decimal, maximum: Decimal,
                max_places: int = 6) -> Decimal | None:  # fmt: skip
        return self._read(
            key,
            lambda r: parse_decimal(
                r, label=label or key, minimum=minimum, maximum=maximum, max_places=max_places
            ),
        )

    def day(self, key: str, *, label: str = "") -> date | None:
        return self._read(key, lambda r: parse_day(r, label=label or key))

    def month(self, key: str, *, label: str = "") -> tuple[datetime, datetime] | None:
        return self._read(key, lambda r: parse_month(r, label=label or key))
