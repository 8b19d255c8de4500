"""Drift registry: values the client did not expect, reported once each.

Parsing never fails on an unknown enum value or an unparseable date; the raw value is kept and
``note(field, value)`` logs it once per (field, value). ``report()`` lists what was seen.
"""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger("partnercenter.drift")

_lock = threading.Lock()
_seen: dict[tuple[str, str], int] = {}


def note(field: str, value: object) -> None:
    """Record an unexpected ``value`` for ``field``; logs a warning the first time only."""
    key = (field, str(value))
    with _lock:
        count = _seen.get(key, 0)
        _seen[key] = count + 1
    if count == 0:
        logger.warning("Partner Center sent an unknown value %r for %s", key[1], field)


def report() -> dict[tuple[str, str], int]:
    """Every (field, value) seen so far with the number of times."""
    with _lock:
        return dict(_seen)


def reset() -> None:
    """Forget everything (tests)."""
    with _lock:
        _seen.clear()
