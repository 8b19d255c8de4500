"""The Partner Center client secret and tokens are never logged, never rendered, never stored in
clear text: every log record (DEBUG, all loggers) of a full sandbox run (sign-in, syncs of
customers, subscriptions, catalog, orders, entitlements, invoices, line import, a checkout, a
failed authentication) and every page of the portal are searched for them."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.portal.test_access_matrix import ENTRIES, PUBLIC
from tests.purchasing.conftest import add_line, world  # noqa: F401  (fixture)

JWT = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.")


@pytest.fixture(autouse=True)
def _log_everything(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "msal", "requests", "partnercenter", "celery"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield caplog


def _tokens() -> list[str]:
    """Every token the portal holds: the App+User cache (access and refresh) and an app token."""
    from portal.partner_center.client import get_client
    from portal.partner_center.connection import connection_get
    from portal.partner_center.token_cache import decrypt

    cache = json.loads(decrypt(bytes(connection_get().token_cache_encrypted)))
    found = [
        entry["secret"]
        for section in ("AccessToken", "RefreshToken", "IdToken")
        for entry in cache.get(section, {}).values()
        if entry.get("secret")
    ]
    found.append(get_client().auth.app_token())
    assert len(found) >= 3
    return found


def _everything_logged(caplog) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_text:
            parts.append(record.exc_text)
        parts.append(repr(getattr(record, "__dict__", {})))
    return "\n".join(parts)


@pytest.mark.django_db(transaction=True)
def test_secret_and_tokens_never_logged_rendered_or_stored_in_clear(
    world,  # noqa: F811
    pc_user_connection,
    sandbox,
    sales_user,
    caplog,
    settings,
):
    from billing.services.invoices import invoice_sync_all
    from billing.services.lines import line_import_run, line_import_start
    from portal.customers.services.sync import customer_sync_all, subscription_sync_all
    from purchasing.models import Checkout
    from purchasing.services.checkout import checkout_submit
    from purchasing.services.entitlements import entitlements_sync
    from purchasing.services.orders import orders_sync

    # A whole working day against the sandbox, every log record captured.
    customer_sync_all()
    subscription_sync_all()
    line = add_line(world["contoso"], sales_user)
    assert checkout_submit(cart_id=line.cart_id, user=sales_user).state == (
        Checkout.State.SUBMITTED
    )
    orders_sync()
    entitlements_sync()
    invoice_sync_all(queue_statements=False)
    from billing.models import Invoice

    invoice = Invoice.objects.order_by("pk").first()
    assert invoice is not None
    imp = line_import_start(invoice=invoice, queue=False)
    line_import_run(import_id=imp.pk, page_size=200)
    secret = settings.PARTNER_CENTER_CLIENT_SECRET
    tokens = _tokens()
    # A failed authentication (wrong secret) must not echo the secret it tried either.
    # (another client id, so no cached token for it exists).
    client_id = settings.PARTNER_CENTER_CLIENT_ID
    settings.PARTNER_CENTER_CLIENT_ID = "portal-other-client"
    settings.PARTNER_CENTER_CLIENT_SECRET = "wrong-secret-0f9e8d7c6b5a"
    settings.PARTNER_CENTER_MAX_RETRIES = 0
    with pytest.raises(Exception) as failed:
        customer_sync_all()
    assert "wrong-secret-0f9e8d7c6b5a" not in str(failed.value)
    settings.PARTNER_CENTER_CLIENT_SECRET = secret
    settings.PARTNER_CENTER_CLIENT_ID = client_id

    logged = _everything_logged(caplog)
    assert len(caplog.records) > 20  # the capture really saw the run
    for value in [secret, "wrong-secret-0f9e8d7c6b5a", *tokens]:
        assert value not in logged
    assert not JWT.search(logged), JWT.search(logged).group(0)
    assert "Bearer " not in logged

    # Never rendered: every page of the portal for a user holding every role.
    from tests.conftest import _make_user

    client = Client(raise_request_exception=False)
    client.force_login(_make_user("all-roles", ["sales", "finance", "admin"]))
    pages = 0
    for name, url, _ in ENTRIES:
        if name in PUBLIC or name in ("logout",):
            continue
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        pages += 1
        for value in [secret, *tokens]:
            assert value.encode() not in body, f"{name} renders a secret or token"
        assert not JWT.search(body.decode("utf-8", "replace")), name
    connection_page = client.get("/admin-tools/connection/").content.decode()
    assert "partner.admin@contoso-partner.example" in connection_page  # the page is real
    assert pages > 30

    # Nothing stored in clear: the database rows and the database file itself.
    from portal.models import AuditEvent, PartnerCenterConnection, SyncState

    stored = [
        repr(list(AuditEvent.objects.values_list("summary", "details"))),
        repr(list(SyncState.objects.values_list("message", "last_error"))),
        repr(
            list(PartnerCenterConnection.objects.values_list("username", "token_cache_encrypted"))
        ),
    ]
    for value in [secret, *tokens]:
        assert all(value not in text for text in stored)
    db_name = django_settings.DATABASES["default"]["NAME"]
    if django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        raw = b"".join(
            Path(p).read_bytes() for p in (db_name, f"{db_name}-wal") if Path(p).exists()
        )
        assert raw  # the file-backed test database
        for value in tokens:
            assert value.encode() not in raw
