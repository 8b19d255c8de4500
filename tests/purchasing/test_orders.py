"""Orders: delayed confirmation, attention after the window, external import, billing-cycle
filters, idempotent re-sync, constant query counts, entitlements with reservation details."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from purchasing.models import Entitlement, Order, OrderEvent, Reservation
from purchasing.services.checkout import checkout_submit
from purchasing.services.orders import order_confirm, orders_sync
from tests.purchasing.conftest import add_line


def _place(world, user, **kw):
    line = add_line(world["contoso"], user, **kw)
    checkout_submit(cart_id=line.cart_id, user=user)
    return Order.objects.get(checkout__cart=line.cart)


def test_order_awaiting_then_confirmed_when_listed(world, sales_user, sandbox):
    sandbox.configure(order_list_delay=600)
    order = _place(world, sales_user)
    assert order.sync_state == Order.SyncState.AWAITING
    assert order_confirm(order_id=order.pk).sync_state == Order.SyncState.AWAITING
    sandbox.advance_clock(601)
    order = order_confirm(order_id=order.pk)
    assert order.sync_state == Order.SyncState.CONFIRMED and order.confirmed_at
    assert OrderEvent.objects.filter(order=order, new_value="confirmed").exists()


def test_order_absent_past_window_is_flagged_not_dropped(world, sales_user, sandbox):
    sandbox.configure(order_list_delay=10_000)
    order = _place(world, sales_user)
    Order.objects.filter(pk=order.pk).update(confirm_deadline=timezone.now() - timedelta(seconds=1))
    result = orders_sync(customer=world["contoso"])
    order.refresh_from_db()
    assert result.flagged == 1 and order.sync_state == Order.SyncState.ATTENTION
    from purchasing.models import Notification

    assert Notification.objects.filter(recipient=sales_user, url__contains=str(order.pk)).exists()


def test_external_order_is_imported_and_resync_is_idempotent(world, sales_user, sandbox):
    tenant = str(world["contoso"].tenant_id)
    orders_sync()  # the sandbox's seed orders
    sandbox.create_external_order(tenant, [{"catalog_item_id": "DG7GMGF0G49X:0001", "quantity": 3,
                                            "term_duration": "P1Y"}])  # fmt: skip
    sandbox.create_external_order(tenant, [{"catalog_item_id": "MS-AZR-0145P", "quantity": 1}],
                                  billing_cycle="monthly")  # fmt: skip
    first = orders_sync()
    assert first.created == 2
    imported = Order.objects.get(billing_cycle="one_time", lines__quantity=3)
    assert imported.source == Order.Source.EXTERNAL and imported.sync_state == "confirmed"
    assert imported.lines.get().quantity == 3
    events = OrderEvent.objects.count()
    second = orders_sync()
    assert (second.created, second.updated, second.confirmed) == (0, 0, 0)
    assert OrderEvent.objects.count() == events
    one_time = orders_sync(customer=world["contoso"], billing_cycle="one_time")
    assert (
        one_time.seen
        == Order.objects.filter(customer=world["contoso"], billing_cycle="one_time").count()
    )


def test_status_update_is_applied_with_history(world, sales_user, sandbox):
    sandbox.configure(order_completion_delay=300)
    order = _place(world, sales_user)
    assert order.status == "pending"
    sandbox.advance_clock(301)
    orders_sync()
    order.refresh_from_db()
    assert order.status == "completed" and order.sync_state == "confirmed"
    assert list(order.events.filter(field="status").values_list("old_value", "new_value")) == [
        ("pending", "completed")
    ]


def test_billing_cycle_filters_and_constant_queries(
    world, sales_user, sales_client, sandbox, django_assert_max_num_queries
):
    tenant = str(world["contoso"].tenant_id)
    for _ in range(3):
        sandbox.create_external_order(
            tenant, [{"catalog_item_id": "DG7GMGF0G49X:0001", "quantity": 1}]
        )
    sandbox.create_external_order(tenant, [{"catalog_item_id": "MS-AZR-0145P", "quantity": 1}],
                                  billing_cycle="monthly")  # fmt: skip
    call_command("sync_orders", "--customer", str(world["contoso"].pk))
    url = reverse("purchasing:orders")
    cust = world["contoso"].pk
    for cycle in ("one_time", "monthly"):
        expected = Order.objects.filter(customer_id=cust, billing_cycle=cycle).count()
        page = sales_client.get(url, {"cycle": cycle, "customer": cust})
        assert page.content.decode().count('data-testid="order-row"') == expected
        listed = list(
            sandbox.client().list_orders(str(world["contoso"].tenant_id), billing_type=cycle)
        )
        assert expected == len(listed) and expected >= 1
    with django_assert_max_num_queries(12):
        sales_client.get(url)
    for _ in range(5):
        sandbox.create_external_order(
            tenant, [{"catalog_item_id": "DG7GMGF0G49X:0001", "quantity": 1}]
        )
    orders_sync()
    with django_assert_max_num_queries(12):
        assert sales_client.get(url).status_code == 200
    assert sales_client.get(url, {"from": "yesterday"}).status_code == 200
    csv = b"".join(sales_client.get(url, {"format": "csv"}).streaming_content).decode()
    assert csv.count("\n") == Order.objects.count() + 1


def test_order_page_polls_until_confirmed(world, sales_user, sales_client, sandbox):
    sandbox.configure(order_list_delay=600)
    order = _place(world, sales_user)
    html = sales_client.get(reverse("purchasing:order", args=[order.pk])).content.decode()
    assert "Awaiting Partner Center" in html and 'hx-trigger="every 3s"' in html


def test_entitlements_and_reservation_details(
    world, sales_user, sandbox, pc_user_connection, sales_client
):
    from portal.models import AzureSubscription

    plan = AzureSubscription.objects.get(customer=world["contoso"], registration_state="registered")
    order = _place(world, sales_user, title="App Service, Premium v3 P1v3, US East, 3 Years", quantity=2,
                   context={"subscriptionId": str(plan.subscription_id), "scope": "single",
                            "duration": "3Year"}, scope="AzurePlan")  # fmt: skip
    _place_software = add_line(world["contoso"], sales_user)
    checkout_submit(cart_id=_place_software.cart_id, user=sales_user, confirm_duplicates=True)
    call_command("sync_entitlements", "--customer", str(world["contoso"].pk))
    ri = Entitlement.objects.get(entitlement_type="reservedinstance", order=order)
    assert ri.order == order and ri.quantity == 2 and ri.expiry_date
    reservation = Reservation.objects.get(entitlement=ri)
    assert reservation.entitlement == ri and reservation.scope_type.lower() == "single"
    assert reservation.term == "P3Y" and reservation.quantity == 2
    assert reservation.applied_scopes == [f"/subscriptions/{plan.subscription_id}"]
    software = Order.objects.get(checkout__cart=_place_software.cart)
    assert Entitlement.objects.filter(entitlement_type="software", order=software).count() == 1
    counts = (Entitlement.objects.count(), Reservation.objects.count())
    call_command("sync_entitlements", "--customer", str(world["contoso"].pk))
    assert (Entitlement.objects.count(), Reservation.objects.count()) == counts
    html = sales_client.get(reverse("purchasing:order", args=[order.pk])).content.decode()
    assert reservation.reservation_order_id in html
    page = sales_client.get(reverse("purchasing:entitlements"), {"type": "reservedinstance"})
    expected = Entitlement.objects.filter(entitlement_type="reservedinstance").count()
    assert page.content.decode().count('data-testid="entitlement-row"') == expected
    csv = b"".join(
        sales_client.get(reverse("purchasing:entitlements"), {"format": "csv"}).streaming_content
    )
    assert reservation.reservation_order_id in csv.decode()
    dash = sales_client.get(reverse("dashboard")).content.decode()
    assert "Reservations expiring" in dash and "Orders awaiting Partner Center" in dash


def test_sync_orders_command_rejects_unknown_customer(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No customer"):
        call_command("sync_orders", "--customer", "999999")
