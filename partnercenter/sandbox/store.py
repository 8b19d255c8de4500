"""SQLite persistence: JSON documents by kind/id, metadata, idempotency records and the catalog.

One connection per thread (WAL mode); writes are serialised by a process-wide lock so that
read-modify-write sequences (checkout, cart update) are atomic within the single sandbox process.
"""

from __future__ import annotations

import json
import sqlite3
import threading
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
"""


class Store:
    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.write_lock = threading.RLock()
        self.db.executescript(SCHEMA)

    @property
    def db(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

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

    # -- meta ----------------------------------------------------------------------------------
    def meta(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

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
