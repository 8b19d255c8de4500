"""``manage.py sync_subscriptions [--customer ID]``: mirror customers' Azure subscriptions."""

from django.core.management.base import BaseCommand, CommandError

from portal.customers.services.lookups import customer_get_or_fetch
from portal.customers.services.sync import subscription_sync_all
from portal.shared.errors import PortalError


class Command(BaseCommand):
    help = "Mirror the subscriptions (and reservation registration state) of one or all customers."

    def add_arguments(self, parser):
        parser.add_argument("--customer", help="Partner Center customer id (GUID); default: all")

    def handle(self, *args, **options):
        try:
            tenant = None
            if options.get("customer"):
                found = customer_get_or_fetch(tenant_id=options["customer"])
                tenant = str(found.obj.tenant_id)
                if found.fetched:
                    self.stdout.write(
                        f"Read customer {found.obj.company_name} from Partner Center by id."
                    )
            outcome = subscription_sync_all(
                customer_tenant_id=tenant, actor=None, echo=self.stdout.write
            )
        except PortalError as exc:
            raise CommandError(str(exc)) from exc
        result = outcome["result"]
        self.stdout.write(
            self.style.SUCCESS(
                f"{outcome['customers']} customer(s): {result.summary('subscriptions')}"
            )
        )
        if outcome["failures"]:
            raise CommandError(
                f"{len(outcome['failures'])} customer(s) failed; first: {outcome['failures'][0]}"
            )
