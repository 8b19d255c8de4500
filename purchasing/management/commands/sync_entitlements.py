"""``manage.py sync_entitlements [--customer ID]`` (needs the App+User connection)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from purchasing.management.commands.sync_orders import find_customer


class Command(BaseCommand):
    help = "Mirror customers' entitlements and Azure reservation details from Partner Center."

    def add_arguments(self, parser):
        parser.add_argument("--customer", help="portal customer id or Partner Center tenant id")

    def handle(self, *args, **options):
        from partnercenter.errors import PartnerCenterError
        from portal.shared.errors import PortalError
        from purchasing.services.entitlements import entitlements_sync

        customer = (
            find_customer(options["customer"], self.stdout.write)
            if options.get("customer")
            else None
        )
        try:
            result = entitlements_sync(customer=customer)
        except (PortalError, PartnerCenterError) as exc:
            raise CommandError(f"Entitlement sync failed: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Entitlements synced: {result}"))
