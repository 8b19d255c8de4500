from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from billing import selectors
from billing.services.invoice_lookup import invoice_get_or_fetch, invoice_implied
from billing.services.lines import line_import_run, line_import_start
from billing.services.reconciliation import EXPECTED_MEANS, reconciliation_run
from portal.shared.errors import PortalError


class Command(BaseCommand):
    help = "Reconcile an invoice's one-time lines against the portal's orders; prints the summary."

    def add_arguments(self, parser):
        parser.add_argument("invoice_id")
        parser.add_argument("--tolerance", default=None, help="e.g. 0.01 (line currency)")
        parser.add_argument(
            "--import-lines",
            action="store_true",
            help="import the invoice's line items first when the portal has none yet",
        )

    def handle(self, *args, **options):
        try:
            found = invoice_get_or_fetch(invoice_id=options["invoice_id"])
            invoice = found.obj
            if found.fetched:
                self.stdout.write(
                    _("Read invoice %(id)s from Partner Center by id.") % {"id": invoice.invoice_id}
                )
            for implied in invoice_implied(invoice):
                if implied.action != "import_lines":
                    continue
                if not options["import_lines"]:
                    raise CommandError(
                        _(
                            "%(text)s Import them with import_invoice_lines %(id)s, or run "
                            "reconcile again with --import-lines."
                        )
                        % {"text": implied.text, "id": invoice.invoice_id}
                    )
                imp = line_import_start(invoice=invoice, queue=False)
                imp = line_import_run(import_id=imp.pk)
                self.stdout.write(
                    _("Imported %(rows)s line items.") % {"rows": f"{imp.rows_done:,}"}
                )
        except PortalError as exc:
            raise CommandError(str(exc)) from exc
        tolerance = None
        if options["tolerance"] is not None:
            try:
                tolerance = Decimal(options["tolerance"])
            except InvalidOperation:
                raise CommandError(
                    _("--tolerance %(value)s is not a number.")
                    % {"value": repr(options["tolerance"])}
                ) from None
        try:
            run = reconciliation_run(invoice=invoice, tolerance=tolerance)
        except PortalError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Invoice %(id)s: %(lines)d lines, %(orders)d portal orders, tolerance %(tolerance)s")
            % {
                "id": invoice.invoice_id,
                "lines": run.lines_checked,
                "orders": run.orders_checked,
                "tolerance": run.tolerance.normalize(),
            }
        )
        self.stdout.write(
            f"{'class':<40} {'ccy':<4} {'count':>7} {'expected':>16} {'billed':>16} {'difference':>14}"
        )
        for row in selectors.recon_summary_rows(run):
            fmt = lambda v: "" if v is None else f"{v.normalize():f}"  # noqa: E731
            self.stdout.write(
                f"{row['label']:<40} {row['currency']:<4} {row['count']:>7} "
                f"{fmt(row['expected']):>16} {fmt(row['billed']):>16} {fmt(row['difference']):>14}"
            )
        self.stdout.write(str(EXPECTED_MEANS))
