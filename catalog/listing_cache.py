"""Cached counts and page ids of the SKU tables.

Counting the SKUs a filter matches, and walking to a deep page or through a broad search, read
every matching SKU: tens to hundreds of milliseconds at 50,000 SKUs, for answers that change only
when the catalog is written. They are kept in the ``catalog`` cache under the catalog's version
token (``CatalogVersion``, which the database changes on every write to products, SKUs,
availabilities and customer offers), so a page never shows the count or the rows of an older
catalog: a write changes the token and the older entries are never read again. The rows themselves
are always read from the database. Without a version row (a flushed database) nothing is cached.
"""

from __future__ import annotations

import hashlib

from django.core.cache import caches
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet

from portal.shared.tables import page_size

VERSION_SQL = "SELECT token FROM catalog_catalogversion WHERE id = 1"


def catalog_version() -> str | None:
    """The catalog's current version token (one indexed read), None when there is none."""
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else None


def listing_key(*parts) -> str:
    """A short cache key naming what a SKU table shows (filters, sort, scope)."""
    return hashlib.sha1(repr(parts).encode()).hexdigest()


def page_of_ids(params, ids: QuerySet, *, key: str | None) -> Page:
    """The requested page of ``ids`` (an ordered ``values_list("pk", flat=True)``), its ids as a
    list; the count and the page's ids from the cache when ``key`` names the listing. The page's
    ``catalog_version`` is the token they were cached under (None: not cached)."""
    version = catalog_version() if key else None
    paginator = Paginator(ids, page_size(params))
    if version is None:
        page = paginator.get_page(params.get("page"))
        page.object_list = list(page.object_list)
        page.catalog_version = None
        return page
    store = caches["catalog"]
    prefix = f"skus:{version}:{key}"
    count = store.get(f"{prefix}:count")
    if count is None:
        store.set(f"{prefix}:count", paginator.count)
    else:
        paginator.count = count  # the cached_property, filled
    page = paginator.get_page(params.get("page"))
    page_key = f"{prefix}:{paginator.per_page}:{page.number}"
    page_ids = store.get(page_key)
    if page_ids is None:
        page_ids = list(page.object_list)
        store.set(page_key, page_ids)
    page.object_list = page_ids
    page.catalog_version = version  # the page's rendered rows may be cached under it too
    return page
