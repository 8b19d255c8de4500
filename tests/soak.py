"""``make soak`` (``python -m tests.soak --checkouts N``): N checkouts against a fresh sandbox with
about 20 % of checkout calls faulted (slow commit, connection reset, 429, 500). Each checkout is
driven to a known outcome (submit, then reconcile with the same MS-RequestId); the run prints

    soak: checkouts=N duplicates=D lost=L unknown_left=U

``duplicates``: carts Partner Center checked out more than once, or PC orders recorded twice;
``lost``: PC orders with no local ``Order`` (or a submitted checkout without orders);
``unknown_left``: checkouts still not known after reconciling. All three must be 0.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

FAULT_KINDS = (
    {"kind": "slow_commit", "delay": 1.3},
    {"kind": "reset"},
    {"kind": "429", "retry_after": 0},
    {"kind": "500"},
)
CHECKOUT_PATH = "/v1/customers/*/carts/*/checkout"


def prepare_world():
    """Customers, subscriptions and the US catalog mirrored from the sandbox."""
    from catalog.services import catalog_sync
    from portal.models import Customer
    from portal.services.customers import customer_sync_all, subscription_sync_all

    customer_sync_all()
    subscription_sync_all()
    catalog_sync(country="US", workers=2)
    return Customer.objects.get(company_name="Contoso Ltd")


def soak(*, sandbox, customer, user, checkouts: int, fault_rate: float = 0.2, echo=None) -> dict:
    """Run ``checkouts`` checkouts under faults; returns the counts of the soak line."""
    from catalog.models import Availability
    from purchasing.models import Checkout, Order
    from purchasing.services.cart import LineInput, cart_add_line
    from purchasing.services.checkout import checkout_reconcile, checkout_submit

    availability = Availability.objects.select_related("sku__product").get(
        country="US",
        segment="commercial",
        sku__title="SUSE Linux Enterprise Server Priority - 1-2 vCPU VM Support",
    )
    sandbox.configure(order_list_delay=0, order_completion_delay=0)
    sandbox.clear_faults()
    for fault in FAULT_KINDS:
        sandbox.add_fault(path=CHECKOUT_PATH, probability=fault_rate / len(FAULT_KINDS), **fault)
    checkout_ids = []
    started = time.monotonic()
    for n in range(checkouts):
        line = cart_add_line(
            customer=customer,
            availability=availability,
            user=user,
            data=LineInput(quantity=1 + n % 5, billing_cycle="one_time", term_duration="P1Y"),
        )
        checkout = checkout_submit(cart_id=line.cart_id, user=user, confirm_duplicates=True)
        for _ in range(20):
            if checkout.is_final:
                break
            checkout = checkout_reconcile(checkout_id=checkout.pk)
        checkout_ids.append(checkout.pk)
        if echo and (n + 1) % 50 == 0:
            echo(f"  {n + 1}/{checkouts} checkouts, {time.monotonic() - started:.0f} s")
    sandbox.clear_faults()
    stats = sandbox.stats()
    local = Order.objects.filter(checkout_id__in=checkout_ids)
    duplicates = sum(1 for count in stats["checkouts_per_cart"].values() if count > 1)
    lost = 0
    for checkout in Checkout.objects.filter(pk__in=checkout_ids).select_related("cart"):
        pc_orders = stats["orders_per_cart"].get(checkout.cart.pc_cart_id, 0)
        mine = local.filter(checkout=checkout).count()
        duplicates += max(0, mine - pc_orders)
        lost += max(0, pc_orders - mine)
        if checkout.state == Checkout.State.SUBMITTED and mine == 0:
            lost += 1
    unknown = (
        Checkout.objects.filter(pk__in=checkout_ids)
        .exclude(
            state__in=[
                Checkout.State.SUBMITTED,
                Checkout.State.PARTIALLY_SUBMITTED,
                Checkout.State.FAILED,
            ]
        )
        .count()
    )
    return {"checkouts": checkouts, "duplicates": duplicates, "lost": lost, "unknown_left": unknown}


def line(result: dict) -> str:
    return (
        f"soak: checkouts={result['checkouts']} duplicates={result['duplicates']} "
        f"lost={result['lost']} unknown_left={result['unknown_left']}"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=int, default=1000)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="portal-soak-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'soak.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from partnercenter.sandbox.testing import SandboxServer
    from portal.roles import Role
    from portal.staff import staff_create_or_update

    call_command("migrate", verbosity=0, interactive=False)
    with SandboxServer(workdir / "sandbox") as server:
        settings.PARTNER_CENTER_API_URL = server.base_url
        settings.PARTNER_CENTER_AUTHORITY = server.authority
        settings.PARTNER_CENTER_TENANT_ID = server.tenant_id
        settings.PARTNER_CENTER_CLIENT_ID = server.client_id
        settings.PARTNER_CENTER_CLIENT_SECRET = server.client_secret
        settings.PARTNER_CENTER_TIMEOUT = 1
        settings.PARTNER_CENTER_MAX_RETRIES = 1
        settings.PURCHASING_RECONCILE_BACKOFF_SECONDS = 0
        settings.PURCHASING_ORDER_SYNC_FIRST_COUNTDOWN = 3600  # no broker here; not measured
        settings.CELERY_TASK_ALWAYS_EAGER = False
        user, _ = staff_create_or_update(
            username="soak", password="soak-pass-123", roles=[Role.SALES]
        )
        customer = prepare_world()
        started = time.monotonic()
        result = soak(
            sandbox=server,
            customer=customer,
            user=user,
            checkouts=args.checkouts,
            echo=lambda m: print(m, file=sys.stderr, flush=True),
        )
        elapsed = time.monotonic() - started
    print(line(result), flush=True)
    print(f"  ({args.checkouts} checkouts in {elapsed:.0f} s)", file=sys.stderr)
    bad = result["duplicates"] or result["lost"] or result["unknown_left"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
