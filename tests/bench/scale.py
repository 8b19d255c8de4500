"""``bench: scale workers=1|2|4``: what a second and a fourth Celery worker process buy, on
PostgreSQL and Redis, against a sandbox that throttles like Partner Center.

Per worker count (``celery worker -P solo`` processes, started for that count, then stopped):
four invoices imported at once (4 x 250,000 lines with ``FULL=1``, 4 x 5,000 by default) and a
burst of checkouts (200 with ``FULL=1``, 40 by default; one per customer, queued at once), each
``env.runs`` times. The workers share the partner's request budget through Redis
(``PARTNER_CENTER_REQUESTS_PER_MINUTE`` at 90 % of the sandbox's ``request_budget_rate``).
Reported per worker count: lines/s and checkouts/s (median and range), the cores each party kept
busy meanwhile (workers, PostgreSQL, the sandbox, from /proc CPU times), the sandbox's 429s, and
the bottleneck that follows: ``cpu`` when the machine's cores were nearly all busy,
``pc_budget`` when the budget set the pace, else whichever of workers and database was busier.

The scale driver runs in a child process (``python -m tests.bench.scale``) on the PostgreSQL
database; it needs the PostgreSQL server binaries and redis-server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.bench.harness import bench, figure

WORKER_COUNTS = (1, 2, 4)
BUDGET_RATE = 60.0  # the sandbox's requests per second for the partner
BUDGET_BURST = 20


@bench("scale", order=70)
def run(env):
    from tests.services import redis_binary, redis_server

    lines = int(os.environ.get("BENCH_SCALE_LINES") or env.size(default=5_000, full=250_000))
    checkouts = env.size(default=40, full=200)
    with env.postgres() as pg_url:
        if pg_url is None or redis_binary() is None:
            yield "bench: scale error=needs-postgresql-and-redis"
            return
        with redis_server() as redis_url, env.sandbox(
            invoice_lines=lines, invoice_count=4, customers=checkouts, order_list_delay=0,
            order_completion_delay=0, request_budget_rate=BUDGET_RATE,
            request_budget_burst=BUDGET_BURST,
        ) as server:  # fmt: skip
            child_env = dict(
                os.environ,
                DATABASE_URL=pg_url,
                REDIS_URL=redis_url,
                DJANGO_SETTINGS_MODULE="tests.bench.scale_settings",
                PARTNER_CENTER_API_URL=server.base_url,
                PARTNER_CENTER_AUTHORITY=server.authority,
                PARTNER_CENTER_TENANT_ID=server.tenant_id,
                PARTNER_CENTER_CLIENT_ID=server.client_id,
                PARTNER_CENTER_CLIENT_SECRET=server.client_secret,
                PARTNER_CENTER_REQUESTS_PER_MINUTE=str(int(BUDGET_RATE * 60 * 0.9)),
                PARTNER_CENTER_REQUEST_BURST=str(BUDGET_BURST),
                BENCH_SCALE_LINES=str(lines),
                BENCH_SCALE_CHECKOUTS=str(checkouts),
                BENCH_SCALE_RUNS=str(env.runs),
                BENCH_SCALE_SANDBOX_PID=str(server.process.pid),
                BENCH_SCALE_DIR=str(env.tempdir("scale-")),
            )
            proc = subprocess.run(
                [sys.executable, "-m", "tests.bench.scale"],
                env=child_env,
                stdout=subprocess.PIPE,
                cwd=os.getcwd(),
                check=False,
            )
            if proc.returncode:
                raise RuntimeError(f"scale driver exited {proc.returncode}")
            results = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    for r in results:
        yield (
            f"bench: scale workers={r['workers']} db=postgresql invoices=4x{lines} "
            f"lines_per_s={figure(r['lines_per_s'], '.0f')} checkouts={checkouts} "
            f"checkouts_per_s={figure(r['checkouts_per_s'], '.1f')} "
            f"import_cores(workers/db/pc)={r['import_cores']} "
            f"checkout_cores(workers/db/pc)={r['checkout_cores']} "
            f"machine_busy(import/checkout)={r['import_busy']:.0%}/{r['checkout_busy']:.0%} "
            f"throttled_429={r['throttled']} "
            f"pc_calls_per_s={r['pc_calls_per_s']:.0f} budget_per_s={BUDGET_RATE * 0.9:.0f} "
            f"bottleneck(import/checkout)={r['import_bottleneck']}/{r['checkout_bottleneck']}"
        )


# --- the driver (child process, on PostgreSQL) ------------------------------------------------


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) of each process still running."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU time of the whole machine so far (all processes, ours or not)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


class Workers:
    def __init__(self, count: int, workdir: Path):
        self.count, self.workdir, self.procs = count, workdir, []

    def __enter__(self):
        ready = self.workdir / f"ready-{self.count}"
        ready.mkdir(parents=True, exist_ok=True)
        for n in range(self.count):
            log = (self.workdir / f"worker-{self.count}-{n}.log").open("ab")
            self.procs.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "portal.celery", "worker", "-P", "solo",
                 "-n", f"scale{self.count}-{n}@%h", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "-l", "WARNING"],
                stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ),
            ))  # fmt: skip
        from portal.celery import app

        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=1.0) or []
            if len(replies) >= self.count:
                return self
        self.__exit__(None, None, None)
        raise RuntimeError(f"{self.count} workers did not start; see {self.workdir}")

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def __exit__(self, *exc):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _phase(workers: Workers, start, done, sandbox_pid: int) -> dict:
    """Run one phase: ``start()`` queues the work, ``done()`` says when it is finished. Also
    the cores each party kept busy, and how busy the whole machine was."""
    groups = {"workers": workers.pids, "db": _postgres_pids, "pc": lambda: [sandbox_pid]}
    cpu = {k: _cpu_seconds(pids()) for k, pids in groups.items()}
    machine = _machine_busy()
    began = time.perf_counter()
    start()
    while not done():
        time.sleep(0.2)
    seconds = time.perf_counter() - began
    cores = {}
    for k, pids in groups.items():
        now = _cpu_seconds(pids())
        cores[k] = sum(v - cpu[k].get(pid, 0.0) for pid, v in now.items()) / seconds
    busy, total = (a - b for a, b in zip(_machine_busy(), machine, strict=True))
    return {"seconds": seconds, "cores": cores, "machine_busy": busy / total if total else 0.0}


def _bottleneck(cores: dict, machine_busy: float, throttled: int, calls_per_s: float) -> str:
    if machine_busy >= 0.9:
        return "cpu"  # every core was busy (ours, or the neighbours' on a shared machine)
    if throttled or calls_per_s >= 0.8 * BUDGET_RATE:
        return "pc_budget"
    return "workers" if cores["workers"] >= cores["db"] else "db"


def drive() -> list[dict]:
    import django

    django.setup()
    import requests
    from django.core.management import call_command
    from django.db import connection

    from billing.models import Invoice, LineImport
    from billing.services.invoices import invoice_sync_all
    from billing.services.lines import line_import_start
    from catalog.models import Availability
    from catalog.services.sync import catalog_sync
    from portal.admin_tools.services.staff import staff_create_or_update
    from portal.customers.services.sync import customer_sync_all
    from portal.models import Customer
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
    stats_url = f"{os.environ['PARTNER_CENTER_API_URL']}/_sandbox/stats"
    session = requests.Session()
    session.trust_env = False

    def pc_counts() -> tuple[int, int]:
        """(429s so far, Partner Center API requests so far)."""
        stats = session.get(stats_url, timeout=30).json()
        api = sum(n for route, n in stats["calls_per_route"].items() if " /v1" in route)
        return stats["throttled"], api

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

    def import_all():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")
        ids = [line_import_start(invoice=i, restart=True, queue=False).pk for i in invoices]
        return lambda: [enqueue("billing.tasks.import_invoice_lines", pk) for pk in ids], ids

    def imports_done(ids):
        states = list(LineImport.objects.filter(pk__in=ids).values_list("state", flat=True))
        if LineImport.State.FAILED in states:
            raise RuntimeError("a line import failed")
        return all(s == LineImport.State.SUCCEEDED for s in states)

    def carts():
        out = []
        for n, customer in enumerate(buyers):
            data = LineInput(quantity=1 + n % 5, billing_cycle="one_time",
                             term_duration=terms[0] if terms else "", provisioning_context={})  # fmt: skip
            out.append(cart_add_line(customer=customer, availability=availability, user=user,
                                     data=data).cart_id)  # fmt: skip
        return out

    results = []
    for workers_count in WORKER_COUNTS:
        row = {"workers": workers_count, "lines_per_s": [], "checkouts_per_s": [], "throttled": 0}
        import_cores, checkout_cores, calls = [], [], []
        with Workers(workers_count, workdir) as workers:
            for _ in range(runs):
                start, ids = import_all()
                phase = _phase(workers, start, lambda ids=ids: imports_done(ids), sandbox_pid)
                row["lines_per_s"].append(4 * lines / phase["seconds"])
                import_cores.append(phase)
                cart_ids = carts()
                before = pc_counts()
                checkout_ids: list[int] = []

                def submit(cart_ids=cart_ids, checkout_ids=checkout_ids):
                    for cart_id in cart_ids:
                        checkout_ids.append(checkout_submit(cart_id=cart_id, user=user,
                                                            confirm_duplicates=True, queue=True).pk)  # fmt: skip

                def settled(checkout_ids=checkout_ids):
                    finals = Checkout.objects.filter(pk__in=checkout_ids)
                    return all(c.is_final for c in finals) and len(checkout_ids) == count

                phase = _phase(workers, submit, settled, sandbox_pid)
                row["checkouts_per_s"].append(count / phase["seconds"])
                checkout_cores.append(phase)
                after = pc_counts()
                row["throttled"] += after[0] - before[0]
                calls.append((after[1] - before[1]) / phase["seconds"])

        def middle(values):
            return sorted(values)[len(values) // 2]

        def median_cores(phases):
            mid = {k: middle([p["cores"][k] for p in phases]) for k in ("workers", "db", "pc")}
            text = "/".join(f"{mid[k]:.2f}" for k in ("workers", "db", "pc"))
            return mid, text

        imp, row["import_cores"] = median_cores(import_cores)
        chk, row["checkout_cores"] = median_cores(checkout_cores)
        row["import_busy"] = middle([p["machine_busy"] for p in import_cores])
        row["import_bottleneck"] = _bottleneck(imp, row["import_busy"], 0, 0)
        row["checkout_busy"] = middle([p["machine_busy"] for p in checkout_cores])
        row["checkout_bottleneck"] = _bottleneck(
            chk, row["checkout_busy"], row["throttled"], middle(calls)
        )
        row["pc_calls_per_s"] = middle(calls)
        results.append(row)
    return results


if __name__ == "__main__":
    print(json.dumps(drive()), flush=True)
