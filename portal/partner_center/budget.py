"""The partner's Partner Center request budget, shared by all the portal's processes.

Partner Center answers 429 (with ``Retry-After``) once a partner makes more requests than its
budget allows. Several Celery workers each retrying on 429 would keep hitting it; instead every
request of every client waits for a token of one shared bucket (``PARTNER_CENTER_REQUESTS_PER_MINUTE``
on average, ``PARTNER_CENTER_REQUEST_BURST`` at once): in Redis when ``REDIS_URL`` is set (one
bucket for all workers and web processes), else in the process. Tokens are reserved, not polled:
a request that finds the bucket empty is told how long to wait, and waits its turn.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import redis
from django.conf import settings

from partnercenter.http import PartnerCenterSession

KEY = "portal:partner-center:request-budget"

# KEYS[1] bucket; ARGV rate (tokens/s), burst. Reserve one token (the balance may go negative:
# the requests already waiting); return the seconds this request must wait, and count the waits
# (``waits``, ``waited`` seconds: how much the budget held the portal back). Redis's own clock.
RESERVE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], 3600)
if tokens >= 0 then return '0' end
local wait = tostring(-tokens / rate)
redis.call('HINCRBY', KEYS[1], 'waits', 1)
redis.call('HINCRBYFLOAT', KEYS[1], 'waited', wait)
return wait
"""


class RedisBudget:
    def __init__(self, url: str, *, rate: float, burst: int, key: str = KEY):
        self.rate, self.burst, self.key = rate, burst, key
        self._redis = redis.Redis.from_url(url)
        self._reserve = self._redis.register_script(RESERVE)

    def reserve(self) -> float:
        """Seconds to wait before this request may go."""
        return float(self._reserve(keys=[self.key], args=[self.rate, self.burst]))

    def waits(self) -> tuple[int, float]:
        """(requests that had to wait for a token, seconds they waited in all) of every process
        sharing the bucket, within the last hour of use."""
        waits, waited = self._redis.hmget(self.key, "waits", "waited")
        return int(waits or 0), float(waited or 0.0)


class LocalBudget:
    def __init__(self, *, rate: float, burst: int):
        self.rate, self.burst = rate, burst
        self._lock = threading.Lock()
        self._tokens, self._at = float(burst), time.monotonic()

    def reserve(self) -> float:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate) - 1
            self._at = now
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate


class BudgetedSession(PartnerCenterSession):
    """The client's session, each request (retries included) first waiting for a token."""

    def __init__(self, budget, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__()
        self.budget, self._sleep = budget, sleep

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any):
        wait = self.budget.reserve()
        if wait > 0:
            self._sleep(wait)
        return super().request(method, url, *args, **kwargs)


@lru_cache(maxsize=4)
def _budget(redis_url: str, per_minute: int, burst: int):
    rate = per_minute / 60
    if redis_url:
        return RedisBudget(redis_url, rate=rate, burst=burst)
    return LocalBudget(rate=rate, burst=burst)


def budgeted_session() -> BudgetedSession | None:
    """A session paced by the shared budget, or None when no budget is set."""
    if not settings.PARTNER_CENTER_REQUESTS_PER_MINUTE:
        return None
    budget = _budget(
        settings.REDIS_URL,
        settings.PARTNER_CENTER_REQUESTS_PER_MINUTE,
        settings.PARTNER_CENTER_REQUEST_BURST,
    )
    return BudgetedSession(budget)
