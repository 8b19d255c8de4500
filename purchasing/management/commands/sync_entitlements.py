"""``manage.py sync_entitlements [--customer ID]`` (needs the App+User connection)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from partnercenter.errors import PartnerCenterError
from portal.shared.errors import PortalError
from purchasing.management.commands.sync_orders import find_customer
from purchasing.services.entitlements import entitlements_sync


class Command(BaseCommand):
    help = "Mirror customers' entitlements and Azure reservation details from Partner Center."

    def add_arguments(self, parser):
        parser.add_argument("--customer", help="portal customer id or Partner Center tenant id")

    def handle(self, *args, **options):
        customer = (
            find_customer(options["customer"], self.stdout.write)
            if options.get("customer")
            else None
        )
        try:
            result = entitlements_sync(customer=customer)
        except (PortalError, PartnerCenterError) as exc:
            raise CommandError(_("Entitlement sync failed: %(error)s") % {"error": exc}) from exc
        self.stdout.write(
            self.style.SUCCESS(_("Entitlements synced: %(result)s") % {"result": result})
        )
