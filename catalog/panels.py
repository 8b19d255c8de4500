"""The admin's price-sheet panel on the portal dashboard."""

from __future__ import annotations

from django.utils.translation import gettext as _

from catalog.services.prices import PRICE_SHEETS_KIND
from portal.models import SyncState
from portal.shared.progress import sync_state


def price_sheets_panel(request) -> dict:
    return {
        "title": _("Price sheets"),
        "template": "catalog/_price_sheets_panel.html",
        "state": sync_state(PRICE_SHEETS_KIND) or SyncState(kind=PRICE_SHEETS_KIND),
    }
