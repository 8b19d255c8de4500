"""``make bench`` (``python -m tests.bench``): performance figures, one ``bench: NAME k=v ...`` line
per figure set, each figure the median of interleaved runs with its range.

``make bench BENCH=line_items`` runs one (several: ``BENCH="line_items orders_sync"``),
``make bench FULL=1`` uses the full sizes, ``python -m tests.bench --list`` names them.
Add a bench by registering a function in a new module here (``tests/bench/harness.py`` shows how).
"""
