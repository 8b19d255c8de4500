"""In-portal notifications (bell, list, mark read) and order provisioning status (App+User),
refreshed by the order sync and on demand from the order page."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.shared.tables import DEFAULT_PAGE_SIZE
from purchasing.models import Approval, Notification, Order, OrderEvent
from purchasing.services.checkout import approval_decide, checkout_submit
from purchasing.services.orders import order_confirm
from purchasing.tasks import order_provisioning_task
from tests.purchasing.conftest import add_line

HTMX = {"HTTP_HX_REQUEST": "true"}


def bell_count(html: str) -> str:
    match = re.search(r'id="notification-count"( hidden)?>(\d+)<', html)
    assert match, "no bell in the top bar"
    return "0" if match.group(1) else match.group(2)


# -- notifications ---------------------------------------------------------------------------------


def test_rejection_notifies_the_requester_in_the_portal(
    world, sales_user, finance_user, sales_client, finance_client, sandbox, settings
):
    settings.PURCHASING_APPROVAL_THRESHOLDS = {"USD": "0"}  # no price synced: waits for approval
    line = add_line(world["contoso"], sales_user)
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert bell_count(sales_client.get("/").content.decode()) == "0"
    approval_decide(
        approval_id=Approval.objects.get(checkout=checkout).pk,
        user=finance_user,
        approve=False,
        comment="over budget",
    )
    dashboard = sales_client.get("/").content.decode()
    assert bell_count(dashboard) == "1"
    assert "fiona rejected your purchase for Contoso Ltd: over budget" in dashboard  # panel
    # Only the recipient sees it.
    assert bell_count(finance_client.get("/").content.decode()) == "0"
    assert "over budget" not in finance_client.get("/notifications/").content.decode()

    page = sales_client.get(reverse("purchasing:notifications")).content.decode()
    assert page.count('data-testid="notification"') == 1 and "over budget" in page
    note = Notification.objects.get(recipient=sales_user)
    # Mark read from the list (HTMX): the list and the bell update in place.
    response = sales_client.post(reverse("purchasing:notification_read", args=[note.pk]), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and 'hx-swap-oob="true" hidden>0<' in html
    assert "Nothing unread" in html
    note.refresh_from_db()
    assert note.read_at is not None
    assert bell_count(sales_client.get("/").content.decode()) == "0"
    history = sales_client.get(reverse("purchasing:notifications"), {"show": "all"})
    assert "over budget" in history.content.decode() and "(read " in history.content.decode()


def test_open_marks_read_and_goes_to_the_subject(sales_user, sales_client):
    note = Notification.objects.create(recipient=sales_user, message="Order X needs attention",
                                       url="/orders/")  # fmt: skip
    response = sales_client.post(
        reverse("purchasing:notification_read", args=[note.pk]), {"open": "1"}
    )
    assert response.status_code == 302 and response["Location"] == "/orders/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_all_read_and_constant_queries(
    sales_user, finance_user, sales_client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("purchasing:notifications")
    sales_client.get(url)  # warm the session
    counts = []
    for n in (3, 60):
        Notification.objects.bulk_create(
            Notification(recipient=sales_user, message=f"message {i}") for i in range(n)
        )
        with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as ctx:
            page = sales_client.get(url).content.decode()
        counts.append(len(ctx))
        assert page.count('data-testid="notification"') == min(
            Notification.objects.filter(recipient=sales_user).count(), DEFAULT_PAGE_SIZE
        )
    assert counts[0] == counts[1], counts
    other = Notification.objects.create(recipient=finance_user, message="not yours")
    response = sales_client.post(reverse("purchasing:notifications_read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=sales_user, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
    assert "Nothing unread" in sales_client.get(url).content.decode()


def test_notification_state_changes_are_post_only(sales_user, sales_client):
    note = Notification.objects.create(recipient=sales_user, message="m")
    assert (
        sales_client.get(reverse("purchasing:notification_read", args=[note.pk])).status_code == 405
    )
    assert sales_client.get(reverse("purchasing:notifications_read_all")).status_code == 405


# -- provisioning status ---------------------------------------------------------------------------


def test_provisioning_status_refreshed_by_the_order_sync(
    world, pc_user_connection, sales_user, sales_client, sandbox
):
    sandbox.configure(order_completion_delay=300)
    line = add_line(world["contoso"], sales_user, quantity=2)
    checkout_submit(cart_id=line.cart_id, user=sales_user)
    order = Order.objects.get()
    order = order_confirm(order_id=order.pk)  # the task scheduled after checkout
    assert order.sync_state == Order.SyncState.CONFIRMED
    assert order.provisioning_status == "prefulfillment_pending"
    assert list(order.lines.values_list("provisioning_status", flat=True)) == [
        "prefulfillment_pending"
    ]
    html = sales_client.get(reverse("purchasing:order", args=[order.pk])).content.decode()
    assert 'data-testid="line-provisioning">Pending fulfilment<' in html

    sandbox.advance_clock(301)  # Partner Center completes the order
    call_command("sync_orders")
    order.refresh_from_db()
    assert order.status == "completed" and order.provisioning_status == "fulfilled"
    assert order.lines.get().provisioning_status == "fulfilled"
    assert order.provisioning_checked_at is not None
    assert OrderEvent.objects.filter(
        order=order, field="provisioning_status", new_value="fulfilled"
    ).exists()
    html = sales_client.get(reverse("purchasing:order", args=[order.pk])).content.decode()
    assert 'data-testid="line-provisioning">Fulfilled<' in html
    assert f'href="/orders/{order.pk}/"' in sales_client.get("/").content.decode()  # panel

    # Fulfilled orders are not read again by later syncs.
    from purchasing.services.provisioning import orders_due_for_provisioning

    assert orders_due_for_provisioning() == []


def test_provisioning_on_demand_from_the_order_page(
    world, pc_user_connection, sales_user, sales_client, finance_client, sandbox
):
    line = add_line(world["contoso"], sales_user)
    checkout_submit(cart_id=line.cart_id, user=sales_user)
    order = Order.objects.get()
    Order.objects.filter(pk=order.pk).update(provisioning_status="")
    url = reverse("purchasing:order_provisioning", args=[order.pk])
    calls = sum(sandbox.stats()["calls_per_route"].values())
    response = sales_client.post(url, **HTMX)
    html = response.content.decode()
    # Queued: the lines box shows the progress bar at once, Partner Center is not asked yet.
    assert response.status_code == 200 and 'id="order-lines"' in html
    assert "<progress" in html and f"provisioning:{order.pk}/?refresh=1" in html
    assert sum(sandbox.stats()["calls_per_route"].values()) == calls
    order_provisioning_task(order.pk)  # what the worker runs
    html = sales_client.get(reverse("purchasing:order", args=[order.pk])).content.decode()
    assert 'data-testid="line-provisioning">Fulfilled<' in html
    assert "<progress" not in html
    assert finance_client.post(url).status_code == 403  # finance reads orders only
    assert (
        "Refresh provisioning status"
        not in finance_client.get(reverse("purchasing:order", args=[order.pk])).content.decode()
    )


@pytest.mark.django_db
def test_provisioning_without_app_user_says_what_to_do(world, sales_user, sales_client, sandbox):
    """No App+User sign-in: the sync skips quietly, the page says an admin must connect."""
    line = add_line(world["contoso"], sales_user)
    checkout_submit(cart_id=line.cart_id, user=sales_user)
    order = order_confirm(order_id=Order.objects.get().pk)
    assert order.provisioning_status == "" and order.provisioning_checked_at is None
    response = sales_client.post(reverse("purchasing:order_provisioning", args=[order.pk]), **HTMX)
    assert response.status_code == 200
    order_provisioning_task(order.pk)  # what the worker runs
    html = sales_client.get(reverse("purchasing:order", args=[order.pk])).content.decode()
    assert 'data-testid="provisioning-error"' in html
    assert "App+User connection" in html
    assert 'data-testid="line-provisioning">not checked yet<' in html
