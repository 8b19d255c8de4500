"""Admin dashboard panel: the Partner Center App+User sign-in."""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.partner_center.connection import connection_status


def connection_panel(request) -> dict | None:
    """Warns before the partner sign-in expires, when it was revoked, or when there is none."""
    status = connection_status()
    if not status["warning"]:
        return None
    return {
        "title": _("Partner Center sign-in"),
        "template": "portal/dashboard/_connection_panel.html",
        "warning": status["warning"],
    }
