"""``bench: orders_sync``: mirror N sandbox orders (10,000 with ``FULL=1``, 2,000 by default), then
an idempotent re-sync.

The baseline writes the same orders, with the same lines and history events, into the same tables
(``bulk_create`` of the rows the sync produced, read back outside the timer), in one transaction as
the sync does: ``sync_vs_insert`` is sync time / baseline time for the same rows, so what it shows
is the cost of reading Partner Center and deciding what to write. The mirror is emptied before each
sync; sync, re-sync and baseline alternate ``env.runs`` times.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from tests.bench.harness import bench, figure, interleave, ratios


def _make_orders(server, tenants: list[str], n: int) -> None:
    import requests

    session = requests.Session()
    session.trust_env = False
    url = f"{server.base_url}/_sandbox/external-orders"

    def one(i: int) -> None:
        body = {"customer_id": tenants[i % len(tenants)],
                "billing_cycle": "one_time" if i % 3 else "monthly",
                "line_items": [{"catalog_item_id": "DG7GMGF0G49X:0001" if i % 3 else "MS-AZR-0145P",
                                "quantity": 1 + i % 4}]}  # fmt: skip
        session.post(url, json=body, timeout=30).raise_for_status()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, range(n)))


def _empty_mirror() -> None:
    from purchasing.models import Order

    Order.objects.all().delete()


def _snapshot() -> tuple[list[dict], list[dict], list[dict]]:
    """The rows the sync wrote (orders, lines, events), keyed by Partner Center order id."""
    from purchasing.models import Order, OrderEvent, OrderLine

    orders = [{k: v for k, v in row.items() if k != "id"} for row in Order.objects.values()]
    ids = dict(Order.objects.values_list("pk", "pc_order_id"))
    lines = [dict(row, order_id=ids[row["order_id"]]) for row in OrderLine.objects.values()]
    events = [dict(row, order_id=ids[row["order_id"]]) for row in OrderEvent.objects.values()]
    for row in (*lines, *events):
        row.pop("id")
    return orders, lines, events


def _baseline(snapshot) -> float:
    """Write the snapshot's orders, lines and events in one transaction; seconds taken."""
    from django.db import transaction

    from purchasing.models import Order, OrderEvent, OrderLine

    orders, lines, events = snapshot
    _empty_mirror()
    started = time.perf_counter()
    with transaction.atomic():
        made = Order.objects.bulk_create([Order(**row) for row in orders], batch_size=500)
        pks = {o.pc_order_id: o.pk for o in made}
        OrderLine.objects.bulk_create(
            [OrderLine(**dict(row, order_id=pks[row["order_id"]])) for row in lines],
            batch_size=1000,
        )
        OrderEvent.objects.bulk_create(
            [OrderEvent(**dict(row, order_id=pks[row["order_id"]])) for row in events],
            batch_size=1000,
        )
    return time.perf_counter() - started


@bench("orders_sync", order=30)
def run(env):
    from portal.customers.services.sync import customer_sync_all
    from portal.models import Customer
    from purchasing.models import Order, OrderEvent, OrderLine
    from purchasing.services.orders import orders_sync

    n = env.size(default=2_000, full=10_000)
    with env.sandbox(order_list_delay=0, order_completion_delay=0) as server:
        customer_sync_all()
        tenants = [str(c.tenant_id) for c in Customer.objects.all()]
        started = time.monotonic()
        _make_orders(server, tenants, n)
        make_s = time.monotonic() - started
        _empty_mirror()
        orders_sync()
        snapshot = _snapshot()
        counts = (Order.objects.count(), OrderLine.objects.count(), OrderEvent.objects.count())

        def sync() -> float:
            _empty_mirror()
            started = time.perf_counter()
            orders_sync()
            return time.perf_counter() - started

        def resync() -> dict:
            before = OrderEvent.objects.count()
            started = time.perf_counter()
            second = orders_sync()
            seconds = time.perf_counter() - started
            writes = second.created + second.updated + OrderEvent.objects.count() - before
            return {"seconds": seconds, "writes": writes}

        runs = interleave(env.runs, sync=sync, resync=resync, baseline=lambda: _baseline(snapshot))
    writes = max(r["writes"] for r in runs["resync"])
    return (
        f"bench: orders_sync orders={counts[0]} lines={counts[1]} events={counts[2]} "
        f"sync_s={figure(runs['sync'])} rate={figure([counts[0] / s for s in runs['sync']], '.0f')}/s "
        f"resync_s={figure([r['seconds'] for r in runs['resync']])} resync_writes={writes} "
        f"baseline_insert_s={figure(runs['baseline'])} "
        f"sync_vs_insert={figure(ratios(runs['sync'], runs['baseline']), '.1f')}x "
        f"(sandbox order creation {make_s:.0f}s)"
    )
