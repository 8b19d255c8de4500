"""Helpers shared by the sandbox modules: errors, links, collections, ids, dates, request parsing."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import request

SOURCE = "PartnerFD"
ID_ALPHABET = "0123456789BCDFGHJKLMNPQRSTVWXZ"  # Partner Center ids avoid vowels
NAMESPACE = uuid.UUID("5b1e7f3a-6a8d-4c1e-9d2b-3f0a4c6e8b10")


class ApiError(Exception):
    """A Partner Center error response: HTTP status plus the standard ``{code, description}`` body."""

    def __init__(self, status: int, code: int, description: str, data: list | None = None):
        super().__init__(description)
        self.status, self.code, self.description, self.data = status, code, description, data or []

    def body(self) -> dict:
        return {
            "code": self.code,
            "description": self.description,
            "data": self.data,
            "source": SOURCE,
        }


def not_found(code: int, description: str) -> ApiError:
    return ApiError(404, code, description)


def bad_request(code: int, description: str, data: list | None = None) -> ApiError:
    return ApiError(400, code, description, data)


def link(uri: str, method: str = "GET", headers: list | None = None) -> dict:
    return {"uri": uri, "method": method, "headers": headers or []}


def collection(items: list, self_uri: str, **extra: Any) -> dict:
    """The standard Collection envelope (partner-center.md §1.6); ``totalCount`` counts this
    page's items."""
    out: dict[str, Any] = {
        "totalCount": len(items),
        "items": items,
        "links": {"self": link(self_uri)},
    }
    next_link = extra.pop("next", None)
    if next_link:
        out["links"]["next"] = next_link
    out.update(extra)
    out["attributes"] = {"objectType": "Collection"}
    return out


def iso(ts: float | None) -> str:
    """Format an epoch timestamp like Partner Center: UTC, 7 fractional digits, ``Z``."""
    if ts is None:
        return "0001-01-01T00:00:00"
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}0Z"


def iso_day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT00:00:00Z")


_NAMESPACE_BYTES = NAMESPACE.bytes
_VARIANT = "89ab89ab89ab89ab"  # RFC 4122 variant: (nibble & 0x3) | 0x8, indexed by the nibble


def stable_uuid(*parts: object) -> str:
    """``str(uuid.uuid5(NAMESPACE, "|".join(parts)))``, formatted from the SHA-1 digest directly
    (the generated invoice makes millions of them)."""
    h = hashlib.sha1(_NAMESPACE_BYTES + "|".join(map(str, parts)).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{_VARIANT[int(h[16], 16)]}{h[17:20]}-{h[20:32]}"


def pc_id(*parts: object, length: int = 12) -> str:
    """A deterministic Partner Center style id (e.g. 12-char product/availability ids)."""
    digest = int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest(), "big")
    chars = []
    for _ in range(length):
        digest, rem = divmod(digest, len(ID_ALPHABET))
        chars.append(ID_ALPHABET[rem])
    return "".join(chars)


def new_order_id() -> tuple[str, str]:
    """A modern-commerce order id (33 chars ending in ``1``) and its 12-hex alternate id."""
    raw = base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes[:8]).decode()
    return raw[:32].replace("=", "x") + "1", uuid.uuid4().hex[:12]


def norm(value: Any) -> str:
    """Normalise an enum value for comparison: case-insensitive, ``_``/``-``/spaces ignored."""
    return str(value or "").lower().replace("_", "").replace("-", "").replace(" ", "")


BILLING_CYCLES = {
    norm(v): v
    for v in ("monthly", "annual", "one_time", "none", "triennial", "biennial", "unknown")
}


def billing_cycle(value: Any) -> str | None:
    """Canonical snake-case BillingCycleType for any accepted spelling (``OneTime``, ``onetime``...)."""
    return BILLING_CYCLES.get(norm(value))


def ci(obj: Any) -> Any:
    """A copy of a JSON value whose object keys are lower-cased, for case-insensitive reading."""
    if isinstance(obj, dict):
        return {str(k).lower(): ci(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [ci(v) for v in obj]
    return obj


def ci_get(mapping: dict, name: str, default: Any = None) -> Any:
    """``mapping[name]`` with the key compared case-insensitively (values keep their casing)."""
    lname = name.lower()
    return next((v for k, v in mapping.items() if str(k).lower() == lname), default)


def camel_keys(mapping: dict) -> dict:
    """Emit a string map with camelCase keys (``SubscriptionId`` -> ``subscriptionId``)."""
    return {(k[:1].lower() + k[1:]): v for k, v in mapping.items()}


def json_body(required: bool = True) -> Any:
    """The request body parsed as JSON; 400/800002 when it is not JSON."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise bad_request(800002, "Invalid request input: the request body is empty.")
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise bad_request(
            800002, f"Invalid request input: the body is not valid JSON ({exc})."
        ) from exc


def arg(name: str, default: str | None = None) -> str | None:
    """A query parameter read case-insensitively (``targetView`` == ``targetview``)."""
    lname = name.lower()
    for key, value in request.args.items():
        if key.lower() == lname:
            return value
    return default


def seek_token(scope: str, offset: int) -> str:
    """An opaque continuation token (contains ``,`` ``/`` ``=`` like the real ones)."""
    payload = base64.b64encode(f"{scope}|{offset}".encode()).decode()
    return f"{stable_uuid('seek', scope)},{payload},{offset:x}"


def read_seek_token(scope: str) -> int:
    """Offset of the page asked for: 0 without ``seekOperation=Next``, else from the token header."""
    if norm(arg("seekOperation")) != "next":
        return 0
    token = request.headers.get("MS-ContinuationToken", "")
    try:
        _, payload, _ = token.split(",")
        got_scope, offset = base64.b64decode(payload).decode().rsplit("|", 1)
        if got_scope == scope and int(offset) >= 0:
            return int(offset)
    except ValueError:
        pass
    raise bad_request(
        800002, "Invalid request input: the MS-ContinuationToken header is missing or invalid."
    )


def seek_next_link(uri: str, token: str) -> dict:
    sep = "&" if "?" in uri else "?"
    return link(
        f"{uri}{sep}seekOperation=Next", headers=[{"key": "MS-ContinuationToken", "value": token}]
    )


def page_size(default: int, maximum: int) -> int:
    raw = arg("size")
    try:
        size = int(raw) if raw is not None else default
    except ValueError as exc:
        raise bad_request(800002, f"Invalid request input: size '{raw}' is not a number.") from exc
    if size < 1:
        raise bad_request(800002, "Invalid request input: size must be positive.")
    return min(size, maximum)
