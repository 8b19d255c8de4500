"""Test settings: the portal's settings with test-speed choices.

Celery runs tasks through a real worker thread on the in-memory broker (see tests/conftest.py),
not eagerly, so countdowns and retries behave as in production.
"""

import os
import tempfile

os.environ.setdefault("DEBUG", "true")

from portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_RESULT_BACKEND = "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = False
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Uploaded and downloaded files (statement PDFs) of this test process, never the repository's var/.
MEDIA_ROOT = tempfile.mkdtemp(prefix="portal-test-media-")
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
LOGGING["loggers"]["django.request"] = {"level": "ERROR"}  # noqa: F405  (404s are expected in tests)

# A file (not shared-cache memory) for the SQLite test database: worker threads and the test thread
# then wait on each other's write locks (timeout) instead of failing with "table is locked".
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(tempfile.gettempdir(), f"portal-test-{os.getpid()}.sqlite3")
    }

# django-axes needs a request in authenticate(); Client.login() passes none. Sign-in throttling is
# switched on in the tests that exercise it (tests/portal/test_login_security.py).
AXES_ENABLED = False
