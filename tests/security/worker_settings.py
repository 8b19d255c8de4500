"""Settings of the Celery worker subprocess in test_worker_kill.py: the portal's own settings with
a short Redis visibility timeout, so a message whose worker was SIGKILLed comes back in seconds
(production: one hour, well after BILLING_IMPORT_STALE_SECONDS lets a new run take over)."""

from portal.settings import *  # noqa: F403

CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3}
