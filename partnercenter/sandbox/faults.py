"""Fault injection: latency, 429 (with Retry-After), 500/503, connection reset and slow commit,
matched per path pattern + method with a probability and an optional count, from a seeded RNG.

``429``/``500``/``503``/``reset`` answer *before* the request is processed (nothing happened).
``reset_after``/``500_after`` let the request be processed and committed (a POST/PUT's result is
kept for a replay with the same MS-RequestId) and then lose the answer: the connection drops, or a
500 comes back instead. ``slow_commit`` commits and answers late (a client with a shorter timeout
never sees it)."""

from __future__ import annotations

import fnmatch
import random
import threading
import uuid
from dataclasses import asdict, dataclass, field

KINDS = ("latency", "429", "500", "503", "reset", "slow_commit", "reset_after", "500_after")
BEFORE = ("429", "500", "503", "reset")  # the request is never processed
AFTER = ("reset_after", "500_after")  # processed and committed, then the answer is lost
TERMINAL = BEFORE + AFTER  # at most one of these fires per request


@dataclass
class Fault:
    kind: str
    path: str = "*"  # fnmatch pattern on the request path, e.g. "/v1/customers/*/carts/*/checkout"
    method: str = "*"
    probability: float = 1.0
    count: int | None = None  # how many more times it may fire; None = unlimited
    delay: float = 0.0  # seconds: latency, or the slow-commit response delay
    retry_after: int = 1  # 429 only
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    fired: int = 0

    def __post_init__(self):
        self.kind = str(self.kind).lower()
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {', '.join(KINDS)}")
        self.method = str(self.method).upper()
        self.probability = float(self.probability)
        self.delay = float(self.delay)
        self.retry_after = int(self.retry_after)
        self.count = None if self.count is None else int(self.count)

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and fnmatch.fnmatchcase(path.lower(), self.path.lower())


def parse_spec(spec: str) -> dict:
    """CLI form ``kind=429,path=/v1/*,method=POST,probability=0.5,count=2,retry_after=3``."""
    out = {}
    for part in spec.split(","):
        key, _, value = part.partition("=")
        out[key.strip()] = value.strip()
    return out


class Faults:
    def __init__(self, seed: int = 1):
        self.rules: list[Fault] = []
        self.lock = threading.Lock()
        self.rng = random.Random(seed)

    def add(self, **spec) -> Fault:
        fault = Fault(**spec)
        with self.lock:
            self.rules.append(fault)
        return fault

    def clear(self, seed: int | None = None) -> None:
        with self.lock:
            self.rules.clear()
            if seed is not None:
                self.rng.seed(seed)

    def reseed(self, seed: int) -> None:
        with self.lock:
            self.rng.seed(seed)

    def draw(self, method: str, path: str) -> list[Fault]:
        """The faults firing for this request (counts consumed); at most one terminal fault."""
        fired: list[Fault] = []
        with self.lock:
            for fault in self.rules:
                if fault.count is not None and fault.count <= 0:
                    continue
                if not fault.matches(method, path):
                    continue
                if fault.probability < 1 and self.rng.random() >= fault.probability:
                    continue
                if fault.kind in TERMINAL and any(f.kind in TERMINAL for f in fired):
                    continue
                if fault.count is not None:
                    fault.count -= 1
                fault.fired += 1
                fired.append(fault)
        return fired

    def describe(self) -> list[dict]:
        with self.lock:
            return [asdict(f) for f in self.rules]
