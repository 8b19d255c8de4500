"""The bench harness: registration, interleaved repeated runs, and ``median (min-max)`` figures.

A benchmark is a function registered under a name::

    from tests.bench.harness import bench, interleave, figure

    @bench("statements")
    def run(env) -> str:
        n = env.size(default=200, full=5000)       # ``make bench FULL=1`` picks ``full``
        times = interleave(env.runs, measured=lambda: ..., baseline=lambda: ...)
        ratio = [b / m for m, b in zip(times["measured"], times["baseline"])]
        return f"bench: statements n={n} ratio={figure(ratio)}"

It lives in any module of ``tests/bench/`` (every module there is imported, so adding a file is
enough), returns its ``bench: NAME k=v ...`` line (or several), and is run by
``make bench BENCH=NAME`` / ``python -m tests.bench NAME``. Rules every bench follows:

- each figure is the median of at least ``env.runs`` (3) runs, printed with its range by ``figure``;
- the measured path and its baseline alternate (``interleave``: measured, baseline, measured, ...),
  so a noisy neighbour on a shared machine hits both; the baseline does the same work;
- the default size keeps the whole ``make bench`` under 10 minutes on a 2-core machine; the
  real size is behind ``env.full`` (``make bench FULL=1``).

The harness appends the machine's load average to every line (``load=1.3``), since figures
measured on a busy machine are not comparable with those of an idle one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Bench:
    name: str
    run: Callable[[BenchEnv], str | Iterable[str]]
    order: int = 50  # lower runs earlier in ``make bench``
    default: bool = True  # part of a bare ``make bench``


REGISTRY: dict[str, Bench] = {}


def bench(name: str, *, order: int = 50, default: bool = True):
    """Register ``fn(env) -> str | Iterable[str]`` as the benchmark ``name``."""

    def register(fn):
        if name in REGISTRY and REGISTRY[name].run is not fn:
            raise ValueError(f"two benchmarks are called {name!r}")
        REGISTRY[name] = Bench(name=name, run=fn, order=order, default=default)
        return fn

    return register


# --- figures --------------------------------------------------------------------------------


def figure(values: Iterable[float], fmt: str = ".2f") -> str:
    """``median (min\u2013max)`` of the runs, e.g. ``0.74 (0.70\u20130.77)`` (an en dash)."""
    values = list(values)
    if not values:
        raise ValueError("no runs to report")
    med = statistics.median(values)
    return f"{med:{fmt}} ({min(values):{fmt}}\u2013{max(values):{fmt}})"


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def interleave(runs: int, **paths: Callable[[], Any]) -> dict[str, list[Any]]:
    """Run each path ``runs`` times, alternating (a, b, a, b, ...); returns each path's results.

    Alternating rather than a-a-a then b-b-b puts both under the same machine load; a path's
    result is whatever it returns (seconds, a dict of figures, ...)."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    results: dict[str, list[Any]] = {name: [] for name in paths}
    for _ in range(runs):
        for name, path in paths.items():
            results[name].append(path())
    return results


def ratios(numerators: Iterable[float], denominators: Iterable[float]) -> list[float]:
    """Per-run ratios of two interleaved paths (run i against run i)."""
    return [n / d for n, d in zip(numerators, denominators, strict=True)]


def load_average() -> str:
    return f"{os.getloadavg()[0]:.1f}"


# --- the environment a bench runs in ----------------------------------------------------------


@dataclass
class BenchEnv:
    """What a bench may use: its size flag, run count, a work directory, sandboxes, databases.

    Databases come migrated: ``sqlite()`` copies the run's freshly migrated SQLite file and
    ``postgres()`` copies a template database on one PostgreSQL server shared by the whole run
    (migrating costs 10-30 s a time here, starting a server a few more), so children need not
    migrate (``BENCH_MIGRATED=1`` in their environment says so)."""

    workdir: Path
    full: bool = False
    runs: int = 3
    notes: list[str] = field(default_factory=list)

    scale: float = 1.0  # ``--scale 0.1``: a tenth of each default size, for a quick look
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    _pg_server: str | None = None
    _databases: int = 0

    def size(self, *, default: int, full: int) -> int:
        return full if self.full else max(1, round(default * self.scale))

    def tempdir(self, prefix: str) -> Path:
        return Path(tempfile.mkdtemp(dir=self.workdir, prefix=prefix))

    def close(self) -> None:
        self.stack.close()

    @contextlib.contextmanager
    def sandbox(self, **options) -> Iterator[Any]:
        """A sandbox subprocess with ``options``; the portal's PARTNER_CENTER_* point at it."""
        from django.conf import settings

        from partnercenter.sandbox.testing import SandboxServer

        options.setdefault("log_requests", False)  # a log line per request is not what we measure
        with SandboxServer(self.tempdir("sandbox-"), **options) as server:
            settings.PARTNER_CENTER_API_URL = server.base_url
            settings.PARTNER_CENTER_AUTHORITY = server.authority
            settings.PARTNER_CENTER_TENANT_ID = server.tenant_id
            settings.PARTNER_CENTER_CLIENT_ID = server.client_id
            settings.PARTNER_CENTER_CLIENT_SECRET = server.client_secret
            yield server

    def sqlite(self, prefix: str) -> str:
        """The URL of a fresh SQLite database with the run's migrations applied (a copy)."""
        target = self.tempdir(prefix) / "bench.sqlite3"
        with sqlite3.connect(self.workdir / TEMPLATE_SQLITE) as src, sqlite3.connect(target) as dst:
            src.backup(dst)  # the backup API: complete even with pages still in the WAL
        return f"sqlite:///{target}"

    @contextlib.contextmanager
    def postgres(self) -> Iterator[str | None]:
        """A fresh migrated PostgreSQL database's URL, or None when the binaries are not installed.

        The first call starts the run's server and migrates a template database; every call gets
        its own database copied from it (``CREATE DATABASE ... TEMPLATE``), dropped afterwards."""
        from tests.services import postgres_bindir, postgres_server

        if postgres_bindir() is None or os.environ.get("BENCH_POSTGRES") == "0":
            yield None
            return
        if self._pg_server is None:
            self._pg_server = self.stack.enter_context(postgres_server())
            _pg_execute(self._pg_server, "CREATE DATABASE bench_template")
            _migrate(_pg_database(self._pg_server, "bench_template"))
        self._databases += 1
        name = f"bench_{self._databases}"
        _pg_execute(self._pg_server, f"CREATE DATABASE {name} TEMPLATE bench_template")
        try:
            yield _pg_database(self._pg_server, name)
        finally:
            _pg_execute(self._pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


TEMPLATE_SQLITE = "template.sqlite3"


def keep_template(database: Path, workdir: Path) -> None:
    """Keep the freshly migrated ``database`` as the template ``BenchEnv.sqlite`` copies."""
    with sqlite3.connect(database) as src, sqlite3.connect(workdir / TEMPLATE_SQLITE) as dst:
        src.backup(dst)


def _pg_database(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def _pg_execute(server_url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql)


def _migrate(database_url: str) -> None:
    env = dict(os.environ, DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="tests.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, check=True,
                   cwd=Path(__file__).resolve().parents[2])  # fmt: skip
