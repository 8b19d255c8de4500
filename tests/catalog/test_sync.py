"""Catalog sync against the sandbox: mirror, idempotent re-sync, vanished items, command."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Availability, Product, Sku
from catalog.services.sync import catalog_sync, catalog_sync_kind
from portal.models import SyncState
from portal.partner_center.client import get_client
from tests.catalog.writes import CountingClient, catalog_writes

pytestmark = pytest.mark.django_db

VM_PRODUCT = "DZH318Z0BQ3Q"  # Virtual Machines DSv3 Series (hand-written sandbox catalog)


def test_sync_mirrors_products_skus_availabilities(sandbox):
    result = catalog_sync(country="US")
    assert result.products > 5 and result.skus > 40 and result.availabilities >= result.skus
    vm = Product.objects.get(product_id=VM_PRODUCT)
    assert vm.title == "Virtual Machines DSv3 Series"
    assert vm.target_view == "AzureReservationsVM"
    assert "|AzureReservations|" in vm.target_views
    sku = vm.skus.order_by("sku_id").first()
    assert sku.needs_inventory_check and sku.needs_registration
    assert sku.dynamic_attributes["armRegionName"]
    assert sku.provisioning_variables == ["Scope", "SubscriptionId", "Duration"]
    avail = sku.availabilities.get(reservation_scope="")
    plan = sku.availabilities.get(reservation_scope="AzurePlan")  # the Azure plan catalog's item
    assert plan.catalog_item_id != avail.catalog_item_id and plan.sku_id == sku.pk
    assert avail.country == "US" and avail.currency == "USD" and avail.segment == "commercial"
    assert avail.catalog_item_id == f"{VM_PRODUCT}:{sku.sku_id}:{avail.availability_id}"
    assert avail.term_durations in ("|P1Y|", "|P3Y|")
    # perpetual software is offered to three segments: one availability each
    perpetual = Sku.objects.filter(product__product_id="DG7GMGF0DWTK").get()
    assert not perpetual.availabilities.exclude(reservation_scope="").exists()
    assert set(perpetual.availabilities.values_list("segment", flat=True)) == {
        "commercial", "education", "nonprofit",
    }  # fmt: skip
    state = SyncState.objects.get(kind=catalog_sync_kind("US"))
    assert not state.running and state.last_success_at and state.done == state.total


def test_resync_of_unchanged_catalog_writes_nothing(sandbox):
    first = catalog_sync(country="US")
    counts = (Product.objects.count(), Sku.objects.count(), Availability.objects.count())
    client = CountingClient(get_client())
    with catalog_writes() as writes:
        second = catalog_sync(country="US", client=client)
    assert second.written == 0 and second.gone == 0 and sum(writes.values()) == 0, writes
    assert (Product.objects.count(), Sku.objects.count(), Availability.objects.count()) == counts
    assert second.skus == first.skus and second.availabilities == first.availabilities
    # Unchanged SKUs keep their mirrored availabilities: none is asked for again.
    assert client.calls["list_skus"] > 0 and client.calls["list_availabilities"] == 0
    # A full re-sync reads every availability again, and still writes nothing.
    client = CountingClient(get_client())
    with catalog_writes() as writes:
        third = catalog_sync(country="US", client=client, full=True)
    assert third.written == 0 and sum(writes.values()) == 0, writes
    assert client.calls["list_availabilities"] >= first.skus


def test_resync_reads_availabilities_of_changed_skus_and_when_due(sandbox, settings):
    catalog_sync(country="US", target_views=["AzureReservationsSQL"])
    changed = Sku.objects.order_by("pk").first()
    Sku.objects.filter(pk=changed.pk).update(content_hash="changed in Partner Center")
    client = CountingClient(get_client())
    result = catalog_sync(country="US", target_views=["AzureReservationsSQL"], client=client)
    assert result.written == 1 and result.gone == 0  # the SKU, rewritten
    assert client.calls["list_availabilities"] == changed.availabilities.count() >= 1
    # Once the last full read is older than the refresh period, every SKU is read again.
    sandbox.reissue_catalog_ids()
    assert catalog_sync(country="US", target_views=["AzureReservationsSQL"]).gone == 0
    settings.CATALOG_AVAILABILITY_REFRESH_HOURS = 0
    result = catalog_sync(country="US", target_views=["AzureReservationsSQL"])
    assert result.gone == Availability.objects.filter(is_available=False).count() > 0


def test_reissued_ids_mark_old_availabilities_unavailable_not_deleted(sandbox):
    catalog_sync(country="US", target_views=["AzureReservationsSQL"])
    old = set(Availability.objects.values_list("catalog_item_id", flat=True))
    sandbox.reissue_catalog_ids()
    result = catalog_sync(country="US", target_views=["AzureReservationsSQL"], full=True)
    assert result.gone == len(old)
    gone = Availability.objects.filter(catalog_item_id__in=old)
    assert gone.count() == len(old) and not gone.filter(is_available=True).exists()
    assert Availability.objects.filter(is_available=True).count() == len(old)
    # SKUs still offered (new availability ids) stay available
    assert not Sku.objects.filter(is_available=False).exists()


def test_sync_of_one_view_leaves_other_views_alone(sandbox):
    catalog_sync(country="US", target_views=["SoftwarePerpetual"])
    catalog_sync(country="US", target_views=["AzureReservationsSQL"])
    perpetual = Availability.objects.filter(sku__product__product_id="DG7GMGF0DWTK")
    assert perpetual.exists() and not perpetual.filter(is_available=False).exists()


def test_software_subscriptions_not_offered_in_brazil(sandbox):
    catalog_sync(country="BR", target_views=["SoftwareSubscriptions", "SoftwarePerpetual"])
    assert not Availability.objects.filter(
        country="BR", sku__product__product_subtype="Subscription"
    ).exists()
    assert Availability.objects.filter(country="BR", sku__product__product_subtype="Perpetual")


def test_sync_catalog_command_prints_progress(sandbox, capsys):
    call_command("sync_catalog", "--country", "us", "--target-view", "AzureReservationsCosmosDb")
    out = capsys.readouterr().out
    assert "products" in out and "1/1" in out
    assert Sku.objects.filter(product__product_subtype="CosmosDb").count() == 4


def test_sync_catalog_command_rejects_bad_input(sandbox):
    with pytest.raises(CommandError, match="two-letter"):
        call_command("sync_catalog", "--country", "USA")
    with pytest.raises(CommandError, match="targetView"):
        call_command("sync_catalog", "--country", "US", "--target-view", "Nope")
