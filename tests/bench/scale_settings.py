"""Settings of the scale bench's driver and Celery workers: the portal's own (Redis broker from
``REDIS_URL``, PostgreSQL from ``DATABASE_URL``, the sandbox from ``PARTNER_CENTER_*``, all set by
tests/bench/scale.py), quiet logs. ``DEBUG`` in the environment only for the local defaults
(secret key, hosts); the processes run with it off, as production's do (Django's query log would
cost every query its re-quoted parameters)."""

import os

os.environ.setdefault("DEBUG", "true")

from portal.settings import *  # noqa: F403

DEBUG = False
LOGGING["root"]["level"] = "ERROR"  # noqa: F405
