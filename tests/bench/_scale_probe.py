"""What the scale bench measures beside throughput, so that each line says where the time went.

During a phase (work queued, then polled until done) it samples, every ``INTERVAL`` seconds:

- CPU: the seconds each party used (/proc/<pid>/stat: the Celery workers, PostgreSQL, the sandbox,
  Redis, this driver), and the whole machine's busy share (/proc/stat), so that work of the
  other users of a shared machine shows as ``others``;
- PostgreSQL: ``pg_stat_activity`` of the bench's database, the client backends running a
  statement (``db_busy``: their average number) and those of them waiting for a lock
  (``db_lock``), for I/O (``db_io``) or for the client to send data (``db_client``: a ``COPY``
  waiting on the worker);
- Partner Center: the sandbox's 429s and the Retry-After seconds it asked for, its API calls,
  and the shared request budget's waits (the Redis bucket: requests that waited for a token and
  for how long).

``bottleneck`` names what set the pace, from those figures (see its docstring).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import psycopg

INTERVAL = 0.2
CORES = os.cpu_count() or 1
_CLK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) of each process still running."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / _CLK
    return out


def machine_times() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, every core and process."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / _CLK, sum(values) / _CLK


def pids_named(*names: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class DbSampler:
    """Samples ``pg_stat_activity`` of one database (its own backend and ``exclude`` left out)."""

    QUERY = """
        SELECT count(*) FILTER (WHERE state = 'active'),
               count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock'),
               count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'IO'),
               count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Client')
        FROM pg_stat_activity
        WHERE datname = current_database() AND backend_type = 'client backend'
          AND pid <> pg_backend_pid() AND NOT pid = ANY(%s)
    """

    def __init__(self, url: str, exclude: list[int]):
        self.conn = psycopg.connect(url, autocommit=True)
        self.exclude = exclude
        self.samples: list[tuple[int, int, int, int]] = []

    def sample(self) -> None:
        with self.conn.cursor() as cursor:
            cursor.execute(self.QUERY, (self.exclude,))
            self.samples.append(cursor.fetchone())

    def averages(self) -> dict[str, float]:
        n = len(self.samples) or 1
        busy, lock, io, client = (sum(s[i] for s in self.samples) / n for i in range(4))
        return {"db_busy": busy, "db_lock": lock, "db_io": io, "db_client": client,
                "db_samples": len(self.samples)}  # fmt: skip


def measure(
    *,
    start: Callable[[], None],
    done: Callable[[], bool],
    groups: dict[str, Callable[[], list[int]]],
    db: DbSampler,
    counters: Callable[[], dict[str, float]],
) -> dict:
    """Run one phase (``start()`` queues the work, ``done()`` says when it is finished) and
    return its seconds and what each party did meanwhile: ``cores`` per group (CPU seconds per
    second), ``others`` (the machine's busy cores not in any group), ``machine_busy`` (share of
    all cores), the database's averages, and the change of each of ``counters()``."""
    cpu = {name: cpu_seconds(pids()) for name, pids in groups.items()}
    machine, before = machine_times(), counters()
    db.samples.clear()
    began = time.perf_counter()
    start()
    while not done():
        db.sample()
        time.sleep(INTERVAL)
    seconds = time.perf_counter() - began
    cores = {}
    for name, pids in groups.items():
        now = cpu_seconds(pids())
        cores[name] = sum(v - cpu[name].get(pid, 0.0) for pid, v in now.items()) / seconds
    busy, total = (a - b for a, b in zip(machine_times(), machine, strict=True))
    after = counters()
    return {
        "seconds": seconds,
        "cores": cores,
        "others": max(0.0, busy / seconds - sum(cores.values())),
        "machine_busy": busy / total if total else 0.0,
        **db.averages(),
        **{name: after[name] - before[name] for name in after},
    }


def bottleneck(phase: dict, *, workers: int) -> str:
    """What set the pace of a phase:

    - ``pc_budget``: Partner Center's budget (any 429, or the workers spent over half their time
      waiting for tokens of the shared budget);
    - ``cpu``: the machine's cores were nearly all busy (>= 90 %) and mostly with the bench's own
      processes; ``cpu_shared`` when mostly with other users' (a shared machine: no conclusion);
    - ``db_locks``: on average at least half a backend waited for a lock;
    - else the busiest party: ``workers`` (the Celery processes' own CPU), ``db`` or ``pc``."""
    if phase["pc_429"] or phase["budget_waited_s"] >= 0.5 * workers * phase["seconds"]:
        return "pc_budget"
    if phase["machine_busy"] >= 0.9:
        ours = sum(phase["cores"].values())
        return "cpu" if ours >= phase["others"] else "cpu_shared"
    if phase["db_lock"] >= 0.5:
        return "db_locks"
    parties = {k: phase["cores"][k] for k in ("workers", "db", "pc")}
    return max(parties, key=parties.get)
