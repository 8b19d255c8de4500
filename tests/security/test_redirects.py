"""``next`` is followed only to a path on this site (portal.shared.redirects): the invoice sync and the
reconciliation note used to redirect anywhere (``https://evil.example/``, ``//evil.example/``) and
``next=foo`` answered 500."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pc_unreachable")]

HOSTILE = [
    "https://evil.example/phish",
    "//evil.example/x",
    "///evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example",
    "javascript:alert(1)",
    "foo",
    "http:/evil.example",
    "/\x00",
    "/x\r\nSet-Cookie: a=b",
    " //evil.example",
]


def _finance(world):
    client = Client(raise_request_exception=False)
    client.force_login(world["users"]["finance"])
    return client


def _targets(world):
    inv = world["invoice"].invoice_id
    return [
        ("/billing/invoices/sync/", {}, "/billing/invoices/"),
        (f"/billing/invoices/{inv}/reconciliation/{world['result'].pk}/note/",
         {"status": "accepted"}, f"/billing/invoices/{inv}/reconciliation/"),
    ]  # fmt: skip


@pytest.mark.parametrize("next_url", HOSTILE)
def test_next_never_leaves_the_site(world, next_url):
    client = _finance(world)
    for url, data, fallback in _targets(world):
        response = client.post(url, {**data, "next": next_url})
        assert response.status_code == 302, (url, next_url, response.status_code)
        assert response["Location"] == fallback, (url, next_url, response["Location"])


def test_next_on_the_site_is_followed(world):
    client = _finance(world)
    for url, data, _ in _targets(world):
        response = client.post(url, {**data, "next": "/billing/?from=sync"})
        assert response.status_code == 302
        assert response["Location"] == "/billing/?from=sync"


def test_notification_link_stays_on_the_site(world):
    from purchasing.models import Notification

    user = world["users"]["sales"]
    note = Notification.objects.create(recipient=user, message="x", url="https://evil.example/")
    client = Client()
    client.force_login(user)
    response = client.post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
