"""Sign-in throttling behind the production proxy (Caddy, one hop): the client's address comes
from the X-Forwarded-For entry the trusted proxy writes, never from the proxy's own address, so one
person's failures cannot lock another out; and an address that fails too often (any usernames) is
refused. The requests look like Caddy's: REMOTE_ADDR is the proxy, X-Forwarded-For the client."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import DEMO_PASSWORD, _make_user

pytestmark = pytest.mark.django_db
PROXY = "172.31.240.2"  # the proxy's fixed address in docker-compose.yml
ATTACKER, VICTIM = "203.0.113.5", "198.51.100.7"


@pytest.fixture
def behind_proxy(settings):
    from axes.models import AccessAttempt

    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_ADDRESS_FAILURE_LIMIT = 6
    settings.AXES_COOLOFF_TIME = 0.25
    settings.PORTAL_TRUSTED_PROXIES = 1
    AccessAttempt.objects.all().delete()
    _make_user("sally", ["sales"])
    _make_user("fiona", ["finance"])
    return settings


def _login(username, password, forwarded_for, remote=PROXY):
    client = Client(REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded_for)
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_one_client_cannot_lock_out_another_behind_the_proxy(behind_proxy):
    for _ in range(3):
        _login("sally", "wrong", ATTACKER)
    assert _login("sally", DEMO_PASSWORD, ATTACKER).status_code == 429  # locked there
    assert _login("sally", DEMO_PASSWORD, VICTIM).status_code == 302  # sally herself gets in


def test_a_spoofed_forwarded_for_does_not_move_the_lock(behind_proxy):
    # The attacker sends the victim's address first; Caddy's entry (the right-most) is theirs.
    for _ in range(3):
        _login("sally", "wrong", f"{VICTIM}, {ATTACKER}")
    assert _login("sally", DEMO_PASSWORD, VICTIM).status_code == 302
    assert _login("sally", DEMO_PASSWORD, ATTACKER).status_code == 429


def test_an_address_that_fails_too_often_is_refused_for_every_username(behind_proxy):
    for name in ("a1", "a2", "a3", "a4", "a5", "a6"):
        _login(name, "wrong", ATTACKER)
    refused = _login("fiona", DEMO_PASSWORD, ATTACKER)
    assert refused.status_code == 429
    assert _login("fiona", DEMO_PASSWORD, VICTIM).status_code == 302


def test_without_trusted_proxies_the_header_is_ignored(behind_proxy):
    behind_proxy.PORTAL_TRUSTED_PROXIES = 0
    for _ in range(3):
        _login("sally", "wrong", VICTIM, remote=ATTACKER)  # a forged header, no proxy
    assert _login("sally", DEMO_PASSWORD, VICTIM, remote=ATTACKER).status_code == 429
    assert _login("sally", DEMO_PASSWORD, ATTACKER, remote=VICTIM).status_code == 302


def test_client_ip_reads_the_trusted_entry(settings, rf):
    from portal.client_ip import client_ip

    settings.PORTAL_TRUSTED_PROXIES = 1
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {VICTIM}")
    assert client_ip(request) == VICTIM
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="not-an-ip")
    assert client_ip(request) == PROXY
    settings.PORTAL_TRUSTED_PROXIES = 2
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{VICTIM}, 10.0.0.9")
    assert client_ip(request) == VICTIM


def test_compose_runs_the_web_behind_one_trusted_proxy():
    import re
    from pathlib import Path

    env_block = Path("docker-compose.yml").read_text().split("x-portal-env:", 1)[1].split("\n\n")[0]
    assert re.search(r'^  PORTAL_TRUSTED_PROXIES: "1"$', env_block, re.M)


def test_sessions_still_name_a_backend_that_loads_users():
    # The address limit backend never signs anyone in: a session must not be bound to it.
    from django.conf import settings

    user = _make_user("sid", ["sales"])
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200
    assert client.session["_auth_user_backend"] != settings.AUTHENTICATION_BACKENDS[0]
