"""Price sheets mirrored from the sandbox (App+User) and shown per availability on the SKU page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Availability, PriceSheetEntry, Sku
from catalog.selectors import availability_price
from catalog.services.prices import price_sheet_sync

pytestmark = pytest.mark.django_db
SQL_DB = "DZH318Z0BQ5S"


def test_price_sheet_mirror_is_idempotent_and_shown(synced_us, pc_user_connection, sales_client):
    first = price_sheet_sync(market="US", view="azure_reservations")
    assert first.rows >= 30 and first.written == first.rows
    again = price_sheet_sync(market="US", view="azure_reservations")
    assert again.written == 0 and PriceSheetEntry.objects.count() == first.rows
    entry = PriceSheetEntry.objects.get(product_id=SQL_DB, sku_id="0001")
    assert entry.currency == "USD" and entry.billing_plan == "OneTime"
    assert entry.term_duration == "P1Y" and entry.unit_price == Decimal("1093.08")
    assert entry.effective_start.tzinfo is not None
    avail = Availability.objects.select_related("sku__product").get(
        sku__product__product_id=SQL_DB, sku__sku_id="0001", country="US", reservation_scope=""
    )
    price = availability_price(avail)
    assert price.unit_price == Decimal("1093.08") and price.currency == "USD"
    html = sales_client.get(f"/catalog/{SQL_DB}/0001/?country=US").content.decode()
    assert "1,093.08" in html and "OneTime" in html and "effective" in html


def test_no_price_is_never_invented(synced_us, pc_user_connection, sales_client):
    price_sheet_sync(market="US", view="software")
    PriceSheetEntry.objects.filter(product_id="DG7GMGF0DWTK").delete()
    sku = Sku.objects.get(product__product_id="DG7GMGF0DWTK")
    avail = sku.availabilities.filter(country="US").first()
    assert availability_price(avail) is None
    html = sales_client.get(f"/catalog/DG7GMGF0DWTK/{sku.sku_id}/?country=US").content.decode()
    assert "No price in the price sheet" in html


def test_price_sheets_need_a_signed_in_user(sandbox):
    with pytest.raises(CommandError, match=r"App\+User connection \(a signed-in partner user\)"):
        call_command("sync_price_sheets", "--market", "US", "--view", "software")


def test_sync_price_sheets_command(synced_us, pc_user_connection, capsys):
    call_command("sync_price_sheets", "--market", "US", "--view", "software")
    assert "US software:" in capsys.readouterr().out
    assert PriceSheetEntry.objects.filter(market="US", view="software").exists()
