"""Base class and value parsers for the resource dataclasses.

``Model.from_json`` maps camelCase JSON keys onto snake_case fields and converts each value according
to the field's annotation: ``Decimal`` (numbers or strings), aware UTC ``datetime`` (``Z``, offsets,
7-digit fractions, naive = UTC, ``0001-01-01`` = None), ``int``/``bool`` (strings accepted), enums
(case/underscore-insensitive; unknown values kept as ``str`` and reported to ``partnercenter.drift``),
nested models, lists and dicts. Unknown keys are ignored; the whole object stays in ``raw``.

Fields declared with ``required()`` (or ``json_field(..., required=True)``) are the ids the portal
keys on: a record without one, or with one that is not a non-empty string, raises
``InvalidResponse`` naming the resource and the JSON key (never a record with ``None``).
``Model.check_required(data)`` applies the same check to a raw JSON object, for lean readers.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Union

from .. import drift
from ..errors import InvalidResponse

_DT_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


class PCEnum(enum.StrEnum):
    """A documented enum; lookup ignores case and underscores (``OneTime`` == ``one_time``)."""

    @classmethod
    def parse(cls, value: Any, field: str) -> PCEnum | str | None:
        if value is None or value == "":
            return None
        text = str(value)
        key = _norm(text)
        for member in cls:
            if _norm(member.value) == key:
                return member
        drift.note(field, text)
        return text


def _norm(text: str) -> str:
    return text.replace("_", "").replace("-", "").replace(" ", "").lower()


def parse_decimal(value: Any, field: str = "value") -> Decimal | None:
    """Decimal from a JSON number or string; None for null/empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidResponse(f"{field} is not a number: {value!r}")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidResponse(f"{field} is not a number: {value!r}") from None


def parse_datetime(value: Any, field: str = "value") -> datetime | None:
    """Aware UTC datetime; None for null/empty/``0001-01-01``; unparseable values noted as drift."""
    if value is None or value == "":
        return None
    match = _DT_RE.match(str(value).strip())
    if not match:
        drift.note(f"{field} (unparseable date)", value)
        return None
    day, clock, fraction, zone = match.groups()
    if day == "0001-01-01":
        return None
    text = f"{day}T{clock or '00:00'}"
    if clock and clock.count(":") == 1:
        text += ":00"
    if fraction:
        text += "." + fraction[:6].ljust(6, "0")
    if zone and zone.upper() != "Z":
        text += zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        drift.note(f"{field} (unparseable date)", value)
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_int(value: Any, field: str = "value") -> int | None:
    """int from a JSON number or numeric string."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidResponse(f"{field} is not an integer: {value!r}") from None
    if number != number.to_integral_value():
        raise InvalidResponse(f"{field} is not an integer: {value!r}")
    return int(number)


def parse_bool(value: Any, field: str = "value") -> bool | None:
    """bool from JSON true/false or the strings ``true``/``false``."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise InvalidResponse(f"{field} is not a boolean: {value!r}")


def parse_str(value: Any, field: str = "value") -> str | None:
    """str for scalars (numbers become their text); None for null."""
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise InvalidResponse(f"{field} is not a string: {value!r}")
    return str(value)


def parse_id(value: Any, field: str = "value") -> str:
    """A required id: a non-empty JSON string (numbers, objects, blanks are refused)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidResponse(f"{field} is not a valid id: {str(value)[:60]!r}")
    return value


def raw_field() -> Any:
    """The ``raw`` field: the JSON object as received (excluded from repr and equality)."""
    return dataclasses.field(default_factory=dict, repr=False, compare=False)


model = dataclasses.dataclass(frozen=True, kw_only=True)
"""Decorator for resource classes: frozen, keyword-only dataclasses."""


@model
class Model:
    """Base of every resource dataclass: ``from_json(data)`` plus the ``raw`` JSON object."""

    raw: dict[str, Any] = raw_field()

    @classmethod
    def resource_name(cls) -> str:
        """``OneTimeInvoiceLineItem`` -> ``one time invoice line item`` (for messages)."""
        return re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__).lower()

    @classmethod
    def check_required(cls, data: Any) -> None:
        """Raise ``InvalidResponse`` unless ``data`` is a JSON object holding every required id
        (the check ``from_json`` makes, without converting anything else)."""
        if not isinstance(data, dict):
            raise InvalidResponse(
                f"Expected a JSON object for {cls.__name__}, got {type(data).__name__}"
            )
        for _name, keys in cls._required():
            value = None
            for key in keys:
                if key in data:
                    value = data[key]
                    break
            if value is None or value == "":
                raise InvalidResponse(f"Partner Center returned {cls._a()} without {keys[0]}")
            if not isinstance(value, str) or not value.strip():
                raise InvalidResponse(
                    f"Partner Center returned {cls._a()} whose {keys[0]} is not a valid id "
                    f"({str(value)[:60]!r})"
                )

    @classmethod
    def _a(cls) -> str:
        name = cls.resource_name()
        return f"{'an' if name[:1] in 'aeiou' else 'a'} {name}"

    @classmethod
    def from_json(cls, data: Any) -> typing.Self:
        cls.check_required(data)
        return cls._build(data)

    @classmethod
    def from_embedded_json(cls, data: Any) -> typing.Self:
        """Like ``from_json`` without the required-id check: for a copy embedded in another
        resource as context (e.g. an availability's ``product``), which the portal never keys on."""
        if not isinstance(data, dict):
            raise InvalidResponse(
                f"Expected a JSON object for {cls.__name__}, got {type(data).__name__}"
            )
        return cls._build(data)

    @classmethod
    def _build(cls, data: dict[str, Any]) -> typing.Self:
        kwargs: dict[str, Any] = {}
        for name, keys, convert in cls._converters():
            for key in keys:
                if key in data:
                    value = data[key]
                    if value is not None:
                        kwargs[name] = convert(value, f"{cls.__name__}.{name}")
                    break
        return cls(raw=data, **kwargs)

    @classmethod
    def _required(cls) -> list[tuple[str, tuple[str, ...]]]:
        required = cls.__dict__.get("_required_cache")
        if required is None:
            required = [
                (f.name, tuple(keys))
                for f in dataclasses.fields(cls)
                if f.metadata.get("required")
                for keys in [_keys(f)]
            ]
            type.__setattr__(cls, "_required_cache", required)
        return required

    @classmethod
    def _converters(cls) -> list[tuple[str, tuple[str, ...], Any]]:
        converters = cls.__dict__.get("_converters_cache")
        if converters is None:
            converters = _build_converters(cls)
            type.__setattr__(cls, "_converters_cache", converters)
        return converters

    @classmethod
    def json_keys(cls) -> dict[str, tuple[str, ...]]:
        """Field name -> the JSON keys it is read from (first present wins), for lean readers of
        raw items (e.g. ``iter_invoice_line_item_pages(raw=True)``)."""
        return {name: keys for name, keys, _ in cls._converters()}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _keys(f: dataclasses.Field) -> tuple[str, ...]:
    keys = f.metadata.get("json") or (_camel(f.name),)
    return (keys,) if isinstance(keys, str) else tuple(keys)


def _build_converters(cls: type) -> list[tuple[str, tuple[str, ...], Any]]:
    hints = typing.get_type_hints(cls)
    result = []
    for f in dataclasses.fields(cls):
        if f.name == "raw":
            continue
        keys = _keys(f)
        convert = f.metadata.get("parse") or _converter(hints[f.name])
        result.append((f.name, tuple(keys), convert))
    return result


def _converter(hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        enums = [a for a in args if isinstance(a, type) and issubclass(a, PCEnum)]
        if enums:
            return enums[0].parse
        return _converter(args[0])
    if origin is list:
        (inner,) = typing.get_args(hint)
        item = _converter(inner)

        def convert_list(value: Any, field: str) -> list[Any]:
            if not isinstance(value, list):
                raise InvalidResponse(f"{field} is not a list: {value!r}")
            return [item(v, field) for v in value if v is not None]

        return convert_list
    if origin is dict:
        _, inner = typing.get_args(hint)
        item = _converter(inner)

        def convert_dict(value: Any, field: str) -> dict[str, Any]:
            if not isinstance(value, dict):
                raise InvalidResponse(f"{field} is not an object: {value!r}")
            return {str(k): item(v, f"{field}.{k}") for k, v in value.items() if v is not None}

        return convert_dict
    if hint is Any:
        return lambda value, field: value
    if isinstance(hint, type) and issubclass(hint, PCEnum):
        return hint.parse
    if isinstance(hint, type) and issubclass(hint, Model):
        return lambda value, field: hint.from_json(value)
    simple = {
        str: parse_str,
        int: parse_int,
        bool: parse_bool,
        Decimal: parse_decimal,
        datetime: parse_datetime,
    }
    if hint in simple:
        return simple[hint]
    raise TypeError(f"No converter for {hint!r}")


def json_field(*keys: str, default: Any = None, parse: Any = None, required: bool = False) -> Any:
    """A dataclass field read from explicit JSON ``keys`` (first present wins); ``required``: an
    id the record is refused without (see ``required()``)."""
    metadata: dict[str, Any] = {"json": keys}
    if required:
        metadata["required"] = True
        parse = parse or parse_id
    if parse is not None:
        metadata["parse"] = parse
    if isinstance(default, list | dict):
        factory = type(default)
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def required() -> Any:
    """A required id field (a non-empty string): a record without it raises ``InvalidResponse``
    naming the resource and the key. The type stays ``str | None`` for keyword construction."""
    return dataclasses.field(default=None, metadata={"required": True, "parse": parse_id})


def many() -> Any:
    """A list field defaulting to an empty list."""
    return dataclasses.field(default_factory=list)


def mapping() -> Any:
    """A dict field defaulting to an empty dict."""
    return dataclasses.field(default_factory=dict)
