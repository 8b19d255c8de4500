"""bench: catalog - sync of a 50k-SKU sandbox catalog, idempotent re-sync, page query counts/p95."""

from __future__ import annotations

import os
import sys
import time

CATALOG_SIZE = int(os.environ.get("BENCH_CATALOG_SIZE", "50000"))
PAGE_RUNS = int(os.environ.get("BENCH_PAGE_RUNS", "30"))
ALL_VIEWS = None  # set in run(): every default view plus NCE licences and the Azure plan


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]


def _baseline_insert_seconds() -> float:
    """Raw bulk insert of the same number of SKU + availability rows (rolled back)."""
    from django.db import transaction

    from catalog.models import Availability, Product, Sku

    skus = list(Sku.objects.values_list("pk", "title", "search_text", "raw"))
    avails = list(Availability.objects.values_list("sku_id", "catalog_item_id", "raw", "terms"))
    started = time.monotonic()
    with transaction.atomic():
        scratch = Product.objects.create(product_id="BENCH-BASELINE", title="baseline")
        rows = Sku.objects.bulk_create(
            [Sku(product=scratch, sku_id=f"b{pk}", title=t, search_text=s, raw=r)
             for pk, t, s, r in skus],
            batch_size=500,
        )  # fmt: skip
        new_pk = dict(zip([s[0] for s in skus], [r.pk for r in rows], strict=True))
        Availability.objects.bulk_create(
            [Availability(sku_id=new_pk[sid], catalog_item_id=f"b:{cid}", country="ZZ", raw=r,
                          terms=terms)
             for sid, cid, r, terms in avails],
            batch_size=500,
        )  # fmt: skip
        elapsed = time.monotonic() - started
        transaction.set_rollback(True)
    return elapsed


def _measure_pages(urls: dict[str, str]) -> tuple[dict[str, int], dict[str, float]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.admin_tools.services.staff import staff_create_or_update
    from portal.shared.roles import Role

    user, _ = staff_create_or_update(username="bench-sales", password="bench-pass-123",
                                     roles=[Role.SALES])  # fmt: skip
    client = Client()
    client.force_login(user)
    queries, p95 = {}, {}
    for name, url in urls.items():
        client.get(url)  # warm-up
        times = []
        for _ in range(PAGE_RUNS):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        queries[name] = len(ctx)
        p95[name] = _p95(times)
    return queries, p95


def run(env) -> str:
    from catalog.models import Availability, Sku
    from catalog.services.sync import DEFAULT_TARGET_VIEWS, catalog_sync

    views = [*DEFAULT_TARGET_VIEWS, "OnlineServices", "MicrosoftAzure"]
    print(f"  starting sandbox with --catalog-size {CATALOG_SIZE}...", file=sys.stderr)
    with env.sandbox(catalog_size=CATALOG_SIZE, order_list_delay=0):

        def show(done, total, message):
            if done:
                print(f"  sync {done}/{total} products  {message}", file=sys.stderr)

        started = time.monotonic()
        first = catalog_sync(country="US", target_views=views, on_progress=show)
        sync_s = time.monotonic() - started
        started = time.monotonic()
        second = catalog_sync(country="US", target_views=views)
        resync_s = time.monotonic() - started
    skus = Sku.objects.count()
    baseline = _baseline_insert_seconds()
    sku = Sku.objects.select_related("product").order_by("pk")[skus // 2]
    assert Availability.objects.filter(sku=sku).exists()
    queries, p95 = _measure_pages({
        "list": "/catalog/?country=US",
        "search": "/catalog/?country=US&q=standard_e8s+eu+west&view=AzureReservationsVM",
        "filter": "/catalog/?country=US&prereq=inventorycheck&term=P3Y&sort=-title&page=40",
        "sku": f"/catalog/{sku.product.product_id}/{sku.sku_id}/?country=US",
    })  # fmt: skip
    return (
        f"bench: catalog skus={skus} sync_s={sync_s:.1f} resync_writes={second.written} "
        f"resync_s={resync_s:.1f} list_queries={queries['list']} "
        f"search_queries={queries['search']} sku_queries={queries['sku']} "
        f"p95_ms={max(p95.values()):.0f} list_p95_ms={p95['list']:.0f} "
        f"search_p95_ms={p95['search']:.0f} sku_p95_ms={p95['sku']:.0f} "
        f"availabilities={first.availabilities} baseline_insert_s={baseline:.1f} "
        f"sync_vs_insert={sync_s / baseline:.1f}x"
    )
