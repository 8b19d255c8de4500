"""Child processes of the catalog benches, each on its own database (``DATABASE_URL``) and the
sandbox named by ``PARTNER_CENTER_*``: ``python -m tests.bench._catalog_child populate|resync``.
Each prints one JSON line."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time

VIEWS_EXTRA = ["OnlineServices"]  # the default views plus NCE licences


def child_env(database_url: str, server, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="tests.settings",
        **server.portal_env,
        **extra,
    )
    return env


def run_child(mode: str, database_url: str, server, **extra: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "tests.bench._catalog_child", mode],
        env=child_env(database_url, server, **extra), stdout=subprocess.PIPE, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def _setup() -> None:
    import django

    django.setup()
    if not os.environ.get("BENCH_MIGRATED"):  # the harness hands out migrated databases
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)


def _views() -> list[str]:
    from catalog.services.sync import DEFAULT_TARGET_VIEWS

    return [*DEFAULT_TARGET_VIEWS, *VIEWS_EXTRA]


def populate() -> dict:
    """A synced catalog, the demo's markup rules, US prices of the SKUs to visit (so their pages
    show partner and resale prices) and the bench's salesperson; returns SKU ids to visit."""
    _setup()
    from django.contrib.auth import get_user_model

    from catalog.models import Sku
    from catalog.services.sync import catalog_sync
    from demo.pricing import demo_markup_rules
    from tests.bench.catalog_http import bench_user

    catalog_sync(country="US", target_views=_views(), full=True)
    username = bench_user()
    demo_markup_rules(actor=get_user_model().objects.get(username=username), key_accounts=[])
    skus = list(Sku.objects.filter(is_available=True).values_list("product__product_id", "sku_id"))
    sample = random.Random(7).sample(skus, min(300, len(skus)))
    _prices(sample)
    return {"skus": len(skus), "sample": sample}


def _prices(sample: list[tuple[str, str]]) -> None:
    """A current US price sheet line per term of each sampled SKU's US availabilities."""
    from decimal import Decimal

    from django.utils import timezone

    from catalog.models import Availability, PriceSheetEntry

    start = timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    wanted = set(sample)
    entries = []
    availabilities = Availability.objects.filter(country="US").select_related("sku__product")
    for a in availabilities.iterator(chunk_size=2000):
        ids = (a.sku.product.product_id, a.sku.sku_id)
        if ids not in wanted:
            continue
        for term in [t for t in a.term_durations.split("|") if t] or [""]:
            entries.append(
                PriceSheetEntry(
                    row_key=f"bench:{a.pk}:{term}", market="US", view="azure_reservations",
                    product_id=ids[0].upper(), sku_id=ids[1].upper(), term_duration=term,
                    billing_plan="OneTime", currency=a.currency or "USD",
                    unit_price=Decimal(100 + a.pk % 900) + Decimal("0.37"),
                    unit_of_measure="1 Hour", effective_start=start, is_current=True,
                )
            )  # fmt: skip
    PriceSheetEntry.objects.bulk_create(entries, batch_size=1000, ignore_conflicts=True)


def _empty_catalog() -> None:
    from django.db import connection

    from portal.models import SyncState

    tables = ["catalog_customeroffer", "catalog_availability", "catalog_sku", "catalog_product"]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
    SyncState.objects.filter(kind__startswith="catalog:").delete()


def resync() -> list[dict]:
    """``BENCH_RUNS`` times (one process, so the runs pay Django's start-up once): the first sync
    of an emptied catalog, then a re-sync of the unchanged one (writes counted)."""
    _setup()
    return [_resync_once() for _ in range(int(os.environ.get("BENCH_RUNS") or 1))]


def _resync_once() -> dict:
    from catalog.services.sync import catalog_sync
    from portal.partner_center.client import get_client
    from tests.catalog.writes import CountingClient, catalog_writes

    _empty_catalog()
    started = time.perf_counter()
    first = catalog_sync(country="US", target_views=_views())
    sync_s = time.perf_counter() - started
    client = CountingClient(get_client())
    with catalog_writes() as writes:
        started = time.perf_counter()
        second = catalog_sync(country="US", target_views=_views(), client=client)
        resync_s = time.perf_counter() - started
    return {
        "skus": first.skus, "sync_s": sync_s, "resync_s": resync_s,
        "writes": sum(writes.values()), "written": second.written,
        "calls": sum(client.calls.values()),
    }  # fmt: skip


if __name__ == "__main__":
    print(json.dumps({"populate": populate, "resync": resync}[sys.argv[1]]()), flush=True)
