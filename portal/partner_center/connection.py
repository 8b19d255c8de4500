"""The App+User Partner Center connection: MSAL token cache encrypted in the database.

One admin signs in once with a partner account (MSAL authorization-code flow); the resulting MSAL
token cache (refresh token included) is stored in ``PartnerCenterConnection.token_cache_encrypted``,
encrypted with Fernet under keys derived from ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS`` (a
MultiFernet: the newest key encrypts, every listed key decrypts, so rotating ``SECRET_KEY`` keeps the
connection; ``manage.py rotate_token_cache`` then re-encrypts with the newest key and the old key can
leave the fallbacks). The cache and its encryption live in ``portal.partner_center.token_cache``;
``portal.partner_center.client.get_client()`` plugs it into every client, so App+User operations
(entitlements, invoice summaries, statement PDFs, ...) work from web requests, workers and
management commands alike.

Azure AD does not tell the client when a refresh token expires: it is valid for
``PARTNER_CENTER_REFRESH_TOKEN_DAYS`` (90 by default) after it was last used and is renewed on every
refresh, so the expiry shown is "last refresh + lifetime". A revoked sign-in (MFA re-consent,
password reset) shows up as ``invalid_grant``; ``connection_mark_revoked`` records it and the admin
dashboard warns.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnercenter.errors import PartnerCenterError, UserSignInRequired
from portal.models import PartnerCenterConnection
from portal.partner_center.client import get_client
from portal.partner_center.token_cache import CONNECTION_NAME, refresh_token_lifetime
from portal.shared.audit import audit_record
from portal.shared.errors import PortalError

logger = logging.getLogger(__name__)


def warn_before() -> timedelta:
    return timedelta(days=settings.PARTNER_CENTER_REFRESH_WARN_DAYS)


def connection_get() -> PartnerCenterConnection | None:
    return PartnerCenterConnection.objects.filter(name=CONNECTION_NAME).first()


def connection_status() -> dict:
    """What the connection page and dashboard show: signed in?, who, when, expiry, revoked, warnings."""
    conn = connection_get()
    now = timezone.now()
    status = {
        "connection": conn,
        "connected": bool(conn and conn.username and conn.connected_at),
        "revoked": bool(conn and conn.revoked_at),
        "expired": False,
        "expires_soon": False,
        "warning": "",
    }
    if not status["connected"]:
        status["warning"] = _(
            "No partner account is signed in: entitlements, invoice summaries and statement PDFs "
            "cannot be fetched until an admin signs in on the Partner Center connection page."
        )
        return status
    if conn.revoked_at:
        status["warning"] = _(
            "The partner sign-in of %(username)s was revoked or needs multi-factor "
            "re-consent: sign in again on the Partner Center connection page."
        ) % {"username": conn.username}
    elif conn.refresh_expires_at and conn.refresh_expires_at <= now:
        status["expired"] = True
        status["warning"] = _(
            "The partner sign-in of %(username)s has expired: sign in again on the "
            "Partner Center connection page."
        ) % {"username": conn.username}
    elif conn.refresh_expires_at and conn.refresh_expires_at - now <= warn_before():
        status["expires_soon"] = True
        days = max(0, (conn.refresh_expires_at - now).days)
        status["warning"] = ngettext(
            "The partner sign-in of %(username)s expires in %(days)d day unless it is used: "
            "sign in again on the Partner Center connection page.",
            "The partner sign-in of %(username)s expires in %(days)d days unless it is used: "
            "sign in again on the Partner Center connection page.",
            days,
        ) % {"username": conn.username, "days": days}
    return status


def connection_begin(*, redirect_uri: str) -> dict:
    """Start the authorization-code flow; keep the returned flow in the session, go to ``auth_uri``."""
    try:
        return get_client().begin_user_sign_in(redirect_uri)
    except PartnerCenterError as exc:
        raise PortalError(
            _("Could not start the Partner Center sign-in: %(error)s") % {"error": exc},
            code="sign_in",
        ) from exc


def connection_complete(*, flow: dict, query_params: dict, actor) -> PartnerCenterConnection:
    """Finish the sign-in: MSAL redeems the code; the cache (saved by the client) is then stamped."""
    if query_params.get("error"):
        message = query_params.get("error_description") or query_params["error"]
        raise PortalError(
            _("Partner Center sign-in was not completed: %(error)s") % {"error": message},
            code="sign_in",
        )
    PartnerCenterConnection.objects.get_or_create(name=CONNECTION_NAME)
    client = get_client()
    try:
        # Forget a previous account first so exactly one partner user is signed in.
        client.sign_out_user()
        user = client.complete_user_sign_in(flow, query_params)
    except PartnerCenterError as exc:
        raise PortalError(
            _("Partner Center sign-in failed: %(error)s") % {"error": exc}, code="sign_in"
        ) from exc
    now = timezone.now()
    with transaction.atomic():
        conn = PartnerCenterConnection.objects.select_for_update().get(name=CONNECTION_NAME)
        conn.username = user.username or ""
        conn.display_name = user.name or ""
        conn.home_account_id = user.home_account_id
        conn.connected_by = actor if getattr(actor, "is_authenticated", False) else None
        conn.connected_at = now
        conn.refresh_expires_at = now + refresh_token_lifetime()
        conn.revoked_at = None
        conn.last_error = ""
        conn.save()
        audit_record(
            actor=actor,
            action="connection.signed_in",
            obj=conn,
            summary=f"Partner Center App+User sign-in as {conn.username}",
            username=conn.username,
        )
    return conn


def connection_sign_out(*, actor) -> None:
    conn = connection_get()
    if conn is None:
        return
    try:
        get_client().sign_out_user()
    except Exception:  # clearing the row below is what matters
        logger.exception("MSAL sign-out failed; clearing the stored cache anyway")
    with transaction.atomic():
        username = conn.username
        PartnerCenterConnection.objects.filter(pk=conn.pk).update(
            token_cache_encrypted=b"",
            username="",
            display_name="",
            home_account_id="",
            connected_at=None,
            refresh_expires_at=None,
            revoked_at=None,
        )
        audit_record(
            actor=actor,
            action="connection.signed_out",
            obj=conn,
            summary=f"Partner Center App+User sign-in of {username} removed",
        )


def connection_mark_revoked(*, error: Exception | str) -> None:
    """Record that the stored sign-in no longer works (call on ``UserSignInRequired``)."""
    conn = connection_get()
    if conn is None or not conn.username or conn.revoked_at:
        return
    updated = PartnerCenterConnection.objects.filter(pk=conn.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), last_error=str(error)[:2000]
    )
    if updated:
        audit_record(
            actor=None,
            action="connection.revoked",
            obj=conn,
            summary=f"Partner Center sign-in of {conn.username} stopped working",
            error=str(error),
        )


def connection_check() -> dict:
    """Refresh the App+User token now (beat task): stamps a renewed expiry or records a revocation."""
    conn = connection_get()
    if conn is None or not conn.username:
        return connection_status()
    try:
        get_client().auth.user_token(None)
    except UserSignInRequired as exc:
        connection_mark_revoked(error=exc)
    except PartnerCenterError as exc:  # outage: not a revocation, try again later
        PartnerCenterConnection.objects.filter(pk=conn.pk).update(last_error=str(exc)[:2000])
    return connection_status()
