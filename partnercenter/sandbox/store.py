"""SQLite persistence: JSON documents by kind/id, metadata, idempotency records and the catalog.

One connection per thread (WAL mode); writes are serialised by a process-wide lock so that
read-modify-write sequences (checkout, cart update) are atomic within the single sandbox process.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL, id TEXT NOT NULL, parent TEXT, created REAL NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (kind, id));
CREATE INDEX IF NOT EXISTS docs_parent ON docs (kind, parent, created);
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, status INTEGER NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL,
    created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, rank INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS product_views (view TEXT NOT NULL, product_id TEXT NOT NULL, rank INTEGER NOT NULL,
    PRIMARY KEY (view, product_id));
CREATE TABLE IF NOT EXISTS skus (product_id TEXT NOT NULL, id TEXT NOT NULL, rank INTEGER NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (product_id, id));
-- Look-ups compare ids case-insensitively: without these, each one scans the whole catalog.
CREATE INDEX IF NOT EXISTS products_nocase ON products (id COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS skus_nocase ON skus (product_id COLLATE NOCASE, id COLLATE NOCASE);
"""
_MISSING = object()
_SCALARS = (str, int, float, bool, type(None))


class _Lease:
    """A pooled connection lent to one thread; back in the pool when the thread's locals go."""

    __slots__ = ("__weakref__", "conn")

    def __init__(self, conn: sqlite3.Connection, pool: deque):
        self.conn = conn
        weakref.finalize(self, pool.append, conn)


class Store:
    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._pool: deque[sqlite3.Connection] = deque()  # idle connections
        self.write_lock = threading.RLock()
        # Scalar metadata (clock offset, catalog generation, signing key, ...) is read on every
        # request: it is cached, and every write transaction's end empties the cache (a reader
        # that raced a writer does not store what it read: see ``_meta_version``).
        self._meta_cache: dict[str, Any] = {}
        self._meta_lock = threading.Lock()
        self._meta_version = 0
        self.db.executescript(SCHEMA)

    @property
    def db(self) -> sqlite3.Connection:
        """This thread's connection. The server runs each connection in a new thread, so
        connections are pooled: a thread borrows one and it goes back when the thread ends."""
        lease = getattr(self._local, "lease", None)
        if lease is None:
            try:
                conn = self._pool.pop()
            except IndexError:
                conn = sqlite3.connect(
                    self.path, timeout=30, isolation_level=None, check_same_thread=False
                )
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            lease = self._local.lease = _Lease(conn, self._pool)
        return lease.conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Serialised write transaction (re-entrant: nested calls join the outer one)."""
        with self.write_lock:
            depth = getattr(self._local, "depth", 0)
            self._local.depth = depth + 1
            if depth == 0:
                self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                if depth == 0:
                    self.db.execute("ROLLBACK")
                raise
            else:
                if depth == 0:
                    self.db.execute("COMMIT")
            finally:
                self._local.depth = depth
                if depth == 0:
                    self._forget_meta()

    def _forget_meta(self) -> None:
        with self._meta_lock:
            self._meta_version += 1
            self._meta_cache.clear()

    # -- meta ----------------------------------------------------------------------------------
    def meta(self, key: str, default: Any = None) -> Any:
        if getattr(self._local, "depth", 0):  # inside a write transaction: see its own writes
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            value = json.loads(row[0]) if row else None
            return default if value is None else value
        with self._meta_lock:
            value = self._meta_cache.get(key, _MISSING)
            version = self._meta_version
        if value is _MISSING:
            row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            value = json.loads(row[0]) if row else None
            if isinstance(value, _SCALARS):  # never share a mutable dict or list
                with self._meta_lock:
                    if self._meta_version == version:
                        self._meta_cache[key] = value
        return default if value is None else value

    def set_meta(self, key: str, value: Any) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    # -- documents -----------------------------------------------------------------------------
    def get(self, kind: str, doc_id: str) -> dict | None:
        row = self.db.execute(
            "SELECT body FROM docs WHERE kind = ? AND id = ?", (kind, doc_id)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def get_ci(self, kind: str, doc_id: str) -> dict | None:
        """Get by id compared case-insensitively (GUIDs arrive in either case)."""
        row = self.db.execute(
            "SELECT body FROM docs WHERE kind = ? AND lower(id) = lower(?)", (kind, doc_id)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def put(
        self, kind: str, doc_id: str, body: dict, parent: str | None = None, created: float = 0.0
    ):
        with self.transaction() as db:
            db.execute(
                "INSERT INTO docs VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
                (kind, doc_id, parent, created, json.dumps(body)),
            )

    def list(self, kind: str, parent: str | None = None) -> list[dict]:
        if parent is None:
            rows = self.db.execute(
                "SELECT body FROM docs WHERE kind = ? ORDER BY created, id", (kind,)
            )
        else:
            rows = self.db.execute(
                "SELECT body FROM docs WHERE kind = ? AND lower(parent) = lower(?) ORDER BY created, id",
                (kind, parent),
            )
        return [json.loads(r[0]) for r in rows]

    def count(self, kind: str) -> int:
        return self.db.execute("SELECT count(*) FROM docs WHERE kind = ?", (kind,)).fetchone()[0]

    # -- idempotency ---------------------------------------------------------------------------
    def idempotent_result(self, key: str) -> tuple[int, dict, bytes] | None:
        row = self.db.execute(
            "SELECT status, headers, body FROM idempotency WHERE key = ?", (key,)
        ).fetchone()
        return (row[0], json.loads(row[1]), row[2]) if row else None

    def save_idempotent_result(self, key: str, status: int, headers: dict, body: bytes, now: float):
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?, ?)",
                (key, status, json.dumps(headers), body, now),
            )

    def clear(self) -> None:
        """Drop all state except the catalog (used by ``/_sandbox/reset``)."""
        with self.transaction() as db:
            db.execute("DELETE FROM docs")
            db.execute("DELETE FROM idempotency")
            db.execute("DELETE FROM meta WHERE key NOT LIKE 'catalog%' AND key != 'signing_key'")
