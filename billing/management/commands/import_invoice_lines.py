import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from billing.services.invoice_lookup import invoice_get_or_fetch
from billing.services.lines import line_import_run, line_import_start
from portal.shared.errors import PortalError


class Command(BaseCommand):
    help = (
        "Import an invoice's line items from Partner Center, page by page; resumes an interrupted "
        "import from its last committed page and never duplicates lines."
    )

    def add_arguments(self, parser):
        parser.add_argument("invoice_id")
        parser.add_argument("--provider", default="onetime")
        parser.add_argument("--type", dest="line_type", default="billinglineitems")
        parser.add_argument("--restart", action="store_true", help="start again from page one")
        parser.add_argument("--page-size", type=int, default=None)
        parser.add_argument(
            "--force", action="store_true", help="take over an import that looks running"
        )

    def handle(self, *args, **options):
        try:
            found = invoice_get_or_fetch(invoice_id=options["invoice_id"])
            invoice = found.obj
            if found.fetched:
                self.stdout.write(
                    _("Read invoice %(id)s from Partner Center by id.") % {"id": invoice.invoice_id}
                )
            imp = line_import_start(
                invoice=invoice,
                provider=options["provider"],
                line_item_type=options["line_type"],
                restart=options["restart"],
                queue=False,
            )
            if imp.rows_done:
                self.stdout.write(
                    _("Resuming after %(rows)s lines (%(pages)d pages).")
                    % {"rows": f"{imp.rows_done:,}", "pages": imp.pages_done}
                )
            started = time.monotonic()
            verbose = options["verbosity"] >= 1

            def progress(current):
                if verbose:
                    rate = current.rows_done / max(time.monotonic() - started, 1e-6)
                    self.stdout.write(
                        "  "
                        + _("page %(page)d: %(rows)s lines (%(rate)s/s)")
                        % {
                            "page": current.pages_done,
                            "rows": f"{current.rows_done:,}",
                            "rate": f"{rate:,.0f}",
                        }
                    )

            imp = line_import_run(
                import_id=imp.pk,
                page_size=options["page_size"],
                force=options["force"],
                on_page=progress,
            )
        except PortalError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Imported %(id)s: %(rows)s lines, %(new)s new, %(pages)d pages in %(seconds).1fs.")
            % {
                "id": invoice.invoice_id,
                "rows": f"{imp.rows_done:,}",
                "new": f"{imp.rows_inserted:,}",
                "pages": imp.pages_done,
                "seconds": time.monotonic() - started,
            }
        )
