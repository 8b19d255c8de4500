"""Count the statements that write catalog tables, and the Partner Center calls a sync makes."""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Iterator

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(catalog_\w+)', re.IGNORECASE)


@contextlib.contextmanager
def catalog_writes() -> Iterator[Counter]:
    """Counts INSERT/UPDATE/DELETE statements per catalog table on the default connection."""
    from django.db import connection

    counts: Counter = Counter()

    def wrapper(execute, sql, params, many, context):
        match = WRITE.match(sql)
        if match:
            counts[match.group(1)] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counts


class CountingClient:
    """The portal's Partner Center client, counting its calls by method name."""

    def __init__(self, client) -> None:
        self._client = client
        self.calls: Counter = Counter()

    def __getattr__(self, name: str):
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            self.calls[name] += 1
            return attr(*args, **kwargs)

        return call
