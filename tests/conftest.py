"""Shared fixtures: staff users per role, the Partner Center sandbox, a Celery worker thread,
real Redis, and a real Chromium driven by Playwright.

A missing dependency (the sandbox, redis-server, Chromium) fails the tests that need it; it is never
a skip. Deselect on purpose instead (``-m "not browser"``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests import db_template

# One Hypothesis profile for the whole suite (loaded before any test module is imported):
# examples are derived from the test, not the clock, and a loaded machine (the suite runs several
# processes on two cores) neither times an example out nor fails the "data too slow" health check.
_PATIENT = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", max_examples=25, derandomize=True, **_PATIENT)
settings.register_profile("deep", max_examples=300, **_PATIENT)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Playwright's sync API runs an event loop in the test thread; Django must allow ORM use there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHARED_DIR = Path(__file__).resolve().parent.parent.parent / "shared"
DEMO_PASSWORD = "test-pass-123"


def pytest_configure(config):
    """Pages are tested with the catalogs of the checked-out .po (Babel compiles stale .mo). The
    run gets its name (inherited by xdist workers) for its template database."""
    from portal.i18n_catalogs import compile_catalogs

    compile_catalogs([Path(__file__).resolve().parent.parent / "locale"])
    db_template.run_id()


def pytest_sessionfinish(session):
    """The controlling process drops the run's template database once every worker is done."""
    if hasattr(session.config, "workerinput"):
        return
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    with session.config.stash[blocking_manager_key].unblock():
        db_template.drop_template(connection)


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker, django_db_modify_db_settings):
    """This process's test database: a copy of the run's migrated template (tests/db_template.py)
    instead of running every migration again in each xdist worker."""
    from django.conf import settings
    from django.db import connection

    with django_db_blocker.unblock():
        original = db_template.use_copy_of_template(connection, settings)
    yield
    with django_db_blocker.unblock():
        db_template.drop_copy(connection, original)


# --- markers ---------------------------------------------------------------------------------


def uses_database(item) -> bool:
    """Whether a test reaches the portal's test database (marker or fixture)."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(
        {"_django_db_helper", "django_db_setup"} & fixtures
    )


def pytest_collection_modifyitems(config, items):
    """Markers stay true: a test that drives Chromium is marked ``browser``. On PostgreSQL
    (``make pytest-postgres``) only the tests that reach the database run again: the others (the
    client, the sandbox, settings and files) ran in the SQLite pass and use no database."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        independent = [item for item in items if not uses_database(item)]
        if independent:
            config.hook.pytest_deselected(items=independent)
            items[:] = [item for item in items if uses_database(item)]
    unmarked = [
        item.nodeid
        for item in items
        if {"page", "browser"} & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("browser") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests using the browser/page fixture must be marked browser:\n" + "\n".join(unmarked)
        )


def pytest_runtest_setup(item):
    """``postgres`` tests run in the PostgreSQL pass (``make pytest-postgres``) only."""
    if item.get_closest_marker("postgres") is None:
        return
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs PostgreSQL: runs in the PostgreSQL pass (make pytest-postgres)")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a test client request in another language leaves
    that language active in the thread (LocaleMiddleware does not switch back), which would turn
    the next test's sentences into Chinese."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


# --- artefacts and ports ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def artefacts(tmp_path_factory) -> Path:
    """A directory for screenshots and other artefacts of this run (under pytest's temporary
    directory, never the repository)."""
    return tmp_path_factory.mktemp("artefacts")


@pytest.fixture
def closed_port():
    """A loopback port that refuses connections for the whole test (bound, never listening)."""
    from tests.services import closed_port as hold

    with hold() as port:
        yield port


# --- staff users -------------------------------------------------------------------------------


def _make_user(username: str, roles: list[str]):
    from portal.admin_tools.services.staff import staff_create_or_update
    from portal.shared.roles import Role

    user, _ = staff_create_or_update(
        username=username, password=DEMO_PASSWORD, roles=[Role(r) for r in roles]
    )
    return user


@pytest.fixture
def sales_user(db):
    return _make_user("sally", ["sales"])


@pytest.fixture
def finance_user(db):
    return _make_user("fiona", ["finance"])


@pytest.fixture
def admin_user(db):
    return _make_user("adam", ["admin"])


@pytest.fixture
def norole_user(db):
    return _make_user("nobody", [])


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def sales_client(sales_user):
    return _client_for(sales_user)


@pytest.fixture
def finance_client(finance_user):
    return _client_for(finance_user)


@pytest.fixture
def admin_client_portal(admin_user):
    return _client_for(admin_user)


# --- Partner Center sandbox -------------------------------------------------------------------


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory):
    """One sandbox process for the whole session (short delays so tests stay fast)."""
    from partnercenter.sandbox import testing

    with testing.SandboxServer(tmp_path_factory.mktemp("sandbox")) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server, settings):
    """The session sandbox, reset to its seed state, with the portal's settings pointing at it."""
    sandbox_server.reset()
    settings.PARTNER_CENTER_API_URL = sandbox_server.base_url
    settings.PARTNER_CENTER_AUTHORITY = sandbox_server.authority
    settings.PARTNER_CENTER_TENANT_ID = sandbox_server.tenant_id
    settings.PARTNER_CENTER_CLIENT_ID = sandbox_server.client_id
    settings.PARTNER_CENTER_CLIENT_SECRET = sandbox_server.client_secret
    settings.PARTNER_CENTER_TIMEOUT = 5
    return sandbox_server


def sandbox_sign_in(flow: dict, username: str = "partner.admin@contoso-partner.example") -> dict:
    """Fill the sandbox's sign-in form for ``flow`` (from ``begin_user_sign_in``) with ``requests``;
    returns the query parameters the authority redirects back with (code, state, ...)."""
    from html.parser import HTMLParser
    from urllib.parse import parse_qsl, urlsplit

    import requests

    class _Form(HTMLParser):
        def __init__(self):
            super().__init__()
            self.fields: dict[str, str] = {}

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "input" and a.get("type") == "hidden" and a.get("name"):
                self.fields[a["name"]] = a.get("value") or ""

    http = requests.Session()
    http.trust_env = False
    page = http.get(flow["auth_uri"], timeout=10)
    page.raise_for_status()
    form = _Form()
    form.feed(page.text)
    answer = http.post(
        flow["auth_uri"].split("?")[0],
        data={**form.fields, "username": username},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code in (302, 303), answer.text[:300]
    return dict(parse_qsl(urlsplit(answer.headers["Location"]).query))


@pytest.fixture
def pc_user_connection(sandbox, db):
    """A partner admin signed in (App+User) against the sandbox through ``portal.partner_center.connection``:
    ``get_client()`` afterwards makes App+User calls; returns the ``PartnerCenterConnection``."""
    from portal.partner_center.connection import connection_begin, connection_complete

    flow = connection_begin(redirect_uri="http://testserver/admin-tools/connection/callback/")
    return connection_complete(flow=flow, query_params=sandbox_sign_in(flow), actor=None)


# --- Celery -----------------------------------------------------------------------------------


def purge_memory_broker() -> None:
    """Drop messages earlier tests of this process left on the in-memory broker: their objects are
    gone with those tests' databases, and a fresh worker would work through them first."""
    from portal.celery import app

    app.control.purge()


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker thread on the in-memory broker, consuming the portal's tasks."""
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    purge_memory_broker()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app


# --- Redis ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url():
    from tests.services import redis_binary, redis_server

    if redis_binary() is None:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    with redis_server() as url:
        yield url


# --- Browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM} (apt-get install chromium, or -m 'not browser')"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def browser_login(page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the real login form."""
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
