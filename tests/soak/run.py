"""The soak: N checkouts through the portal under Partner Center faults, with real Celery workers,
judged by Partner Center's own record. Prints

    soak: checkouts=N duplicates=D lost=L unknown_left=U failed=F after_commit_faults=A workers=W

- ``duplicates``: Partner Center orders beyond what the checkouts asked for, counting every cart
  the portal ever created for a checkout (each soak checkout's cart line carries a tag in its
  provisioning context, so its carts and orders are found in the sandbox's ledger);
- ``lost``: Partner Center orders with no local ``Order``, plus checkouts the portal shows as
  failed that Partner Center did order;
- ``unknown_left``: checkouts still not settled when the soak gave up waiting;
- ``failed``: checkouts that ended failed (or were refused before being sent);
- ``after_commit_faults``: injected faults that lost (or delayed past the client's timeout) the
  answer of a request the sandbox had processed and committed;
- ``workers``: Celery worker processes (slots) that finished checkout work.

Faults hit cart create, cart update and checkout (most of them after the sandbox committed), and
order reads; carts expire 4 minutes (sandbox clock) after their last change, so some are
recreated before their checkout; new orders show in order lists 15 minutes (sandbox clock) after
they are placed, and the clock runs 60 times faster than the wall clock. Checkouts are submitted from several threads
(one customer each) and finished by Celery workers (PostgreSQL and Redis when installed, SQLite
and the filesystem broker otherwise); one worker is killed with SIGKILL mid-run and restarted.
``PORTAL_SOAK_BREAK`` (``--break``) breaks the portal on purpose: see breakage.py.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from partnercenter.sandbox.testing import SandboxServer
from tests.services import postgres_bindir, postgres_server, redis_binary, redis_server
from tests.soak import breakage
from tests.soak.truth import TAG_KEY, reckon

ROOT = Path(__file__).resolve().parents[2]
SUSE = "SUSE Linux Enterprise Server Priority - 1-2 vCPU VM Support"
CUSTOMERS = ("Contoso Ltd", "Northwind Traders UK Ltd", "Wingtip Toys GmbH",
             "Tailspin Toys Brasil Ltda", "Fabrikam Taiwan Co., Ltd.", "Adatum KK")  # fmt: skip
ORDER_LIST_DELAY = 15 * 60  # sandbox seconds before a new order shows in order lists
CART_TTL = 240  # sandbox seconds: some carts expire before their checkout, and are recreated
CLOCK_SPEED = 60  # sandbox seconds per wall-clock second
SWEEP_EVERY = 5  # seconds between checkout sweeps (what beat does in production)
CLIENT_TIMEOUT = 1  # seconds; slow commits answer after 1.3 s
CHECKOUT = "/v1/customers/*/carts/*/checkout"


def fault_plan(rate: float) -> list[dict]:
    """Fault rules: on cart create/update and checkout, ``rate`` of the calls are faulted, 70 % of
    those after the sandbox committed; order reads (more numerous) get ``rate / 4`` faults, before
    answering, so that most faults of a run are after-commit ones."""
    after = [{"kind": "reset_after"}, {"kind": "500_after"}, {"kind": "slow_commit", "delay": 1.3}]
    before = [{"kind": "reset"}, {"kind": "429", "retry_after": 0}, {"kind": "500"}]
    rules = []
    for path, method in (("/v1/customers/*/carts", "POST"), ("/v1/customers/*/carts/*", "PUT"),
                         (CHECKOUT, "POST")):  # fmt: skip
        rules += [dict(f, path=path, method=method, probability=rate * 0.7 / 3) for f in after]
        rules += [dict(f, path=path, method=method, probability=rate * 0.3 / 3) for f in before]
    for path in ("/v1/customers/*/orders", "/v1/customers/*/orders/*"):
        rules += [dict(f, path=path, method="GET", probability=rate / 4 / 3) for f in before]
    return rules


# -- services ------------------------------------------------------------------------------------


@contextlib.contextmanager
def backing_services(workdir: Path, *, embedded: bool) -> Iterator[tuple[str, str, str]]:
    """(DATABASE_URL, REDIS_URL, description): PostgreSQL and Redis when installed."""
    if postgres_bindir() and redis_binary() and not embedded:
        with postgres_server() as database_url, redis_server() as redis_url:
            yield database_url, redis_url, "PostgreSQL + Redis"
    else:
        yield f"sqlite:///{workdir / 'soak.sqlite3'}", "", "SQLite + filesystem broker"


def soak_env(*, workdir: Path, database_url: str, redis_url: str, sandbox: SandboxServer) -> dict:
    """The environment shared by the harness and its workers."""
    return {
        "DJANGO_SETTINGS_MODULE": "tests.soak.settings",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        "DEBUG": "true",
        "SECRET_KEY": "soak-" + "k" * 60,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PORTAL_VAR_DIR": str(workdir / "var"),
        "PORTAL_SOAK_DIR": str(workdir),
        "PARTNER_CENTER_API_URL": sandbox.base_url,
        "PARTNER_CENTER_AUTHORITY": sandbox.authority,
        "PARTNER_CENTER_TENANT_ID": sandbox.tenant_id,
        "PARTNER_CENTER_CLIENT_ID": sandbox.client_id,
        "PARTNER_CENTER_CLIENT_SECRET": sandbox.client_secret,
        "PARTNER_CENTER_TIMEOUT": str(CLIENT_TIMEOUT),
        "PARTNER_CENTER_MAX_RETRIES": "1",
        "PYTHONUNBUFFERED": "1",
    }


class Workers:
    """Celery worker processes, one per slot (``w1``, ``w2``...); a restarted slot keeps its name."""

    def __init__(self, env: dict, workdir: Path, count: int):
        self.env, self.workdir = env, workdir
        self.slots = [f"w{n}" for n in range(1, count + 1)]
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, slot: str) -> None:
        (self.workdir / "tasks" / f"ready-{slot}").unlink(missing_ok=True)
        env = {**os.environ, **self.env, "PORTAL_SOAK_WORKER": slot}
        log = (self.workdir / f"worker-{slot}.log").open("ab")
        self.procs[slot] = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.soak.worker", "worker", "-P", "solo",
             "-n", f"{slot}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-l", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def start_all(self, *, wait: bool = True) -> None:
        for slot in self.slots:
            self.start(slot)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout: float = 120) -> None:
        """Until every slot is ready to take tasks."""
        deadline = time.monotonic() + timeout
        for slot in self.slots:
            while not (self.workdir / "tasks" / f"ready-{slot}").exists():
                if time.monotonic() > deadline or self.procs[slot].poll() is not None:
                    raise RuntimeError(f"worker {slot} did not start; see {self.workdir}")
                time.sleep(0.2)

    def kill(self, slot: str) -> None:
        self.procs[slot].send_signal(signal.SIGKILL)
        self.procs[slot].wait(10)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def slots_that_worked(self) -> list[str]:
        """Slots that finished checkout work (a sweep that found nothing does not count)."""
        worked = []
        for slot in self.slots:
            notes = self.workdir / "tasks" / slot
            lines = notes.read_text().splitlines() if notes.exists() else []
            if any(_checkout_work(line) for line in lines):
                worked.append(slot)
        return worked


def _checkout_work(note: str) -> bool:
    _pid, name, *rest = note.split(" ", 3)
    if not name.startswith("purchasing.tasks.checkout"):
        return False
    return not (name.endswith("checkout_sweep") and rest[-1:] == ["0"])


# -- the run -------------------------------------------------------------------------------------


@dataclass
class Outcome:
    tag: str
    checkout_id: int | None  # None: refused before anything was sent
    state: str
    message: str = ""
    seconds: float = 0.0


class Ticker(threading.Thread):
    """Moves the sandbox clock and queues checkout sweeps, as time and beat would."""

    def __init__(self, sandbox: SandboxServer):
        super().__init__(daemon=True)
        self.sandbox, self.halt = sandbox, threading.Event()

    def run(self) -> None:
        from purchasing.tasks import checkout_sweep

        last_sweep = time.monotonic()
        while not self.halt.wait(1):
            with contextlib.suppress(Exception):
                self.sandbox.advance_clock(CLOCK_SPEED)
            if time.monotonic() - last_sweep >= SWEEP_EVERY:
                last_sweep = time.monotonic()
                with contextlib.suppress(Exception):
                    checkout_sweep.delay()


def prepare_world(threads: int) -> list[tuple]:
    """(customer, availability) per thread: seeded customers of several markets, their catalog."""
    from catalog.models import Availability
    from catalog.services.sync import catalog_sync
    from portal.customers.services.sync import customer_sync_all, subscription_sync_all
    from portal.models import Customer

    customer_sync_all()
    subscription_sync_all()
    world = []
    for name in CUSTOMERS[:threads]:
        customer = Customer.objects.get(company_name=name)
        catalog_sync(country=customer.country, workers=2)
        availability = Availability.objects.select_related("sku__product").get(
            country=customer.country, segment="commercial", sku__title=SUSE
        )
        world.append((customer, availability))
    return world


def wait_settled(checkout_id: int, *, timeout: float):
    from purchasing.models import Checkout

    deadline = time.monotonic() + timeout
    while True:
        checkout = Checkout.objects.get(pk=checkout_id)
        if checkout.is_final or time.monotonic() > deadline:
            return checkout
        time.sleep(0.2)


def one_checkout(*, n: int, customer, availability, user, settle: float) -> Outcome:
    """Add a tagged line (and change its quantity every other time), place the order, wait until
    it is settled; a failed cart is emptied so the next checkout starts clean."""
    from portal.shared.errors import PortalError
    from purchasing.models import Cart, Checkout
    from purchasing.services.cart import (
        LineInput,
        cart_add_line,
        cart_remove_line,
        cart_update_line,
    )
    from purchasing.services.checkout import checkout_submit

    tag = f"c{n}"
    began = time.monotonic()
    terms = [t.get("duration") for t in availability.terms or [] if isinstance(t, dict)]
    data = LineInput(
        quantity=1 + n % 5,
        billing_cycle="one_time",
        term_duration=terms[0] if terms else "",
        provisioning_context={TAG_KEY: tag},
    )
    cart_id = None
    try:
        line = cart_add_line(customer=customer, availability=availability, user=user, data=data)
        cart_id = line.cart_id
        if n % 2:
            line = cart_update_line(line=line, user=user, quantity=1 + (n + 2) % 5)
        checkout = checkout_submit(cart_id=cart_id, user=user, confirm_duplicates=True, queue=True)
    except PortalError as exc:
        outcome = Outcome(tag, None, "refused", str(exc))
    else:
        checkout = wait_settled(checkout.pk, timeout=settle)
        outcome = Outcome(tag, checkout.pk, checkout.state, checkout.last_error)
    if outcome.state in ("refused", Checkout.State.FAILED) and cart_id:
        cart = Cart.objects.get(pk=cart_id)
        if cart.state == Cart.State.OPEN:
            for leftover in cart.lines.all():
                cart_remove_line(line=leftover, user=user)
    outcome.seconds = time.monotonic() - began
    return outcome


def drive(*, numbers, customer, availability, user, settle, outcomes, lock) -> None:
    """One submitting thread: its customer's checkouts, one after the other."""
    from django.db import connection

    try:
        for n in numbers:
            outcome = one_checkout(
                n=n, customer=customer, availability=availability, user=user, settle=settle
            )
            with lock:
                outcomes.append(outcome)
            if outcome.state not in ("refused", "submitted", "partially_submitted", "failed"):
                break  # never settled: the customer's cart stays closed
    finally:
        connection.close()


def soak(*, sandbox, world, user, workers: Workers, checkouts: int, fault_rate: float,
         kill_at: float | None, settle: float, first: int = 0, echo=print) -> dict:  # fmt: skip
    """Run the checkouts (tags ``c<first>``...); returns the soak line's fields plus details.
    Only orders placed from now on are judged."""
    from purchasing.models import Checkout, Order

    sandbox.configure(order_list_delay=ORDER_LIST_DELAY, cart_ttl=CART_TTL)
    sandbox.clear_faults()
    # The first checkout requests all lose their answer after the commit: with each actor (thread
    # or worker) sending its requests one at a time, one of them has its first attempt and the
    # client's retry both lost, whatever the dice say below.
    sure = 2 * (len(world) + len(workers.slots)) + 1
    sandbox.add_fault("reset_after", path=CHECKOUT, method="POST", count=sure)
    for rule in fault_plan(fault_rate):
        sandbox.add_fault(**rule)
    started_at = sandbox.ledger()["now"]
    faults_before = sandbox.stats().get("fault_outcomes", {})
    ticker = Ticker(sandbox)
    ticker.start()
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    threads = []
    for i, (customer, availability) in enumerate(world):
        numbers = range(first + i, first + checkouts, len(world))
        kwargs = {"numbers": numbers, "customer": customer, "availability": availability,
                  "user": user, "settle": settle, "outcomes": outcomes, "lock": lock}  # fmt: skip
        threads.append(threading.Thread(target=drive, kwargs=kwargs))
    began = time.monotonic()
    for thread in threads:
        thread.start()
    killed = None
    shown = 0
    while any(t.is_alive() for t in threads):
        time.sleep(0.5)
        done = len(outcomes)
        if kill_at is not None and killed is None and done >= kill_at * checkouts:
            slot = workers.slots[0]
            workers.kill(slot)
            killed = f"{slot} killed (SIGKILL) after {done} checkouts, restarted"
            echo(f"  {killed}")
            time.sleep(1)
            workers.start(slot)
        if done // 50 > shown // 50:
            echo(f"  {done}/{checkouts} checkouts, {time.monotonic() - began:.0f} s")
        shown = done
    ticker.halt.set()
    ticker.join()
    sandbox.clear_faults()
    stats = sandbox.stats()
    customers = [customer for customer, _ in world]
    ledger = sandbox.ledger()["customers"]
    pc_orders = [
        order
        for customer in customers
        for order in ledger[str(customer.tenant_id)]["orders"]
        if order["created"] >= started_at
    ]
    ids = [o.checkout_id for o in outcomes if o.checkout_id]
    still_open = set(
        Checkout.objects.filter(pk__in=ids)
        .exclude(state__in=Checkout.FINAL_STATES)
        .values_list("pk", flat=True)
    )
    unknown = sum(1 for o in outcomes if o.checkout_id in still_open)
    failed = {o.tag for o in outcomes if o.state in ("failed", "refused")}
    verdict = reckon(
        pc_orders=pc_orders,
        asked={o.tag: 1 for o in outcomes if o.checkout_id},
        failed_tags=failed,
        local_order_ids=set(
            Order.objects.filter(customer__in=customers).values_list("pc_order_id", flat=True)
        ),
    )
    outcomes_by_fault = {
        kind: count - faults_before.get(kind, 0)
        for kind, count in stats.get("fault_outcomes", {}).items()
        if count > faults_before.get(kind, 0)
    }
    return {
        "checkouts": len(outcomes),
        "duplicates": verdict.duplicates,
        "lost": verdict.lost,
        "unknown_left": unknown,
        "failed": len(failed),
        "after_commit_faults": sum(
            v for k, v in outcomes_by_fault.items() if k.startswith("after:")
        ),
        "workers": len(workers.slots_that_worked()),
        "after_share": sum(v for k, v in outcomes_by_fault.items() if k.startswith("after:"))
        / max(1, sum(outcomes_by_fault.values())),
        "verdict": verdict,
        "fault_outcomes": outcomes_by_fault,
        "killed": killed,
        "pc_orders": len(pc_orders),
        "pc_carts": sum(
            1
            for customer in customers
            for cart in ledger[str(customer.tenant_id)]["carts"]
            if cart["created"] >= started_at
        ),
        "sync_states": dict(
            Counter(
                Order.objects.filter(customer__in=customers).values_list("sync_state", flat=True)
            )
        ),
        "elapsed": time.monotonic() - began,
        "slowest": sorted((round(o.seconds, 1), o.state) for o in outcomes)[-5:],
        "mean_seconds": sum(o.seconds for o in outcomes) / max(1, len(outcomes)),
    }


def line(result: dict, label: str = "soak") -> str:
    return (
        f"{label}: checkouts={result['checkouts']} duplicates={result['duplicates']} "
        f"lost={result['lost']} unknown_left={result['unknown_left']} failed={result['failed']} "
        f"after_commit_faults={result['after_commit_faults']} workers={result['workers']}"
    )


def details(result: dict) -> str:
    verdict = result["verdict"]
    return (
        f"  ({result['checkouts']} checkouts in {result['elapsed']:.0f} s; {result['pc_orders']} "
        f"Partner Center orders from {result['pc_carts']} carts; local orders by sync state {result['sync_states']}; "
        f"faults {result['fault_outcomes']} ({result['after_share']:.0%} after the commit); "
        f"{result['killed'] or 'no kill'};"
        f" untagged orders {verdict.orphans}, unrecorded {verdict.unrecorded}, failed but ordered "
        f"{verdict.failed_but_ordered}; a checkout took {result['mean_seconds']:.1f} s on average,"
        f" slowest {result['slowest']})"
    )


def bad(result: dict) -> bool:
    return bool(result["duplicates"] or result["lost"] or result["unknown_left"])


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=4, help="submitting threads (customers)")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--kill-at", type=float, default=0.3,
                        help="SIGKILL a worker after this share of the checkouts (-1: never)")  # fmt: skip
    parser.add_argument("--settle", type=float, default=300,
                        help="seconds to wait for one checkout to settle")  # fmt: skip
    parser.add_argument("--break", dest="breakage", choices=breakage.MODES,
                        help="break the portal on purpose from the start")  # fmt: skip
    parser.add_argument("--self-test", choices=breakage.MODES,
                        help="after the soak, break the portal this way and soak again: that run "
                        "must report duplicates or lost orders")  # fmt: skip
    parser.add_argument("--self-test-checkouts", type=int, default=12)
    parser.add_argument("--embedded", action="store_true",
                        help="SQLite and the filesystem broker even when PostgreSQL and Redis are "
                        "installed")  # fmt: skip
    args = parser.parse_args(argv)
    if not 2 <= args.threads <= len(CUSTOMERS) or args.workers < 2:
        parser.error(f"use 2-{len(CUSTOMERS)} threads and at least 2 workers")
    if args.breakage and args.self_test:
        parser.error("--break and --self-test exclude each other")
    return args


def main(argv: list[str]) -> int:
    """Exit 0 when the soak found nothing (and, with ``--self-test``, the broken portal was caught)."""
    args = parse_args(argv)
    if args.breakage:
        os.environ[breakage.ENV] = args.breakage
    workdir = Path(tempfile.mkdtemp(prefix="portal-soak-"))
    echo = lambda message: print(message, file=sys.stderr, flush=True)  # noqa: E731
    began = time.monotonic()
    with (
        backing_services(workdir, embedded=args.embedded) as (database_url, redis_url, backing),
        SandboxServer(workdir / "sandbox") as server,
    ):
        os.environ.update(
            soak_env(
                workdir=workdir, database_url=database_url, redis_url=redis_url, sandbox=server
            )
        )
        import django

        django.setup()
        from django.core.management import call_command

        from portal.admin_tools.services.staff import staff_create_or_update
        from portal.shared.roles import Role

        breakage.install()
        echo(f"  soak in {workdir} on {backing}" + (f", portal broken: {args.breakage}"
                                                    if args.breakage else ""))  # fmt: skip
        steps = [f"services {time.monotonic() - began:.0f} s"]
        workers = Workers(dict(os.environ), workdir, args.workers)
        workers.start_all(wait=False)  # they boot while the database and catalog are prepared
        broken = None
        try:
            call_command("migrate", verbosity=0, interactive=False)
            steps.append(f"migrate {time.monotonic() - began:.0f} s")
            user, _ = staff_create_or_update(
                username="soak", password="soak-pass-123", roles=[Role.SALES]
            )
            world = prepare_world(args.threads)
            steps.append(f"catalog {time.monotonic() - began:.0f} s")
            workers.wait_ready()
            steps.append(f"workers {time.monotonic() - began:.0f} s")
            echo(f"  ready: {', '.join(steps)}")
            result = soak(
                sandbox=server, world=world, user=user, workers=workers,
                checkouts=args.checkouts, fault_rate=args.fault_rate,
                kill_at=None if args.kill_at < 0 else args.kill_at, settle=args.settle, echo=echo,
            )  # fmt: skip
            print(line(result), flush=True)
            echo(details(result))
            if args.self_test:
                breakage.throw(args.self_test)
                broken = soak(
                    sandbox=server, world=world, user=user, workers=workers,
                    checkouts=args.self_test_checkouts, fault_rate=args.fault_rate, kill_at=None,
                    settle=args.settle, first=args.checkouts, echo=echo,
                )  # fmt: skip
                print(line(broken, f"soak (portal broken: {args.self_test})"), flush=True)
                echo(details(broken))
        finally:
            workers.stop_all()
    echo(f"  soak run time {time.monotonic() - began:.0f} s")
    if broken is not None:
        return 1 if bad(result) or not (broken["duplicates"] or broken["lost"]) else 0
    return 1 if bad(result) else 0
