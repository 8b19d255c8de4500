"""Sign-in throttling (django-axes), session expiry and the Content-Security-Policy header."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = 0.25  # hours (15 minutes)
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()
    return settings


def _post_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_lockout_after_failures_with_a_clear_message(axes_on, sales_user):
    client = Client()
    for _ in range(2):
        page = _post_login(client, "sally", "wrong-password")
        assert page.status_code == 200
        assert "didn't match" in page.content.decode()
    locked = _post_login(client, "sally", "wrong-password")  # the 3rd failure locks
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Too many failed sign-in attempts for sally" in text
    assert "0:15:00" in text
    # Even the right password is refused while locked, and no session is opened.
    again = _post_login(client, "sally", DEMO_PASSWORD)
    assert again.status_code == 429
    assert client.get("/").status_code == 302
    # Another user from the same address is not affected (lock is per username + address).
    from tests.conftest import _make_user

    _make_user("fiona", ["finance"])
    other = _post_login(Client(), "fiona", DEMO_PASSWORD)
    assert other.status_code == 302


def test_lockout_expires_after_cooloff(axes_on, sales_user):
    from axes.models import AccessAttempt

    client = Client()
    for _ in range(3):
        _post_login(client, "sally", "nope")
    assert _post_login(client, "sally", DEMO_PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    ok = _post_login(client, "sally", DEMO_PASSWORD)
    assert ok.status_code == 302 and ok["Location"] == "/"


def test_success_resets_the_failure_count(axes_on, sales_user):
    client = Client()
    for _ in range(2):
        _post_login(client, "sally", "nope")
    assert _post_login(client, "sally", DEMO_PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(2):
        assert _post_login(client, "sally", "nope").status_code == 200


def test_axes_can_be_switched_off(settings, sales_user):
    settings.AXES_ENABLED = False
    settings.AXES_FAILURE_LIMIT = 1
    client = Client()
    for _ in range(4):
        assert _post_login(client, "sally", "nope").status_code == 200
    assert _post_login(client, "sally", DEMO_PASSWORD).status_code == 302


def test_axes_is_on_by_default_in_portal_settings():
    import portal.settings as base

    assert base.AXES_ENABLED is True
    # The per-address limit first, then axes (per username + address), then the password check.
    assert base.AUTHENTICATION_BACKENDS[0] == "portal.auth_backends.AddressLimitBackend"
    assert base.AUTHENTICATION_BACKENDS[1].startswith("axes.backends.")
    assert base.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_session_expires_after_session_cookie_age(settings, sales_user):
    from django.contrib.sessions.models import Session

    settings.SESSION_COOKIE_AGE = 3600
    client = Client()
    assert _post_login(client, "sally", DEMO_PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    session = Session.objects.get()
    lifetime = session.expire_date - timezone.now()
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)
    # The browser cookie is a session cookie (SESSION_EXPIRE_AT_BROWSER_CLOSE): no max-age.
    assert not client.cookies["sessionid"]["max-age"]
    # An hour later the server has forgotten the session: back to the sign-in page.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    after = client.get("/customers/")
    assert after.status_code == 302 and after["Location"].startswith("/accounts/login/")


def test_content_security_policy_on_every_page(sales_client):
    from django.conf import settings

    for url in ("/", "/accounts/login/", "/customers/", "/healthz"):
        response = sales_client.get(url)
        policy = response["Content-Security-Policy"]
        assert policy == settings.CONTENT_SECURITY_POLICY
        assert "script-src 'self';" in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
    assert sales_client.get("/").headers["X-Frame-Options"] == "DENY"


def test_no_inline_scripts_or_handlers_in_templates():
    """CSP forbids inline script: templates carry no <script> bodies, on*= handlers or hx-on."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    handler = re.compile(r"\son[a-z]+\s*=|hx-on|javascript:", re.I)
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    for path in root.glob("*/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = path.read_text()
        if handler.search(text) or inline_script.search(text):
            offenders.append(str(path.relative_to(root)))
    for path in (root / "templates").glob("**/*.html"):
        text = path.read_text()
        if handler.search(text) or inline_script.search(text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
