"""Every Celery task goes to a queue that a worker consumes.

Tasks are routed by kind of work (``CELERY_TASK_ROUTES``): Partner Center I/O, line imports,
statement documents. A task routed to a queue no worker listens on would never run, and nothing
would say so: these tests hold every task of the project to a declared queue, and every declared
queue to a worker, started as ``make run`` starts it (the Procfile's one worker, all queues) and as
production starts them (docker-compose.yml, one pool per queue).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from portal.celery import app
from tests.image import COMPOSE_ENV, ROOT, compose_config, host_command, web_environment

QUEUES = {queue.name for queue in settings.CELERY_TASK_QUEUES}


def _project_tasks() -> list[str]:
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def _queue_of(task: str) -> str:
    return app.amqp.router.route({}, task)["queue"].name


def _consumed(command: list[str]) -> set[str]:
    """The queues a ``celery worker`` command consumes: those of ``-Q``, else every declared one."""
    for at, word in enumerate(command):
        if word in ("-Q", "--queues"):
            return set(command[at + 1].split(","))
        if word.startswith("--queues="):
            return set(word.partition("=")[2].split(","))
    assert not any(w in ("-X", "--exclude-queues") for w in command), command
    return set(QUEUES)


def _procfile_worker() -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "worker":
            return shlex.split(command)
    raise AssertionError("the Procfile starts no worker")


def _compose_workers(config: dict) -> dict[str, list[str]]:
    return {
        name: service["command"]
        for name, service in config["services"].items()
        if (service.get("command") or [None])[0] == "celery" and "worker" in service["command"]
    }


def test_every_task_is_routed_to_a_declared_queue():
    tasks = _project_tasks()
    assert {t.split(".", 1)[0] for t in tasks} >= {"portal", "catalog", "purchasing", "billing"}
    stray = {task: _queue_of(task) for task in tasks if _queue_of(task) not in QUEUES}
    assert not stray, f"routed to queues no worker consumes: {stray}"
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed <= QUEUES, routed - QUEUES
    # Each kind of work in its own queue (docs/scaling.md).
    assert _queue_of("purchasing.tasks.checkout_execute_task") == "pc"
    assert _queue_of("catalog.tasks.catalog_sync_task") == "pc"
    assert _queue_of("billing.tasks.import_invoice_lines") == "imports"
    assert _queue_of("billing.tasks.import_unbilled_lines") == "imports"
    assert _queue_of("billing.tasks.download_statement") == "pdf"
    assert sorted(QUEUES) == ["imports", "pc", "pdf"]


def test_make_run_worker_consumes_every_queue():
    command = _procfile_worker()
    assert command[0].endswith("celery") and "worker" in command
    assert _consumed(command) == QUEUES


def test_production_workers_consume_every_queue_and_nothing_else():
    workers = _compose_workers(compose_config())
    consumed = {name: _consumed(command) for name, command in workers.items()}
    assert set().union(*consumed.values()) == QUEUES, consumed
    # One pool per queue, each with its concurrency.
    for name, command in workers.items():
        assert len(consumed[name]) == 1 and "--concurrency" in command, (name, command)


# --- the workers themselves, taking a message from each queue -------------------------------


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_for_text(logs: list[Path], texts: set[str], timeout: float) -> set[str]:
    """The texts not yet found in the logs when they all appeared or ``timeout`` passed."""
    deadline = time.monotonic() + timeout
    missing = set(texts)
    while missing and time.monotonic() < deadline:
        content = "".join(log.read_text(errors="replace") for log in logs if log.exists())
        missing = {text for text in missing if text not in content}
        time.sleep(0.3)
    return missing


def _send_one_task_per_queue(env: dict[str, str]) -> dict[str, str]:
    """Queue one task of each queue (through the portal's routing, in a process configured like
    the web's); returns {queue: task id}. The tasks get no arguments: the worker takes them from
    the queue and logs that it received them, which is what is tested, then refuses to run them."""
    tasks = {}
    for task in _project_tasks():
        tasks.setdefault(_queue_of(task), task)
    ids = {queue: str(uuid.uuid4()) for queue in tasks}
    script = "; ".join(
        ["from portal.celery import app", "import django", "django.setup()"]
        + [f"app.send_task({tasks[q]!r}, task_id={ids[q]!r})" for q in tasks]
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return ids


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.slow
def test_make_run_worker_takes_a_task_from_every_queue(tmp_path):
    """Embedded mode (filesystem broker under var/), the Procfile's worker command as is."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
    }
    log = tmp_path / "worker.log"
    procs = [_start(host_command(_procfile_worker()), env, log)]
    try:
        assert not _wait_for_text([log], {" ready."}, 120), log.read_text()
        ids = _send_one_task_per_queue(env)
        missing = _wait_for_text([log], {f"{i}] received" for i in ids.values()}, 60)
        assert not missing, {q for q, i in ids.items() if f"{i}] received" in missing}
    finally:
        _stop(procs)


@pytest.mark.slow
@pytest.mark.redis
def test_production_workers_take_a_task_from_every_queue(tmp_path, redis_url):
    """Each compose worker's command (one process each here), on Redis, with the web's
    environment: together they take a task from every queue."""
    config = compose_config(COMPOSE_ENV)
    env = web_environment(
        config,
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",  # the tasks never get to run
        REDIS_URL=redis_url,
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "media"),
        PATH=f"{Path(sys.executable).parent}:/usr/bin:/bin",
        HOME=str(tmp_path),
    )
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    logs, procs = [], []
    try:
        for name, command in _compose_workers(config).items():
            at = command.index("--concurrency")
            one = [*command[: at + 1], "1", *command[at + 2 :], "-n", f"{name}@%h"]
            logs.append(tmp_path / f"{name}.log")
            procs.append(_start(host_command(one), env, logs[-1]))
        for log in logs:
            assert not _wait_for_text([log], {" ready."}, 120), log.read_text()
        ids = _send_one_task_per_queue(env)
        missing = _wait_for_text(logs, {f"{i}] received" for i in ids.values()}, 60)
        assert not missing, {q for q, i in ids.items() if f"{i}] received" in missing}
    finally:
        _stop(procs)
