"""Catalog Celery tasks: catalog sync per country x target view, price sheets monthly."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from celery import shared_task
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Availability, CustomerOffer
from catalog.services.customer_catalog import customer_catalog_sync
from catalog.services.prices import PRICE_SHEETS_KIND, PRICE_SHEETS_QUEUED, price_sheet_sync_markets
from catalog.services.sync import DEFAULT_TARGET_VIEWS, catalog_sync, catalog_sync_kind
from portal.models import Customer, SyncState
from portal.shared.errors import PortalError

STALE_AFTER = timedelta(minutes=10)  # a running sync without heartbeat for this long is dead


def _claim(kind: str) -> bool:
    """Claim the job ``kind`` with a conditional UPDATE; False when another worker holds it."""
    SyncState.objects.get_or_create(kind=kind)
    now = timezone.now()
    return bool(
        SyncState.objects.filter(kind=kind)
        .filter(
            Q(running=False) | Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - STALE_AFTER)
        )
        .update(running=True, heartbeat_at=now, started_at=now)
    )


@shared_task(ignore_result=True)
def catalog_sync_task(country: str, target_view: str | None = None, segment: str | None = None):
    """Sync one country (optionally one target view / segment). Safe to run twice."""
    if not _claim(catalog_sync_kind(country, target_view, segment)):
        return None
    # Failures are recorded in the SyncState row (shown on the catalog page).
    with contextlib.suppress(PortalError):
        result = catalog_sync(
            country=country, target_views=[target_view] if target_view else None, segment=segment
        )
        return result.written
    return None


@shared_task(ignore_result=True)
def customer_catalog_sync_task(customer_id: int):
    """Read one customer's catalog through the customer-scoped routes (failures are recorded in
    its SyncState and shown on the catalog page). Safe to run twice."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return None
    with contextlib.suppress(PortalError):
        return customer_catalog_sync(customer=customer).availabilities
    return None


@shared_task(ignore_result=True)
def catalog_sync_markets():
    """Beat: queue a sync per market in use x target view."""
    markets = set(Customer.objects.filter(is_active=True).values_list("country", flat=True))
    markets |= set(Availability.objects.values_list("country", flat=True).distinct())
    for country in sorted(m.upper() for m in markets if m):
        for view in DEFAULT_TARGET_VIEWS:
            catalog_sync_task.delay(country, view)
    # Customers whose own catalog has been read keep it current (ids may be reissued).
    for customer_id in CustomerOffer.objects.values_list("customer_id", flat=True).distinct():
        customer_catalog_sync_task.delay(customer_id)


def _claim_price_sheets() -> bool:
    """Claim a price-sheet run: free, queued by the button, or dead (no heartbeat)."""
    SyncState.objects.get_or_create(kind=PRICE_SHEETS_KIND)
    now = timezone.now()
    return bool(
        SyncState.objects.filter(kind=PRICE_SHEETS_KIND)
        .filter(
            Q(running=False)
            | Q(message=PRICE_SHEETS_QUEUED)
            | Q(heartbeat_at__isnull=True)
            | Q(heartbeat_at__lt=now - STALE_AFTER)
        )
        .update(running=True, heartbeat_at=now, message=_("Starting"))
    )


@shared_task(ignore_result=True)
def price_sheets_sync_task(market: str | None = None, view: str | None = None):
    """Weekly (beat) and on demand (admin button): mirror the price sheets of the markets in use.
    Safe to run twice: a second run finds the first one's claim and returns."""
    if not _claim_price_sheets():
        return
    # Failures are recorded in the SyncState rows (shown on the price sheets page).
    with contextlib.suppress(PortalError):
        price_sheet_sync_markets(
            markets=[market] if market else None, views=[view] if view else None
        )
