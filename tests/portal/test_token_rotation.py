"""Rotating SECRET_KEY keeps the Partner Center connection: the former key in
SECRET_KEY_FALLBACKS still reads the token cache, and ``rotate_token_cache`` moves it to the new
key so the former one can be dropped."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from portal.models import PartnerCenterConnection
from portal.partner_center.client import get_client
from portal.partner_center.connection import connection_status

pytestmark = pytest.mark.django_db
NEW_KEY = "rotated-Key-0d9b7c3a1f5e8d2b6c4a0f9e7d3b1c0mpose-7f3a9d1e5b2c8a4f6e"


def _app_user_call_works() -> bool:
    list(get_client().list_invoice_summaries())  # App+User only
    return get_client().signed_in_user() is not None


def test_rotating_secret_key_keeps_the_connection(pc_user_connection, settings, capsys):
    old_key = settings.SECRET_KEY
    blob_before = bytes(PartnerCenterConnection.objects.get().token_cache_encrypted)

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [old_key]
    assert _app_user_call_works()

    call_command("rotate_token_cache")
    assert "Re-encrypted 1 token cache" in capsys.readouterr().out
    assert bytes(PartnerCenterConnection.objects.get().token_cache_encrypted) != blob_before

    settings.SECRET_KEY_FALLBACKS = []  # the former key retired
    assert _app_user_call_works()
    status = connection_status()
    assert status["connected"] and not status["revoked"]
    call_command("rotate_token_cache")  # safe to run again


def test_rotation_without_the_former_key_fails_with_one_clear_line(pc_user_connection, settings):
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, []
    with pytest.raises(CommandError, match="SECRET_KEY_FALLBACKS"):
        call_command("rotate_token_cache")
