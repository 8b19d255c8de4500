"""``manage.py sync_subscriptions [--customer ID]``: mirror customers' Azure subscriptions."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
                        _("Read customer %(name)s from Partner Center by id.")
                        % {"name": found.obj.company_name}
                    )
            outcome = subscription_sync_all(
                customer_tenant_id=tenant, actor=None, echo=self.stdout.write
            )
        except PortalError as exc:
            raise CommandError(str(exc)) from exc
        result = outcome["result"]
        count = outcome["customers"]
        customers = ngettext("%(n)s customer", "%(n)s customers", count) % {"n": count}
        self.stdout.write(self.style.SUCCESS(f"{customers}: {result.summary(_('subscriptions'))}"))
        if outcome["failures"]:
            failed = len(outcome["failures"])
            raise CommandError(
                ngettext(
                    "%(n)s customer failed; first: %(first)s",
                    "%(n)s customers failed; first: %(first)s",
                    failed,
                )
                % {"n": failed, "first": outcome["failures"][0]}
            )
