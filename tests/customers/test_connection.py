"""The App+User connection: sign-in flow against the sandbox, encrypted cache, revocation."""

from __future__ import annotations

import pytest

from portal.models import PartnerCenterConnection

pytestmark = pytest.mark.django_db


def test_fixture_signs_in_and_app_user_calls_work(pc_user_connection):
    from portal.partner_center import get_client

    assert pc_user_connection.username == "partner.admin@contoso-partner.example"
    client = get_client()
    assert client.signed_in_user().username == "partner.admin@contoso-partner.example"
    # An App+User-only operation now succeeds (invoice summaries).
    list(client.list_invoice_summaries())


def test_token_cache_is_encrypted_at_rest(pc_user_connection):
    import json

    from portal.connection import decrypt

    row = PartnerCenterConnection.objects.get()
    blob = bytes(row.token_cache_encrypted)
    cache = json.loads(decrypt(blob))
    refresh_tokens = [rt["secret"] for rt in cache["RefreshToken"].values()]
    assert refresh_tokens
    for secret in refresh_tokens:
        assert secret.encode() not in blob
    assert b"RefreshToken" not in blob and b"partner.admin" not in blob
    assert row.refresh_expires_at > row.connected_at
