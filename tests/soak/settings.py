"""Settings of the soak's portal (harness and Celery workers alike): the portal's own settings,
pointed by the environment at the soak's database, broker and sandbox (see tests/soak/run.py)."""

import os

os.environ.setdefault("DEBUG", "true")

from portal.settings import *  # noqa: F403

if REDIS_URL:  # noqa: F405
    # A SIGKILLed worker's unacknowledged message comes back after this long (production: 1 h).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60}
PURCHASING_RECONCILE_BACKOFF_SECONDS = 1
PURCHASING_RECONCILE_MAX_ATTEMPTS = 1000  # the soak, not the portal, decides when to give up
PURCHASING_ORDER_SYNC_FIRST_COUNTDOWN = 20  # the list delay is 15 s of the soak's wall clock
LOGGING["root"]["level"] = "ERROR"  # noqa: F405
PURCHASING_CHECKOUT_CLAIM_SECONDS = 10  # a SIGKILLed worker's checkout is taken over soon
