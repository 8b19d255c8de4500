"""bench: orders_sync - mirror 10,000 sandbox orders (import), then an idempotent re-sync.

Baseline measured in the same run: a plain ``bulk_create`` of the same number of orders and lines
(the floor for writing them), so ``sync_vs_insert`` compares like with like on this machine.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

ORDERS = 10_000


def _make_orders(server, tenants: list[str]) -> None:
    import requests

    session = requests.Session()
    session.trust_env = False
    url = f"{server.base_url}/_sandbox/external-orders"

    def one(n: int) -> None:
        body = {"customer_id": tenants[n % len(tenants)],
                "billing_cycle": "one_time" if n % 3 else "monthly",
                "line_items": [{"catalog_item_id": "DG7GMGF0G49X:0001" if n % 3 else "MS-AZR-0145P",
                                "quantity": 1 + n % 4}]}  # fmt: skip
        session.post(url, json=body, timeout=30).raise_for_status()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, range(ORDERS)))


def _baseline_insert_seconds(customer) -> float:
    from django.db import transaction

    from purchasing.models import Order, OrderLine

    now = datetime.now(UTC)
    started = time.monotonic()
    with transaction.atomic():
        orders = Order.objects.bulk_create(
            [Order(pc_order_id=f"BASELINE-{n}", customer=customer, created_at=now, status="completed")
             for n in range(ORDERS)], batch_size=500)  # fmt: skip
        OrderLine.objects.bulk_create(
            [OrderLine(order=o, line_number=0, offer_id="X:1:Y", quantity=1) for o in orders],
            batch_size=1000,
        )
        elapsed = time.monotonic() - started
        transaction.set_rollback(True)
    return elapsed


def run(env) -> str:
    from portal.models import Customer
    from portal.services.customers import customer_sync_all
    from purchasing.models import Order, OrderEvent
    from purchasing.services.orders import orders_sync

    with env.sandbox(order_list_delay=0, order_completion_delay=0) as server:
        customer_sync_all()
        tenants = [str(c.tenant_id) for c in Customer.objects.all()]
        started = time.monotonic()
        _make_orders(server, tenants)
        make_s = time.monotonic() - started
        before = Order.objects.count()
        started = time.monotonic()
        first = orders_sync()
        sync_s = time.monotonic() - started
        imported = Order.objects.count() - before
        events = OrderEvent.objects.count()
        started = time.monotonic()
        second = orders_sync()
        resync_s = time.monotonic() - started
        writes = second.imported + second.updated + (OrderEvent.objects.count() - events)
        baseline = _baseline_insert_seconds(Customer.objects.first())
    return (
        f"bench: orders_sync orders={first.seen} imported={imported} sync_s={sync_s:.1f} "
        f"rate={first.seen / sync_s:.0f}/s resync_s={resync_s:.1f} "
        f"resync_rate={second.seen / resync_s:.0f}/s resync_writes={writes} "
        f"baseline_insert_s={baseline:.2f} sync_vs_insert={sync_s / baseline:.1f}x "
        f"(sandbox order creation {make_s:.0f}s)"
    )
