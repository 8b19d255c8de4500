"""The App+User connection: sign-in flow against the sandbox, encrypted cache, revocation."""

from __future__ import annotations

import pytest

from portal.models import PartnerCenterConnection

pytestmark = pytest.mark.django_db


def test_fixture_signs_in_and_app_user_calls_work(pc_user_connection):
    from portal.partner_center.client import get_client

    assert pc_user_connection.username == "partner.admin@contoso-partner.example"
    client = get_client()
    assert client.signed_in_user().username == "partner.admin@contoso-partner.example"
    # An App+User-only operation now succeeds (invoice summaries).
    list(client.list_invoice_summaries())


def test_token_cache_is_encrypted_at_rest(pc_user_connection):
    import json

    from portal.partner_center.token_cache import decrypt

    row = PartnerCenterConnection.objects.get()
    blob = bytes(row.token_cache_encrypted)
    cache = json.loads(decrypt(blob))
    refresh_tokens = [rt["secret"] for rt in cache["RefreshToken"].values()]
    assert refresh_tokens
    for secret in refresh_tokens:
        assert secret.encode() not in blob
    assert b"RefreshToken" not in blob and b"partner.admin" not in blob
    assert row.refresh_expires_at > row.connected_at


def test_connection_page_sign_in_flow_through_views(sandbox, admin_client_portal):
    from urllib.parse import urlsplit

    from tests.conftest import sandbox_sign_in

    page = admin_client_portal.get("/admin-tools/connection/")
    text = page.content.decode()
    assert sandbox.client_id in text and sandbox.client_secret not in text
    assert "No partner account is signed in" in text

    start = admin_client_portal.post("/admin-tools/connection/sign-in/")
    assert start.status_code == 302 and start["Location"].startswith(sandbox.base_url)
    flow = admin_client_portal.session["pc_sign_in_flow"]
    params = sandbox_sign_in(flow, username="ops.lead@contoso-partner.example")
    callback = admin_client_portal.get(urlsplit(flow["redirect_uri"]).path, params)
    assert callback.status_code == 302
    page = admin_client_portal.get("/admin-tools/connection/").content.decode()
    assert "ops.lead@contoso-partner.example" in page and "working" in page
    assert "adam" in page  # connected by
    row = PartnerCenterConnection.objects.get()
    assert row.connected_by.username == "adam" and row.refresh_expires_at
    assert sandbox.client_secret.encode() not in bytes(row.token_cache_encrypted)

    # Replaying the callback (no flow in the session) is refused in words, not a 500.
    again = admin_client_portal.get(urlsplit(flow["redirect_uri"]).path, params, follow=True)
    assert "No sign-in was in progress" in again.content.decode()


def test_revoked_sign_in_warns_admins_on_dashboard(sandbox, admin_client_portal, request):
    from portal.partner_center.connection import (
        connection_begin,
        connection_check,
        connection_complete,
    )
    from tests.conftest import sandbox_sign_in

    before = sandbox.config()["access_token_lifetime"]
    request.addfinalizer(lambda: sandbox.configure(access_token_lifetime=before))
    sandbox.configure(access_token_lifetime=60)  # MSAL refreshes tokens this close to expiry
    flow = connection_begin(redirect_uri="http://testserver/admin-tools/connection/callback/")
    connection_complete(flow=flow, query_params=sandbox_sign_in(flow), actor=None)
    assert not connection_check()["revoked"]
    assert "Partner Center sign-in" not in admin_client_portal.get("/").content.decode()
    sandbox.revoke_user_tokens()
    status = connection_check()
    assert status["revoked"]
    dashboard = admin_client_portal.get("/").content.decode()
    assert "was revoked or needs multi-factor re-consent" in dashboard
    from portal.models import AuditEvent

    assert AuditEvent.objects.filter(action="connection.revoked").exists()


def test_dashboard_warns_before_refresh_token_expiry(
    pc_user_connection, admin_client_portal, sales_client
):
    from datetime import timedelta

    from django.utils import timezone

    PartnerCenterConnection.objects.update(refresh_expires_at=timezone.now() + timedelta(days=3))
    assert "expires in" in admin_client_portal.get("/").content.decode()
    assert "expires in" not in sales_client.get("/").content.decode()


def test_perpetual_setting_toggle_is_audited(admin_client_portal, sales_client):
    from portal.admin_tools.services.settings_store import portal_setting_get
    from portal.models import AuditEvent

    assert portal_setting_get("perpetual_software_qualified") is False
    assert sales_client.post("/admin-tools/settings/", {}).status_code == 403
    response = admin_client_portal.post(
        "/admin-tools/settings/", {"perpetual_software_qualified": "on"}, follow=True
    )
    assert "Settings saved" in response.content.decode()
    assert portal_setting_get("perpetual_software_qualified") is True
    event = AuditEvent.objects.get(action="setting.changed")
    assert event.actor_name == "adam" and event.details == {
        "key": "perpetual_software_qualified", "old": None, "new": True,
    }  # fmt: skip
    admin_client_portal.post("/admin-tools/settings/", {})
    assert portal_setting_get("perpetual_software_qualified") is False
