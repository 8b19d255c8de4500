"""Queue Celery tasks from services by name.

Tasks call services, so services name the task they queue instead of importing its module (the
"services never import tasks" contract in pyproject.toml). The name is resolved through Celery's
registry when the transaction commits: an unknown name fails loudly (``NotRegistered``).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation

from portal.celery import LANGUAGE_HEADER, app


def enqueue_on_commit(task: str, *args, countdown: float | None = None) -> None:
    """Queue the task named ``task`` (e.g. ``"billing.tasks.import_invoice_lines"``) with
    ``args`` once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: enqueue(task, *args, countdown=countdown))


def enqueue(task: str, *args, countdown: float | None = None) -> None:
    """Queue the task named ``task`` now. It runs in the language active here (the user's who
    asked), so the progress texts and messages it stores read in that language."""
    options: dict = {"countdown": countdown} if countdown is not None else {}
    language = translation.get_language()
    if language:
        options["headers"] = {LANGUAGE_HEADER: language}
    app.signature(task, args=args).apply_async(**options)


def actor_pk(actor) -> int | None:
    """The primary key a task takes for the person who asked (None for a command or beat)."""
    return actor.pk if getattr(actor, "is_authenticated", False) else None


def task_actor(actor_id: int | None):
    """The user a task acts for, from the primary key ``actor_pk`` gave it (None if none or gone)."""
    if not actor_id:
        return None
    return get_user_model().objects.filter(pk=actor_id).first()
