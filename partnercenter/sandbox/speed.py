"""The sandbox's speed code, in one place: its caches and its JSON encoder.

Everything here only makes the sandbox faster; removing it changes no response. The caches are
bounded (least recently used entries go first) and thread-safe (the server is threaded):

- ``decoded_tokens``: bearer token -> verified claims (a client sends the same token many times);
- ``parsed_skus``: recently read catalog SKUs, parsed (a catalog sync reads each SKU twice; the
  catalog never changes after start-up, so entries are read-only);
- ``generated_invoices``: the per-invoice tables of the generated large invoice (customers,
  products), so a page of it does not rebuild them.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")

# Compact, UTF-8 as is: the encoder of every streamed collection page.
encode_json: Callable[[Any], str] = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False
).encode


class BoundedCache(Generic[V]):
    """A thread-safe mapping that keeps its ``size`` most recently used entries."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> V:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        value = self.get(key)
        return self.put(key, make()) if value is None else value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


decoded_tokens: BoundedCache[dict] = BoundedCache(512)
parsed_skus: BoundedCache[dict] = BoundedCache(4096)
generated_invoices: BoundedCache[Any] = BoundedCache(8)
