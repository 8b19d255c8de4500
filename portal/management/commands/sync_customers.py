"""``manage.py sync_customers``: mirror Partner Center customers into the portal."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from portal.customers.services.sync import customer_sync_all
from portal.shared.errors import PortalError


class Command(BaseCommand):
    help = "Mirror Partner Center customers; customers gone from Partner Center become inactive."

    def handle(self, *args, **options):
        self.stdout.write(_("Reading customers from Partner Center ..."))
        try:
            result = customer_sync_all(actor=None)
        except PortalError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(result.summary(_("customers"))))
