"""One migrated test database per test run, copied for each test process.

Running the migrations costs several seconds of CPU; with pytest-xdist every process used to run
them for its own database. Now the first process to need a database migrates a template (under a
file lock, once per run) and every process gets a copy: the file on SQLite, ``CREATE DATABASE …
TEMPLATE`` on PostgreSQL. The migrations still run, once, from an empty database.

``PORTAL_TEST_RUN`` (set by the controlling pytest process, inherited by its xdist workers) names
the run, so concurrent runs never share a template.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

RUN_ENV = "PORTAL_TEST_RUN"


def run_id() -> str:
    return os.environ.setdefault(RUN_ENV, uuid.uuid4().hex[:10])


def shared_dir() -> Path:
    path = Path(tempfile.gettempdir()) / f"portal-test-run-{run_id()}"
    path.mkdir(exist_ok=True)
    return path


@contextlib.contextmanager
def _run_lock() -> Iterator[None]:
    with open(shared_dir() / "template.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def template_name(connection) -> str:
    if connection.vendor == "sqlite":
        return str(shared_dir() / "template.sqlite3")
    return f"test_portal_template_{run_id()}"


def _build_template(connection) -> None:
    """Create and migrate the template database, then leave it without connections."""
    saved_name = connection.settings_dict["NAME"]
    test = connection.settings_dict.setdefault("TEST", {})
    saved_test_name = test.get("NAME")
    test["NAME"] = template_name(connection)
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        if connection.vendor == "sqlite":  # everything in the main file before it is copied
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
        test["NAME"] = saved_test_name
        connection.settings_dict["NAME"] = saved_name


def use_copy_of_template(connection, settings) -> str:
    """Give this process its own copy of the run's migrated template; returns the original
    database name (for :func:`drop_copy`)."""
    original = connection.settings_dict["NAME"]
    with _run_lock():
        ready = shared_dir() / f"{connection.vendor}.ready"
        if not ready.exists():
            _build_template(connection)
            ready.touch()
        target = connection.creation._get_test_db_name()
        template = template_name(connection)
        if connection.vendor == "sqlite":
            for leftover in (target, f"{target}-wal", f"{target}-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(leftover)
            shutil.copyfile(template, target)
        else:
            quote = connection.ops.quote_name
            with connection.creation._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(target)}")
                cursor.execute(f"CREATE DATABASE {quote(target)} TEMPLATE {quote(template)}")
    connection.close()
    connection.settings_dict["NAME"] = target
    settings.DATABASES[connection.alias]["NAME"] = target
    return original


def drop_copy(connection, original: str) -> None:
    connection.creation.destroy_test_db(original, verbosity=0)


def drop_template(connection) -> None:
    """At the end of the run (controlling process): the PostgreSQL template and the shared files."""
    if connection.vendor != "sqlite" and (shared_dir() / "postgresql.ready").exists():
        quote = connection.ops.quote_name
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(template_name(connection))}")
    shutil.rmtree(shared_dir(), ignore_errors=True)
