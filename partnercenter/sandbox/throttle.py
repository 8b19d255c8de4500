"""Partner Center's request budget, modelled: the partner may make ``request_budget_rate``
requests per second on average, ``request_budget_burst`` at once; beyond that a request is
answered 429 with ``Retry-After`` (whole seconds until a request would be allowed), before it is
processed. 0 (the default) means no budget."""

from __future__ import annotations

import math
import threading
import time


class RequestBudget:
    """A token bucket: ``burst`` tokens, refilled at ``rate`` per second."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokens: float | None = None
        self._at = time.monotonic()

    def take(self, rate: float, burst: int) -> float:
        """0 when the request may go ahead (a token is taken), else the seconds to wait."""
        with self._lock:
            now = time.monotonic()
            tokens = burst if self._tokens is None else self._tokens
            tokens = min(float(burst), tokens + (now - self._at) * rate)
            self._at = now
            if tokens >= 1:
                self._tokens = tokens - 1
                return 0.0
            self._tokens = tokens
            return (1 - tokens) / rate

    def reset(self) -> None:
        with self._lock:
            self._tokens = None


def retry_after(wait: float) -> str:
    """The ``Retry-After`` header for a wait: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))
