"""manage.py sync_catalog --country US [--target-view V] [--segment S]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from catalog.services.sync import DEFAULT_TARGET_VIEWS, catalog_sync
from portal.shared.errors import PortalError


class Command(BaseCommand):
    help = "Mirror the Partner Center catalog of a country (incremental, idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--country", required=True, help="ISO 3166 alpha-2 code, e.g. US")
        parser.add_argument(
            "--target-view",
            action="append",
            dest="target_views",
            help=f"Target view (repeatable); default: {', '.join(DEFAULT_TARGET_VIEWS)}",
        )
        parser.add_argument("--segment", help="commercial, education, government or nonprofit")

    def handle(self, *args, country, target_views, segment, **options):
        def show(done: int, total: int, message: str) -> None:
            products = _("%(done)d/%(total)d products") % {"done": done, "total": total}
            self.stdout.write(f"  {products}  {message}")

        self.stdout.write(_("Syncing the catalog of %(country)s...") % {"country": country.upper()})
        try:
            result = catalog_sync(
                country=country, target_views=target_views, segment=segment, on_progress=show
            )
        except PortalError as exc:
            raise CommandError(str(exc).replace("\n", " ")) from None
        done = _("Catalog of %(country)s: %(summary)s") % {
            "country": result.country,
            "summary": result.summary(),
        }
        self.stdout.write(self.style.SUCCESS(done))
