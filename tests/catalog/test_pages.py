"""Catalog pages: search/filter results, constant query counts at two catalog sizes, CSV, 404s."""

from __future__ import annotations

import pytest

from catalog.models import Sku
from tests.catalog.conftest import generate_catalog, make_customer

pytestmark = pytest.mark.django_db

# Catalog queries are 3-6 per page; the rest is the base layout (session, roles, cart badge, ...).
LIST_MAX, SEARCH_MAX, SKU_MAX = 18, 18, 22


def _pages(sku, customer):
    return [
        ("list", "/catalog/?country=US&per_page=100", LIST_MAX, "SKUs"),
        ("search", f"/catalog/?customer={customer.pk}&q=standard_d1&view=AzureReservationsVM",
         SEARCH_MAX, "Standard_D1"),
        ("sku", f"/catalog/{sku.product.product_id}/{sku.sku_id}/?customer={customer.pk}",
         SKU_MAX, sku.title),
        ("product", f"/catalog/{sku.product.product_id}/?country=US", LIST_MAX, sku.title),
    ]  # fmt: skip


def test_query_counts_do_not_grow_with_the_catalog(sales_client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    customer = make_customer()
    counts = {}
    for size in (60, 1500):
        generate_catalog(size, prefix=f"S{size}")
        sku = Sku.objects.select_related("product").order_by("-pk")[10]
        # Warm the session, and the customer's first visit (which queues its catalog read once).
        sales_client.get(f"/catalog/?customer={customer.pk}")
        for name, url, limit, text in _pages(sku, customer):
            with django_assert_max_num_queries(limit), CaptureQueriesContext(connection) as ctx:
                r = sales_client.get(url)
            assert r.status_code == 200 and text in r.content.decode(), (name, size)
            counts.setdefault(name, []).append(len(ctx))
    assert all(a == b for a, b in counts.values()), counts


def test_search_and_filters_on_the_synced_catalog(synced_us, sales_client):
    body = sales_client.get("/catalog/?country=US&q=cosmos").content.decode()
    assert "Azure Cosmos DB, 100 RU/s" in body and "Virtual Machines" not in body
    body = sales_client.get("/catalog/?country=US&q=d2s+us+east&term=P3Y").content.decode()
    assert "Standard_D2s_v3, US East, 3 Years" in body and "1 Year<" not in body
    body = sales_client.get("/catalog/?country=US&view=SoftwarePerpetual").content.decode()
    assert "SQL Server 2019 Standard" in body and "Reserved VM" not in body
    body = sales_client.get("/catalog/?country=US&prereq=inventorycheck").content.decode()
    assert "Reserved VM Instance" in body and "SQL Database" not in body
    body = sales_client.get("/catalog/?country=US&segment=education&view=Software").content
    assert (
        b"SQL Server 2019" in body and b"SUSE Linux Enterprise" not in body
    )  # SUSE is commercial only
    body = sales_client.get("/catalog/?country=US&cycle=annual").content.decode()
    assert "No SKUs match" in body  # no NCE licences in the synced views
    partial = sales_client.get("/catalog/?country=US&q=cosmos", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"catalog-results" in partial.content


def test_sort_paging_and_csv(synced_us, sales_client):
    first = sales_client.get("/catalog/?country=US&sort=-title&per_page=25").content.decode()
    assert "Page 1 of" in first
    csv = b"".join(sales_client.get("/catalog/?country=US&q=cosmos&format=csv").streaming_content)
    lines = csv.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Product,Product id,SKU,SKU id") and len(lines) == 5


def test_bad_input_is_explained_not_500(synced_us, sales_client):
    r = sales_client.get("/catalog/?country=USA&customer=999999&term=P9Y&page=abc")
    body = r.content.decode()
    assert r.status_code == 200
    assert "not a two-letter country code" in body and "customer does not exist" in body
    assert sales_client.get("/catalog/NOPE/").status_code == 404
    assert sales_client.get("/catalog/DZH318Z0BQ3Q/ZZZZ/").status_code == 404


def test_sync_button_queues_a_task(sales_client, django_capture_on_commit_callbacks, monkeypatch):
    from catalog import tasks

    queued = []
    monkeypatch.setattr(tasks.catalog_sync_task, "delay", lambda *a: queued.append(a))
    with django_capture_on_commit_callbacks(execute=True):
        r = sales_client.post("/catalog/sync/", {"country": "us"})
    assert r.status_code == 302 and queued == [("US",)]
    assert sales_client.post("/catalog/sync/", {"country": "x"}).status_code == 302
    assert len(queued) == 1


def test_roles(finance_client, sales_client):
    assert finance_client.get("/catalog/").status_code == 403
    assert sales_client.get("/catalog/").status_code == 200
