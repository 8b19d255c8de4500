"""``manage.py sync_orders [--customer ID] [--billing-cycle one_time|monthly|annual]``."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnercenter.errors import PartnerCenterError
from portal.customers.services.lookups import customer_get_or_fetch
from portal.models import Customer
from portal.shared.errors import PortalError
from purchasing.services.orders import orders_sync
from purchasing.services.provisioning import orders_refresh_provisioning


def find_customer(value: str, echo=None) -> Customer:
    """A portal id (digits) from the mirror; a Partner Center id from the mirror, else read by id."""
    if value.isdigit():
        found = Customer.objects.filter(pk=int(value)).first()
        if found is None:
            raise CommandError(
                _("No customer %(value)s in the portal (a portal id).") % {"value": repr(value)}
            )
        return found
    try:
        lookup = customer_get_or_fetch(tenant_id=value)
    except PortalError as exc:
        raise CommandError(str(exc)) from exc
    if lookup.fetched and echo:
        echo(
            _("Read customer %(name)s from Partner Center by id.")
            % {"name": lookup.obj.company_name}
        )
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
        customer = (
            find_customer(options["customer"], self.stdout.write)
            if options.get("customer")
            else None
        )
        started = time.monotonic()

        def progress(done, total, result):
            self.stdout.write(
                "  "
                + _("%(done)d/%(total)d customers: %(result)s")
                % {"done": done, "total": total, "result": result}
            )

        try:
            result = orders_sync(
                customer=customer, billing_cycle=options.get("billing_cycle"), progress=progress
            )
        except PartnerCenterError as exc:
            raise CommandError(_("Order sync failed: %(error)s") % {"error": exc}) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                _("Orders synced in %(seconds).1fs: %(result)s")
                % {"seconds": elapsed, "result": result}
            )
        )
        if not options.get("no_provisioning"):
            count = orders_refresh_provisioning()
            self.stdout.write(
                ngettext(
                    "Provisioning status refreshed for %(n)d order.",
                    "Provisioning status refreshed for %(n)d orders.",
                    count,
                )
                % {"n": count}
            )
