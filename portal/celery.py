"""The Celery application; configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.utils import translation

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The language of the person who queued a task (``portal.shared.queue.enqueue``): the task's stored
# texts (progress, errors, notifications) are written in it. Beat's tasks run in LANGUAGE_CODE.
LANGUAGE_HEADER = "portal_language"


def _task_language(request) -> str | None:
    value = getattr(request, LANGUAGE_HEADER, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(LANGUAGE_HEADER)
    return value if isinstance(value, str) else None


@task_prerun.connect
def _activate_task_language(task=None, **_kwargs):
    language = _task_language(task.request) if task is not None else None
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = settings.LANGUAGE_CODE
    translation.activate(language)


@task_postrun.connect
def _deactivate_task_language(**_kwargs):
    translation.deactivate()
