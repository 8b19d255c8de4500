from django.core.management.base import BaseCommand, CommandError

from portal.shared.errors import PortalError


class Command(BaseCommand):
    help = "Mirror Partner Center invoices and refresh the account balance (and summaries)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-statements", action="store_true", help="don't queue PDFs of new invoices"
        )

    def handle(self, *args, **options):
        from billing.services.balances import balance_refresh
        from billing.services.invoices import invoice_sync_all

        try:
            result = invoice_sync_all(queue_statements=not options["no_statements"])
            self.stdout.write(f"Invoices: {result}.")
            balance = balance_refresh()
        except PortalError as exc:
            raise CommandError(str(exc)) from exc
        if balance.balance:
            b = balance.balance
            self.stdout.write(f"Balance: {b.balance_amount} {b.currency}.")
        for summary in balance.summaries:
            self.stdout.write(f"Summary {summary.currency}: {summary.balance_amount}.")
        for warning in balance.warnings:
            self.stderr.write(warning)
