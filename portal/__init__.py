"""Partner Portal project package: settings, URLs, Celery app, roles, customers, audit."""

from portal.celery import app as celery_app

__all__ = ["celery_app"]
