"""The MSAL token cache of the App+User connection, stored encrypted in ``PartnerCenterConnection``.

Fernet keys are derived from ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` (a MultiFernet: the newest
key encrypts, every listed key decrypts); ``token_cache_rotate`` re-encrypts with the newest key.
``portal.partner_center.client.get_client()`` gives every client ``database_token_cache()``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.models import PartnerCenterConnection
from portal.shared.errors import PortalError

logger = logging.getLogger(__name__)

CONNECTION_NAME = "default"


def refresh_token_lifetime() -> timedelta:
    return timedelta(days=settings.PARTNER_CENTER_REFRESH_TOKEN_DAYS)


def _key(secret: str) -> Fernet:
    # The salt keeps the name of the module this code was first in: changing it would make every
    # stored cache unreadable.
    digest = hashlib.sha256(b"portal.connection.token-cache:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _fernet() -> MultiFernet:
    """Newest key first: ``SECRET_KEY``, then each of ``SECRET_KEY_FALLBACKS``."""
    return MultiFernet([_key(settings.SECRET_KEY), *map(_key, settings.SECRET_KEY_FALLBACKS)])


def encrypt(text: str) -> bytes:
    return _fernet().encrypt(text.encode("utf-8"))


def decrypt(blob: bytes) -> str | None:
    try:
        return _fernet().decrypt(bytes(blob)).decode("utf-8")
    except InvalidToken:
        logger.warning(
            "The stored Partner Center token cache cannot be decrypted: SECRET_KEY changed "
            "without the former key in SECRET_KEY_FALLBACKS"
        )
        return None


def token_cache_rotate() -> int:
    """Re-encrypt every stored token cache with the newest key; returns how many rows changed.

    Raises ``PortalError`` when a cache cannot be read with any listed key (nothing is written).
    """
    fernet = _fernet()
    changed = 0
    with transaction.atomic():
        rows = PartnerCenterConnection.objects.select_for_update().exclude(
            token_cache_encrypted=b""
        )
        for conn in rows:
            try:
                blob = fernet.rotate(bytes(conn.token_cache_encrypted))
            except InvalidToken:
                raise PortalError(
                    f"The token cache of connection '{conn.name}' cannot be decrypted with "
                    "SECRET_KEY or SECRET_KEY_FALLBACKS; add the former key to "
                    "SECRET_KEY_FALLBACKS and run this again.",
                    code="token_cache_key",
                ) from None
            PartnerCenterConnection.objects.filter(pk=conn.pk).update(token_cache_encrypted=blob)
            changed += 1
    return changed


def _has_refresh_token(cache_text: str) -> bool:
    try:
        return bool(json.loads(cache_text).get("RefreshToken"))
    except (ValueError, AttributeError):
        return False


class DatabaseTokenCache:
    """``partnercenter.TokenCacheStore`` backed by the ``PartnerCenterConnection`` row."""

    def __init__(self, name: str = CONNECTION_NAME) -> None:
        self.name = name

    def load(self) -> str | None:
        blob = (
            PartnerCenterConnection.objects.filter(name=self.name)
            .values_list("token_cache_encrypted", flat=True)
            .first()
        )
        if not blob:
            return None
        return decrypt(blob)

    def save(self, data: str) -> None:
        fields: dict = {"token_cache_encrypted": encrypt(data), "updated_at": timezone.now()}
        if _has_refresh_token(data):
            # Every save with a refresh token follows a sign-in or a refresh, which renews it.
            fields["refresh_expires_at"] = timezone.now() + refresh_token_lifetime()
        updated = PartnerCenterConnection.objects.filter(name=self.name).update(**fields)
        if not updated:
            fields.pop("updated_at")
            PartnerCenterConnection.objects.get_or_create(name=self.name, defaults=fields)


def database_token_cache() -> DatabaseTokenCache:
    """The token cache store ``portal.partner_center.client.get_client()`` gives every client."""
    return DatabaseTokenCache()
