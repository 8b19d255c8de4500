"""``bench: checkout lines=50``: a 50-line cart (two items, as a reseller's bulk order has them)
from review (with the Partner Center re-check) to submitted, against the sandbox.

The baseline is Partner Center's part alone: the same requests made straight with the client
(each distinct item's availability read, the cart created with the same 50 lines, checked out),
so ``portal_ms`` = checkout minus baseline is what the portal adds. ``pc_calls`` counts the
sandbox's requests of one checkout (they grow with distinct items and order groups, not lines).
Checkout and baseline alternate ``env.runs`` times, each on a fresh cart.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter

from tests.bench.harness import bench, figure, interleave

SUSE = "SUSE Linux Enterprise Server Priority - 1-2 vCPU VM Support"
WINDOWS = "Windows Server 2022 Standard - 2 Core License Pack - 1 year"


def _api_calls(server) -> Counter:
    calls = server.stats()["calls_per_route"]
    return Counter({route: n for route, n in calls.items() if " /v1/" in route})


def _fill_cart(customer, user, lines: int):
    from catalog.models import Availability
    from purchasing.services.cart import LineInput, cart_add_line

    first = None
    for n in range(lines):
        availability = Availability.objects.filter(
            country="US", sku__title=(SUSE, WINDOWS)[n % 2], segment="commercial",
            reservation_scope="",
        ).first()  # fmt: skip
        terms = [t["duration"] for t in availability.terms]
        data = LineInput(quantity=8 + n, billing_cycle="one_time",
                         term_duration=terms[0] if terms else "", provisioning_context={})  # fmt: skip
        line = cart_add_line(customer=customer, availability=availability, user=user, data=data)
        first = first or line
    return first.cart


@bench("checkout", order=40)
def run(env):
    from catalog.services.sync import catalog_sync
    from portal.admin_tools.services.staff import staff_create_or_update
    from portal.customers.services.sync import customer_sync_all, subscription_sync_all
    from portal.models import Customer
    from portal.partner_center.client import get_client
    from portal.shared.roles import Role
    from purchasing.models import Checkout
    from purchasing.services.cart import _pc_lines
    from purchasing.services.checkout import checkout_review, checkout_submit

    lines = 50
    with env.sandbox(order_list_delay=0, order_completion_delay=0) as server:
        customer_sync_all()
        subscription_sync_all()
        catalog_sync(country="US", workers=2)
        user, _ = staff_create_or_update(username="bench-checkout", password="bench-pass-123",
                                         roles=[Role.SALES])  # fmt: skip
        customer = Customer.objects.get(company_name="Contoso Ltd")
        calls: list[int] = []

        def checkout() -> float:
            cart = _fill_cart(customer, user, lines)
            before = _api_calls(server)
            started = time.perf_counter()
            checkout_review(cart=cart, user=user)
            done = checkout_submit(cart_id=cart.pk, user=user, confirm_duplicates=True)
            seconds = time.perf_counter() - started
            assert done.state == Checkout.State.SUBMITTED, done.state
            calls.append(sum((_api_calls(server) - before).values()))
            return seconds

        def baseline() -> float:
            cart = _fill_cart(customer, user, lines)
            body = _pc_lines(list(cart.lines.order_by("id")))
            items = {(line.product_id, line.sku_id, line.catalog_item_id.split(":")[-1])
                     for line in cart.lines.all()}  # fmt: skip
            tenant = str(customer.tenant_id)
            client = get_client()
            started = time.perf_counter()
            for product, sku, availability in sorted(items):
                client.get_availability(product, sku, availability, "US")
            pc_cart = client.create_cart(tenant, body)
            client.checkout_cart(tenant, pc_cart.id, request_id=str(uuid.uuid4()))
            seconds = time.perf_counter() - started
            cart.lines.all().delete()  # the portal's cart stays empty for the next run
            return seconds

        runs = interleave(env.runs, checkout=checkout, baseline=baseline)
    ms = [s * 1000 for s in runs["checkout"]]
    floor = [s * 1000 for s in runs["baseline"]]
    return (
        f"bench: checkout lines={lines} items=2 review_to_submitted_ms={figure(ms, '.0f')} "
        f"pc_floor_ms={figure(floor, '.0f')} "
        f"portal_ms={figure([m - f for m, f in zip(ms, floor, strict=True)], '.0f')} "
        f"pc_calls={figure(calls, '.0f')} goal_ms=1000"
    )
