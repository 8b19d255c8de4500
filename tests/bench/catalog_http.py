"""bench: catalog_http - catalog pages over HTTP from gunicorn, several logged-in clients at once.

The portal is served as in production (gunicorn with ``gunicorn.conf.py``: its workers and threads
unless ``BENCH_HTTP_WORKERS``/``BENCH_HTTP_THREADS`` say otherwise, DEBUG off, collected static
files) from SQLite and from PostgreSQL, with the demo's markup rules and prices for the SKU pages
visited. ``clients`` threads, each with its own session logged in through the login form (every
other one in Traditional Chinese), request list, search and SKU pages in turn for ``seconds``; the
result is the 95th percentile per kind of page, and the share of a core the clients themselves
used (``client_cpu``), since they run on the same machine.

Each database gets its catalog from the sandbox (a child process syncs it), then the runs alternate
between SQLite and PostgreSQL, so both meet the same machine load.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from tests.bench.harness import bench, figure, interleave

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = int(os.environ.get("BENCH_HTTP_CLIENTS", "8"))
# gunicorn's workers and threads: gunicorn.conf.py's (production's) unless these are set.
WORKERS = os.environ.get("BENCH_HTTP_WORKERS", "")
THREADS = os.environ.get("BENCH_HTTP_THREADS", "")
PASSWORD = "bench-Http-pass-5531"
BENCH_USER = "bench-http-sales"
KINDS = ("list", "search", "sku")
LANGUAGES = ("en", "zh-hant")  # the demo's languages (settings.LANGUAGES)
# Words a salesperson types: product families, sizes, regions, ids, punctuation and no match.
SEARCH_TERMS = [
    "standard_e8s eu west", "reserved vm", "sql database", "cosmos", "windows server",
    "d4s v5", "us east", "linux", "3 years", "premium ssd", "b2ms", "suse", "ja east",
    "office", "no-such-product-xyz", "Standard_D2s", "(1 year)", "ap southeast",
]  # fmt: skip


def percentile(values: list[float], fraction: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(fraction * (len(values) - 1)))]


def _pbkdf2(password: str) -> str:
    """The production hasher's encoding (the bench process may run with the tests' fast hasher)."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt())


def bench_user(username: str = BENCH_USER) -> str:
    """A salesperson whose password gunicorn's settings can check; returns the username."""
    from portal.admin_tools.services.staff import staff_create_or_update
    from portal.shared.roles import Role

    user = staff_create_or_update(username=username, password=None, roles=[Role.SALES])
    user = user[0] if isinstance(user, tuple) else user
    user.password = _pbkdf2(PASSWORD)
    user.save(update_fields=["password"])
    return username


def page_urls(rng: random.Random, sample: list[tuple[str, str]], skus: int) -> dict[str, list[str]]:
    """URLs of each kind: list pages (any page, a view tab or not), searches, SKU pages."""
    from catalog.selectors import VIEW_TABS

    pages = max(1, skus // 50)
    views = [v for v, _ in VIEW_TABS]
    lists = [
        f"/catalog/?country=US&page={rng.randint(1, pages)}"
        + (f"&view={rng.choice(views)}" if i % 2 else "")
        for i in range(200)
    ]
    searches = [
        f"/catalog/?country=US&q={requests.utils.quote(term)}" + ("&page=2" if i % 5 == 0 else "")
        for i, term in enumerate(SEARCH_TERMS * 3)
    ]
    sku_pages = [f"/catalog/{p}/{s}/?country=US" for p, s in sample]
    return {"list": lists, "search": searches, "sku": sku_pages}


def _secure_off(session: requests.Session) -> None:
    """Production marks cookies Secure; the bench talks plain http to gunicorn on loopback."""
    for cookie in session.cookies:
        cookie.secure = False


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    _secure_off(session)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, f"login failed: {response.status_code}"
    _secure_off(session)
    return session


def load(base: str, username: str, urls: dict[str, list[str]], *, clients: int, seconds: float):
    """``clients`` threads request the pages kind by kind until ``seconds`` are up; every other
    client reads the portal in the demo's second language."""
    sessions = [login(base, username) for _ in range(clients)]
    for n, session in enumerate(sessions):
        session.headers["Accept-Language"] = LANGUAGES[n % len(LANGUAGES)]
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(n: int) -> None:
        rng = random.Random(n)
        session, i = sessions[n], n
        while time.monotonic() < deadline:
            kind = KINDS[i % len(KINDS)]
            i += 1
            url = base + rng.choice(urls[kind])
            started = time.perf_counter()
            response = session.get(url, timeout=60, allow_redirects=False)
            ms = (time.perf_counter() - started) * 1000
            _secure_off(session)  # a response may set the cookies again
            with lock:
                times[kind].append(ms)
                if response.status_code != 200:
                    where = response.headers.get("Location", "")
                    errors.append(f"{response.status_code} {url} {where}".strip())

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, errors


def _server_env(database_url: str, workdir: Path) -> dict[str, str]:
    """Production settings (DEBUG off, collected static files), plain http on loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.pop("DEBUG", None)
    env.update(
        PORTAL_VAR_DIR=str(workdir / "var"),
        LOG_FORMAT="plain",
        DATABASE_URL=database_url,
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        PARTNER_CENTER_CLIENT_SECRET="bench",
        SECURE_SSL_REDIRECT="false",  # instead of the TLS proxy in front
        STATIC_ROOT=str(workdir / "static"),
    )
    return env


@contextlib.contextmanager
def gunicorn(database_url: str, workdir: Path) -> Iterator[str]:
    """The Procfile's web process on a free loopback port; yields its base URL."""
    from tests.services import server_on_free_port

    env = _server_env(database_url, workdir)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    log = open(workdir / "gunicorn.log", "ab")  # noqa: SIM115

    def start(port: int) -> subprocess.Popen:
        server_env = env | {"GUNICORN_BIND": f"127.0.0.1:{port}"}
        if WORKERS:
            server_env["GUNICORN_WORKERS"] = WORKERS
        if THREADS:
            server_env["GUNICORN_THREADS"] = THREADS
        command = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"]
        return subprocess.Popen(
            [*command, "--no-control-socket", "portal.wsgi"],
            cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    with log, server_on_free_port(start, timeout=60) as (port, _):
        yield f"http://127.0.0.1:{port}"


@contextlib.contextmanager
def served(database_url: str, server, workdir: Path) -> Iterator[tuple[str, dict]]:
    """A catalog synced into ``database_url`` and served by gunicorn: (base URL, page URLs)."""
    from tests.bench._catalog_child import run_child

    populated = run_child("populate", database_url, server)
    urls = page_urls(random.Random(7), populated["sample"], populated["skus"])
    with gunicorn(database_url, workdir) as base:
        warm = login(base, BENCH_USER)
        for kind in KINDS:  # each worker's first page pays for imports and template loading
            for url in urls[kind][:4]:
                warm.get(base + url, timeout=60)
        yield base, urls | {"skus": populated["skus"]}


def measure(base: str, urls: dict, *, clients: int, seconds: float) -> dict:
    """One load period: p95 and p50 (ms) per kind of page, requests per second, errors."""
    cpu = time.process_time()
    times, errors = load(base, BENCH_USER, urls, clients=clients, seconds=seconds)
    # The clients' own CPU (this process): on a 2-core machine a heavy client starves the server.
    client_cpu = (time.process_time() - cpu) / seconds
    result = {f"{k}_p95_ms": percentile(times[k], 0.95) for k in KINDS}
    result |= {f"{k}_p50_ms": percentile(times[k], 0.5) for k in KINDS}
    result["rps"] = sum(len(v) for v in times.values()) / seconds
    result["client_cpu"] = client_cpu
    result["errors"] = len(errors)
    result["first_error"] = errors[0] if errors else ""
    return result


def _line(db: str, skus: int, clients: int, seconds: float, runs: list[dict]) -> str:
    figures = " ".join(
        f"{k}_p95_ms={figure([r[f'{k}_p95_ms'] for r in runs], '.0f')}" for k in KINDS
    )
    errors = sum(r["errors"] for r in runs)
    first = next((r["first_error"] for r in runs if r["first_error"]), "")
    return (
        f"bench: catalog_http db={db} skus={skus} clients={clients} seconds={seconds:.0f} "
        f"{figures} rps={figure([r['rps'] for r in runs], '.0f')} "
        f"client_cpu={figure([r['client_cpu'] for r in runs], '.2f')} "
        f"workers={WORKERS or 'default'} threads={THREADS or 'default'} errors={errors}"
        + (f" first_error={first.split()[0]}" if first else "")
    )


@bench("catalog_http", order=45)
def run(env):
    skus = env.size(default=3000, full=50_000)
    seconds = float(os.environ.get("BENCH_HTTP_SECONDS") or (60 if env.full else 10))
    clients = CLIENTS
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(env.sandbox(catalog_size=skus, order_list_delay=0))
        sqlite_url = env.sqlite("http-")
        targets = {"sqlite": stack.enter_context(served(sqlite_url, server, env.tempdir("web-")))}
        pg_url = stack.enter_context(env.postgres())
        if pg_url:
            targets["postgresql"] = stack.enter_context(served(pg_url, server, env.tempdir("web-")))
        paths = {
            db: functools.partial(measure, base, urls, clients=clients, seconds=seconds)
            for db, (base, urls) in targets.items()
        }
        runs = interleave(env.runs, **paths)  # SQLite, PostgreSQL, SQLite, ... under one load
        for db, (_, urls) in targets.items():
            yield _line(db, urls["skus"], clients, seconds, runs[db])
