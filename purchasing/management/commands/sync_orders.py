"""``manage.py sync_orders [--customer ID] [--billing-cycle one_time|monthly|annual]``."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from portal.customers.services.lookups import customer_get_or_fetch
from portal.models import Customer
from portal.shared.errors import PortalError


def find_customer(value: str, echo=None) -> Customer:
    """A portal id (digits) from the mirror; a Partner Center id from the mirror, else read by id."""
    if value.isdigit():
        found = Customer.objects.filter(pk=int(value)).first()
        if found is None:
            raise CommandError(f"No customer {value!r} in the portal (a portal id).")
        return found
    try:
        lookup = customer_get_or_fetch(tenant_id=value)
    except PortalError as exc:
        raise CommandError(str(exc)) from exc
    if lookup.fetched and echo:
        echo(f"Read customer {lookup.obj.company_name} from Partner Center by id.")
    return lookup.obj


class Command(BaseCommand):
    help = (
        "Mirror Partner Center orders: confirm portal orders, import external ones, flag late ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("--customer", help="portal customer id or Partner Center tenant id")
        parser.add_argument("--billing-cycle", choices=["one_time", "monthly", "annual"])
        parser.add_argument(
            "--no-provisioning",
            action="store_true",
            help="skip refreshing the provisioning status of portal orders not yet fulfilled",
        )

    def handle(self, *args, **options):
        from partnercenter.errors import PartnerCenterError
        from purchasing.services.orders import orders_sync

        customer = (
            find_customer(options["customer"], self.stdout.write)
            if options.get("customer")
            else None
        )
        started = time.monotonic()

        def progress(done, total, result):
            self.stdout.write(f"  {done}/{total} customers: {result}")

        try:
            result = orders_sync(
                customer=customer, billing_cycle=options.get("billing_cycle"), progress=progress
            )
        except PartnerCenterError as exc:
            raise CommandError(f"Order sync failed: {exc}") from exc
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Orders synced in {elapsed:.1f}s: {result}"))
        if not options.get("no_provisioning"):
            from purchasing.services.orders import orders_refresh_provisioning

            count = orders_refresh_provisioning()
            self.stdout.write(f"Provisioning status refreshed for {count} order(s).")
