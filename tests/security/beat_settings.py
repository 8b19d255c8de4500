"""Settings of the beat subprocess in test_worker_kill.py: only the heartbeat, every second."""

from tests.security.worker_settings import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "portal.tasks.beat_heartbeat", "schedule": 1.0},
}
