from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from billing.services.balances import balance_refresh
from billing.services.invoices import invoice_sync_all
from portal.shared.errors import PortalError


class Command(BaseCommand):
    help = "Mirror Partner Center invoices and refresh the account balance (and summaries)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-statements", action="store_true", help="don't queue PDFs of new invoices"
        )

    def handle(self, *args, **options):
        try:
            result = invoice_sync_all(queue_statements=not options["no_statements"])
            self.stdout.write(_("Invoices: %(result)s.") % {"result": result})
            balance = balance_refresh()
        except PortalError as exc:
            raise CommandError(str(exc)) from exc
        if balance.balance:
            b = balance.balance
            self.stdout.write(
                _("Balance: %(amount)s %(currency)s.")
                % {"amount": b.balance_amount, "currency": b.currency}
            )
        for summary in balance.summaries:
            self.stdout.write(
                _("Summary %(currency)s: %(amount)s.")
                % {"currency": summary.currency, "amount": summary.balance_amount}
            )
        for warning in balance.warnings:
            self.stderr.write(warning)
