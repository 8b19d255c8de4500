"""``make bench`` (``python -m tests.bench``): performance figures, one ``bench: NAME k=v ...`` line
per benchmark.

Extend it by adding a module here with ``run(env: BenchEnv) -> str`` (returning the line) and listing
it in ``BENCHES``; ``python -m tests.bench NAME ...`` runs only the named ones. Benchmarks share one
throwaway SQLite database (migrated once) and may start their own sandbox via ``env.sandbox(...)``.
"""

from __future__ import annotations

BENCHES = ["catalog", "line_items", "orders_sync"]
