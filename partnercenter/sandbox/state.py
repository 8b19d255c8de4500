"""The sandbox's run-time state: store, settings, virtual clock, counters and locks."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict

from flask import current_app

from partnercenter.sandbox.config import Settings
from partnercenter.sandbox.faults import Faults
from partnercenter.sandbox.store import Store
from partnercenter.sandbox.throttle import RequestBudget


class Sandbox:
    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.settings = settings
        self.lock = threading.RLock()
        self.rng = random.Random(settings.seed)
        self.faults = Faults(settings.seed)
        self.stats_lock = threading.Lock()
        self.budget = RequestBudget()
        self.reset_counters()
        self.carts_in_checkout: set[str] = set()
        self.idempotency_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)
        self.startup_overrides: dict = {}  # CLI / --config settings, re-applied by a reset

    def reset_counters(self) -> None:
        self.calls: Counter[str] = Counter()
        self.token_requests: Counter[str] = Counter()
        self.checkout_attempts: Counter[str] = Counter()
        self.checkouts: Counter[str] = Counter()
        # Injected faults by outcome: "before:<kind>" (never processed) and "after:<kind>"
        # (processed and committed, answer lost or late).
        self.fault_outcomes: Counter[str] = Counter()
        self.throttled: Counter[str] = Counter()  # 429s of the request budget, per route
        self.throttled_wait: Counter[str] = Counter()  # their Retry-After seconds, per route
        self.budget.reset()

    # -- clock ---------------------------------------------------------------------------------
    def now(self) -> float:
        """Sandbox time: wall clock plus the offset moved by ``POST /_sandbox/clock``."""
        return time.time() + float(self.store.meta("clock_offset", 0.0))

    def advance_clock(self, seconds: float) -> float:
        with self.store.transaction():
            self.store.set_meta(
                "clock_offset", float(self.store.meta("clock_offset", 0.0)) + seconds
            )
        return self.now()

    def reset_settings(self, seed_values: dict) -> None:
        """Run-time settings back to what the sandbox started with: defaults, then ``seed_values``
        (e.g. the seed's inventory restrictions), then the start-up overrides (CLI / ``--config``).
        Identity and start-up-only settings (tenant, client, catalog size, seed) stay as they are."""
        fresh = Settings()
        fresh.update(seed_values)
        fresh.update(self.startup_overrides)
        keep = {*Settings.STARTUP_ONLY, "client_id", "client_secret", "tenant_id"}
        for name, value in fresh.to_dict().items():
            if name not in keep:
                setattr(self.settings, name, value)
        self.rng.seed(self.settings.seed)

    def persist_settings(self) -> None:
        self.store.set_meta("settings", self.settings.to_dict())

    def count(self, counter: Counter, key: str, n: int = 1) -> None:
        with self.stats_lock:
            counter[key] += n

    def stats(self) -> dict:
        orders_per_cart: Counter[str] = Counter()
        for order in self.store.list("order"):
            if order.get("_cartId"):
                orders_per_cart[order["_cartId"]] += 1
        with self.stats_lock:
            return {
                "token_requests": dict(self.token_requests),
                "token_requests_total": sum(self.token_requests.values()),
                "checkout_attempts_per_cart": dict(self.checkout_attempts),
                "checkouts_per_cart": dict(self.checkouts),
                "orders_per_cart": dict(orders_per_cart),
                "calls_per_route": dict(self.calls),
                "fault_outcomes": dict(self.fault_outcomes),
                "throttled_per_route": dict(self.throttled),
                "throttled": sum(self.throttled.values()),
                "throttled_retry_after_s": sum(self.throttled_wait.values()),
                "orders": self.store.count("order"),
                "carts": self.store.count("cart"),
            }


def sandbox() -> Sandbox:
    return current_app.extensions["sandbox"]
