"""A customer's own catalog, read through Partner Center's customer-scoped catalog routes.

Partner Center answers ``/customers/{id}/products/...`` with what it sells to that customer (market
and segment taken from the customer). ``customer_catalog_sync`` mirrors those products, SKUs and
availabilities like a market sync (same upsert), then records the customer's offer set
(``CustomerOffer``). Browsing for a customer, and adding to a customer's cart, then use that set
instead of approximating it from the customer's country and segment.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from catalog.models import Availability, CustomerOffer
from catalog.services.sync import (
    DEFAULT_TARGET_VIEWS,
    CatalogSyncError,
    SyncResult,
    catalog_sync_run,
)
from partnercenter.errors import PartnerCenterError
from portal.partner_center.client import get_client
from portal.shared import progress
from portal.shared.audit import audit_record
from portal.shared.errors import pc_error_message
from portal.shared.queue import enqueue_on_commit

CHUNK = 500


def customer_catalog_kind(customer) -> str:
    return f"catalog:customer:{customer.pk}"


class _CustomerRoutes:
    """The market-catalog calls a sync makes, answered by the customer-scoped routes."""

    def __init__(self, client, customer_id: str):
        self._client = client
        self._customer_id = customer_id

    def list_products(self, country, view, *, target_segment=None, reservation_scope=None):
        return self._client.list_customer_products(
            self._customer_id, view, reservation_scope=reservation_scope
        )

    def list_skus(self, product_id, country, *, target_segment=None, raw=False) -> Iterator:
        return self._client.list_customer_skus(self._customer_id, product_id, raw=raw)

    def list_availabilities(
        self, product_id, sku_id, country, *, target_segment=None, reservation_scope=None, raw=False
    ) -> Iterator:
        return self._client.list_customer_availabilities(
            self._customer_id, product_id, sku_id, reservation_scope=reservation_scope, raw=raw
        )


def customer_catalog_sync(*, customer, target_views: list[str] | None = None) -> SyncResult:
    """Read what Partner Center offers ``customer`` and record it as the customer's offer set.

    Raises ``CatalogSyncError`` (with Partner Center's reason) when the catalog cannot be read; the
    previous offer set is then kept."""
    views = list(target_views or DEFAULT_TARGET_VIEWS)
    kind = customer_catalog_kind(customer)
    result = SyncResult(country=customer.country.upper(), target_views=views, segment=None)
    started = time.monotonic()
    progress.sync_begin(
        kind=kind,
        message=_("Reading the catalog of %(name)s") % {"name": customer.company_name},
    )
    routes = _CustomerRoutes(get_client(), str(customer.tenant_id))
    workers = settings.CATALOG_SYNC_WORKERS
    try:
        seen = catalog_sync_run(routes, result, views, workers, kind, None, mark_vanished=False)
    except PartnerCenterError as exc:
        message = pc_error_message(
            exc, _("reading the catalog of %(name)s") % {"name": customer.company_name}
        )
        progress.sync_fail(kind=kind, error=message)
        raise CatalogSyncError(message) from exc
    _record_offers(customer, seen)
    result.seconds = time.monotonic() - started
    progress.sync_succeed(
        kind=kind,
        message=ngettext(
            "%(count)d catalog item offered to %(name)s (%(products)s) in %(seconds).1f s",
            "%(count)d catalog items offered to %(name)s (%(products)s) in %(seconds).1f s",
            len(seen),
        )
        % {
            "count": len(seen),
            "name": customer.company_name,
            "products": ngettext("%(n)d product", "%(n)d products", result.products)
            % {"n": result.products},
            "seconds": result.seconds,
        },
    )
    return result


def _record_offers(customer, seen: set[int]) -> None:
    """The customer's offer set becomes ``seen`` (availability pks), stamped now."""
    now = timezone.now()
    with transaction.atomic():
        current = set(
            CustomerOffer.objects.filter(customer=customer).values_list(
                "availability_id", flat=True
            )
        )
        gone = list(current - seen)
        for i in range(0, len(gone), CHUNK):
            CustomerOffer.objects.filter(
                customer=customer, availability_id__in=gone[i : i + CHUNK]
            ).delete()
        CustomerOffer.objects.bulk_create(
            [
                CustomerOffer(customer=customer, availability_id=pk, seen_at=now)
                for pk in seen - current
            ],
            batch_size=CHUNK,
            ignore_conflicts=True,
        )
        CustomerOffer.objects.filter(customer=customer).update(seen_at=now)


def customer_catalog_sync_enqueue(*, customer, actor) -> None:
    """Queue a read of the customer's catalog; its progress shows on the catalog page at once."""
    with transaction.atomic():
        progress.sync_begin(kind=customer_catalog_kind(customer), message=_("Queued"))
        audit_record(
            actor=actor,
            action="catalog.customer_catalog_requested",
            obj=customer,
            customer=customer,
            summary=f"Read the catalog Partner Center offers {customer.company_name}",
        )
        enqueue_on_commit("catalog.tasks.customer_catalog_sync_task", customer.pk)


def customer_catalog_read_if_never(*, customer, actor) -> None:
    """Queue the first read of the customer's catalog when nobody has asked for one yet, so that
    browsing for a customer moves to Partner Center's own list without anyone pressing a button."""
    if progress.sync_state(customer_catalog_kind(customer)) is None:
        customer_catalog_sync_enqueue(customer=customer, actor=actor)


def customer_catalog_known(customer) -> bool:
    """True once the customer's catalog has been read (its offer set is authoritative)."""
    state = progress.sync_state(customer_catalog_kind(customer))
    return bool(state and state.last_success_at)


def customer_offers(customer, availability: Availability) -> bool:
    return CustomerOffer.objects.filter(customer=customer, availability=availability).exists()
