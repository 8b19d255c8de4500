"""``bench: scale workers=1|2|4``: what a second and a fourth Celery worker process buy, on
PostgreSQL and Redis, against a sandbox that throttles like Partner Center, and why.

Workers run as production runs them, one pool per queue (``celery worker -Q imports`` and
``-Q pc``, ``-P solo`` processes): per worker count N, N processes in each pool, then

- ``work=imports``: four invoices imported at once (4 x 250,000 lines with ``FULL=1``, 4 x 2,500
  by default, ``BENCH_SCALE_LINES`` in between), their tasks routed to the ``imports`` queue;
- ``work=checkouts``: a burst of checkouts (200 with ``FULL=1``, 20 by default,
  ``BENCH_SCALE_CHECKOUTS``; one per customer, queued at once) on the ``pc`` queue;

each ``env.runs`` times, interleaved, after one untimed import that has the sandbox encode the
invoices' pages once (its page cache: Partner Center's JSON work is not the portal's). The workers share the partner's request budget through
Redis (``PARTNER_CENTER_REQUESTS_PER_MINUTE`` at 90 % of the sandbox's ``request_budget_rate``).
Then ``work=checkouts budget=low``: the checkouts again with 4 workers and a budget far below
what they would use, to show the shared bucket pacing them (few 429s, checkouts/s set by the
budget) instead of the workers hammering Partner Center.

Each line gives the throughput (median and range) and what each party did meanwhile
(tests/bench/_scale_probe.py): the cores used by the workers, PostgreSQL, the sandbox, Redis,
this driver and everything else on the machine, the machine's busy share and core count,
PostgreSQL's busy and lock-waiting backends, the sandbox's 429s and Retry-After seconds, the
budget's waits, and the ``bottleneck`` that follows.

The driver runs in a child process (``python -m tests.bench.scale``) on the PostgreSQL database;
it needs the PostgreSQL server binaries and redis-server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.bench import _scale_probe as probe
from tests.bench.harness import bench, figure, median

WORKER_COUNTS = (1, 2, 4)
BUDGET_RATE = 60.0  # the sandbox's requests per second for the partner
BUDGET_BURST = 20
LOW_BUDGET_RATE = 10.0  # the low-budget variant's
LOW_BUDGET_BURST = 5
PORTAL_SHARE = 0.9  # the portal's budget: a little below Partner Center's


@bench("scale", order=70)
def run(env):
    from tests.services import redis_binary, redis_server

    lines = int(os.environ.get("BENCH_SCALE_LINES") or env.size(default=2_500, full=250_000))
    checkouts = int(os.environ.get("BENCH_SCALE_CHECKOUTS") or env.size(default=20, full=200))
    with env.postgres() as pg_url:
        if pg_url is None or redis_binary() is None:
            yield "bench: scale error=needs-postgresql-and-redis"
            return
        with redis_server() as redis_url, env.sandbox(
            invoice_lines=lines, invoice_count=4, customers=checkouts, order_list_delay=0,
            order_completion_delay=0, request_budget_rate=BUDGET_RATE,
            request_budget_burst=BUDGET_BURST, page_cache=str(env.tempdir("pages-")),
        ) as server:  # fmt: skip
            child_env = dict(
                os.environ,
                DATABASE_URL=pg_url,
                REDIS_URL=redis_url,
                DJANGO_SETTINGS_MODULE="tests.bench.scale_settings",
                **server.portal_env,
                PARTNER_CENTER_REQUESTS_PER_MINUTE=str(int(BUDGET_RATE * 60 * PORTAL_SHARE)),
                PARTNER_CENTER_REQUEST_BURST=str(BUDGET_BURST),
                BENCH_SCALE_LINES=str(lines),
                BENCH_SCALE_CHECKOUTS=str(checkouts),
                BENCH_SCALE_RUNS=str(env.runs),
                BENCH_SCALE_SANDBOX_PID=str(server.process.pid),
                BENCH_SCALE_DIR=str(env.tempdir("scale-")),
            )
            proc = subprocess.Popen(
                [sys.executable, "-m", "tests.bench.scale"],
                env=child_env,
                stdout=subprocess.PIPE,
                cwd=os.getcwd(),
                text=True,
            )
            for line in proc.stdout:  # one JSON object per line, as each figure is measured
                if line.startswith("{"):
                    yield _format(json.loads(line), lines=lines, checkouts=checkouts)
            if proc.wait():
                raise RuntimeError(f"scale driver exited {proc.returncode}")


def _format(r: dict, *, lines: int, checkouts: int) -> str:
    phases = r["phases"]

    def mid(key: str) -> float:
        return median(p[key] for p in phases)

    cores = {k: median(p["cores"][k] for p in phases) for k in phases[0]["cores"]}
    parties = "/".join(f"{cores[k]:.2f}" for k in ("workers", "db", "pc", "redis", "driver"))
    verdicts = Counter(p["bottleneck"] for p in phases).most_common()
    verdict = verdicts[0][0] + ("" if len(verdicts) == 1 else f"({verdicts[0][1]}/{len(phases)})")
    seconds = [p["seconds"] for p in phases]
    if r["work"] == "imports":
        what = f"invoices=4x{lines} lines_per_s={figure([4 * lines / s for s in seconds], '.0f')}"
    else:
        what = f"checkouts={checkouts} checkouts_per_s={figure([checkouts / s for s in seconds], '.1f')}"
    budget = r["budget_per_s"]
    return (
        f"bench: scale workers={r['workers']} work={r['work']} queue={r['queue']} "
        f"budget={r['budget']} db=postgresql {what} cores={probe.CORES} "
        f"machine_busy={mid('machine_busy'):.0%} "
        f"cpu(workers/db/pc/redis/driver/others)={parties}/{mid('others'):.2f} "
        f"workers_cpu={cores['workers'] / probe.CORES:.0%} "
        f"db_busy={mid('db_busy'):.2f} db_lock={mid('db_lock'):.2f} db_io={mid('db_io'):.2f} "
        f"db_client={mid('db_client'):.2f} "
        f"pc_calls_per_s={median(p['pc_calls'] / p['seconds'] for p in phases):.1f} "
        f"budget_per_s={budget:.0f} pc_429={sum(p['pc_429'] for p in phases)} "
        f"retry_after_s={sum(p['retry_after_s'] for p in phases):.0f} "
        f"budget_waits={sum(p['budget_waits'] for p in phases):.0f} "
        f"budget_wait_s={mid('budget_waited_s'):.1f} bottleneck={verdict}"
    )


# --- the driver (child process, on PostgreSQL) ------------------------------------------------


class Pool:
    """``celery worker -Q <queue> -P solo`` processes, grown to a count; stopped together."""

    def __init__(self, queue: str, workdir: Path, env: dict[str, str]):
        self.queue, self.workdir, self.env, self.procs = queue, workdir, env, []

    def grow(self, count: int) -> None:
        for n in range(len(self.procs), count):
            log = (self.workdir / f"worker-{self.queue}-{n}.log").open("ab")
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portal.celery", "worker", "-P", "solo",
                 "-Q", self.queue, "-n", f"{self.queue}{n}@%h", "--without-gossip",
                 "--without-mingle", "--without-heartbeat", "-l", "WARNING"],
                stdout=log, stderr=subprocess.STDOUT, env=self.env,
            ))  # fmt: skip

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs = []


def _wait_for_workers(app, count: int, workdir: Path) -> None:
    began = time.monotonic()
    deadline = began + 300
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1.0) or []) >= count:
            print(f"  (scale: {count} workers up in {time.monotonic() - began:.0f} s)",
                  file=sys.stderr, flush=True)  # fmt: skip
            return
    raise RuntimeError(f"{count} workers did not start; see {workdir}")


def _cluster_pids(cursor) -> list[int]:
    """The processes of the bench's PostgreSQL server (its postmaster and children), not other
    servers on the machine."""
    cursor.execute("SHOW data_directory")
    postmaster = int((Path(cursor.fetchone()[0]) / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                    pids.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return pids


def drive():
    # One scenario read top to bottom (setup, pools, phases), hence its length; the phases
    # share its setup through closures.
    import django

    django.setup()
    import redis
    import requests
    from django.core.management import call_command
    from django.db import connection

    from billing.models import Invoice, LineImport
    from billing.services.invoices import invoice_sync_all
    from billing.services.lines import line_import_start
    from catalog.models import Availability
    from catalog.services.sync import catalog_sync
    from portal.admin_tools.services.staff import staff_create_or_update
    from portal.celery import app
    from portal.customers.services.sync import customer_sync_all
    from portal.models import Customer
    from portal.partner_center.budget import RedisBudget
    from portal.shared.queue import enqueue
    from portal.shared.roles import Role
    from purchasing.models import Checkout
    from purchasing.services.cart import LineInput, cart_add_line
    from purchasing.services.checkout import checkout_submit

    lines = int(os.environ["BENCH_SCALE_LINES"])
    count = int(os.environ["BENCH_SCALE_CHECKOUTS"])
    runs = int(os.environ["BENCH_SCALE_RUNS"])
    sandbox_pid = int(os.environ["BENCH_SCALE_SANDBOX_PID"])
    workdir = Path(os.environ["BENCH_SCALE_DIR"])
    api_url = os.environ["PARTNER_CENTER_API_URL"]
    session = requests.Session()
    session.trust_env = False
    redis_url = os.environ["REDIS_URL"]
    redis_pid = int(redis.Redis.from_url(redis_url).info("server")["process_id"])
    bucket = RedisBudget(redis_url, rate=1, burst=1)  # read only: its wait counters

    def counters() -> dict[str, float]:
        stats = session.get(f"{api_url}/_sandbox/stats", timeout=30).json()
        waits, waited = bucket.waits()
        return {
            "pc_429": stats["throttled"],
            "retry_after_s": stats["throttled_retry_after_s"],
            "pc_calls": sum(n for route, n in stats["calls_per_route"].items() if " /v1" in route),
            "budget_waits": waits,
            "budget_waited_s": waited,
        }

    began = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    customer_sync_all()
    invoice_sync_all(queue_statements=False)
    catalog_sync(country="US", workers=2)
    invoices = list(Invoice.objects.filter(invoice_id__endswith=f"{lines:08d}"))
    assert len(invoices) == 4, [i.invoice_id for i in invoices]
    buyers = list(Customer.objects.filter(company_name__endswith=" Inc").order_by("pk")[:count])
    assert len(buyers) == count, len(buyers)
    availability = Availability.objects.filter(
        country="US", segment="commercial", reservation_scope="",
        sku__title="SUSE Linux Enterprise Server Priority - 1-2 vCPU VM Support",
    ).first()  # fmt: skip
    terms = [t["duration"] for t in availability.terms]
    user, _ = staff_create_or_update(username="bench-scale", password="bench-pass-123",
                                     roles=[Role.SALES])  # fmt: skip
    table = connection.ops.quote_name("billing_invoicelineitem")
    with connection.cursor() as cursor:
        db_pids = _cluster_pids(cursor)
        cursor.execute("SELECT pg_backend_pid()")
        driver_backend = cursor.fetchone()[0]
    db = probe.DbSampler(os.environ["DATABASE_URL"], exclude=[driver_backend])
    print(f"  (scale: set up in {time.monotonic() - began:.0f} s)", file=sys.stderr, flush=True)

    def import_phase() -> dict:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")
        ids = [line_import_start(invoice=i, restart=True, queue=False).pk for i in invoices]

        def done():
            states = list(LineImport.objects.filter(pk__in=ids).values_list("state", flat=True))
            if LineImport.State.FAILED in states:
                raise RuntimeError("a line import failed")
            return all(s == LineImport.State.SUCCEEDED for s in states)

        def start():  # routed by CELERY_TASK_ROUTES to the imports queue
            for pk in ids:
                enqueue("billing.tasks.import_invoice_lines", pk)

        return probe.measure(start=start, done=done, groups=groups, db=db, counters=counters)

    def checkout_phase() -> dict:
        cart_ids = []
        for n, customer in enumerate(buyers):
            data = LineInput(quantity=1 + n % 5, billing_cycle="one_time",
                             term_duration=terms[0] if terms else "", provisioning_context={})  # fmt: skip
            cart_ids.append(cart_add_line(customer=customer, availability=availability,
                                          user=user, data=data).cart_id)  # fmt: skip
        checkout_ids: list[int] = []

        def start():  # checkout_execute_task, on the pc queue
            for cart_id in cart_ids:
                checkout_ids.append(checkout_submit(cart_id=cart_id, user=user,
                                                    confirm_duplicates=True, queue=True).pk)  # fmt: skip

        def done():
            finals = Checkout.objects.filter(pk__in=checkout_ids)
            return len(checkout_ids) == count and all(c.is_final for c in finals)

        return probe.measure(start=start, done=done, groups=groups, db=db, counters=counters)

    def emit(workers: int, work: str, queue: str, budget: str, rate: float, phases) -> None:
        for phase in phases:
            phase["bottleneck"] = probe.bottleneck(phase, workers=workers)
        row = {"workers": workers, "work": work, "queue": queue, "budget": budget,
               "budget_per_s": rate * PORTAL_SHARE, "phases": phases}  # fmt: skip
        print(json.dumps(row), flush=True)

    pools = {q: Pool(q, workdir, dict(os.environ)) for q in ("imports", "pc")}
    groups = {
        "workers": lambda: [pid for pool in pools.values() for pid in pool.pids()],
        "db": lambda: db_pids,
        "pc": lambda: [sandbox_pid],
        "redis": lambda: [redis_pid],
        "driver": lambda: [os.getpid()],
    }
    try:
        for workers in WORKER_COUNTS:
            for pool in pools.values():
                pool.grow(workers)
            _wait_for_workers(app, 2 * workers, workdir)
            if workers == WORKER_COUNTS[0]:
                # Not timed: the sandbox encodes the invoices' pages once (its page cache), as
                # Partner Center's own work is not on the portal's machine.
                import_phase()
            imports, checkouts = [], []
            for _ in range(runs):
                imports.append(import_phase())
                checkouts.append(checkout_phase())
            emit(workers, "imports", "imports", "normal", BUDGET_RATE, imports)
            emit(workers, "checkouts", "pc", "normal", BUDGET_RATE, checkouts)

        # The low budget: Partner Center allows LOW_BUDGET_RATE a second, the portal's workers
        # (restarted with their budget at 90 % of it) share one bucket in Redis.
        pools["pc"].stop()
        session.post(f"{api_url}/_sandbox/config", timeout=30, json={
            "request_budget_rate": LOW_BUDGET_RATE, "request_budget_burst": LOW_BUDGET_BURST,
        }).raise_for_status()  # fmt: skip
        pools["pc"] = Pool("pc", workdir, dict(
            os.environ,
            PARTNER_CENTER_REQUESTS_PER_MINUTE=str(int(LOW_BUDGET_RATE * 60 * PORTAL_SHARE)),
            PARTNER_CENTER_REQUEST_BURST=str(LOW_BUDGET_BURST),
        ))  # fmt: skip
        workers = WORKER_COUNTS[-1]
        pools["pc"].grow(workers)
        _wait_for_workers(app, len(pools["imports"].procs) + workers, workdir)
        emit(workers, "checkouts", "pc", "low", LOW_BUDGET_RATE,
             [checkout_phase() for _ in range(runs)])  # fmt: skip
    finally:
        for pool in pools.values():
            pool.stop()


if __name__ == "__main__":
    drive()
