"""Settings of the scale bench's driver and Celery workers: the portal's own (Redis broker from
``REDIS_URL``, PostgreSQL from ``DATABASE_URL``, the sandbox from ``PARTNER_CENTER_*``, all set by
tests/bench/scale.py), quiet logs."""

import os

os.environ.setdefault("DEBUG", "true")

from portal.settings import *  # noqa: F403

LOGGING["root"]["level"] = "ERROR"  # noqa: F405
