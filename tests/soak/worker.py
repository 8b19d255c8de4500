"""The Celery app of the soak's worker processes (``celery -A tests.soak.worker worker``): the
portal's app, with the soak's self-test switch applied (see breakage.py), and a note of every
purchasing task each worker finished (how the soak counts the workers that did the work)."""

import os
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.soak.settings")

import django

django.setup()

from celery.signals import task_postrun, worker_ready  # noqa: E402

from portal.celery import app  # noqa: E402
from tests.soak import breakage  # noqa: E402

breakage.install()
TASKS = Path(os.environ["PORTAL_SOAK_DIR"]) / "tasks"


@worker_ready.connect
def note_ready(**_):
    TASKS.mkdir(parents=True, exist_ok=True)
    (TASKS / f"ready-{os.environ.get('PORTAL_SOAK_WORKER', 'worker')}").touch()


@task_postrun.connect
def note_task(sender=None, state=None, retval=None, **_):
    if sender is None or not sender.name.startswith("purchasing.tasks."):
        return
    TASKS.mkdir(parents=True, exist_ok=True)
    slot = os.environ.get("PORTAL_SOAK_WORKER", "worker")
    with (TASKS / slot).open("a") as notes:
        notes.write(f"{os.getpid()} {sender.name} {state} {retval}\n")


__all__ = ["app"]
