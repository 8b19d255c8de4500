"""manage.py sync_price_sheets [--market US] [--view azure_reservations] [--month YYYYMM]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from catalog.services.prices import PRICE_SHEET_VIEWS, price_sheet_sync, price_sheet_sync_markets
from portal.shared.errors import PortalError


class Command(BaseCommand):
    help = "Mirror Partner Center price sheets (App+User: an admin must have connected)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--market", action="append", help="ISO code (repeatable); default: markets in use"
        )
        parser.add_argument(
            "--view", action="append", help=f"default: {', '.join(PRICE_SHEET_VIEWS)}"
        )
        parser.add_argument("--month", help="YYYYMM for a past month (history); default current")

    def handle(self, *args, market, view, month, **options):
        try:
            if month:
                if not market:
                    raise CommandError(_("--month needs --market."))
                results = [
                    price_sheet_sync(market=m, view=v, month=month)
                    for m in market
                    for v in view or PRICE_SHEET_VIEWS
                ]
            else:
                results = price_sheet_sync_markets(markets=market, views=view)
        except PortalError as exc:
            raise CommandError(str(exc).replace("\n", " ")) from None
        if not results:
            self.stdout.write(_("No markets in use yet: sync customers or the catalog first."))
        for result in results:
            self.stdout.write(self.style.SUCCESS(result.summary()))
