"""Entitlements follow the order: a task chained to the confirmation reads them once Partner Center
has fulfilled the order; the Entitlements page refreshes them on request, with progress."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from purchasing.models import FollowUp, Order
from purchasing.services.checkout import checkout_submit
from purchasing.services.followup import order_followup_check, order_followup_start
from tests.purchasing.conftest import SUSE, add_line

SOFTWARE = SUSE


def _wait(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def _place(world, user, title=SOFTWARE, **kw) -> Order:
    line = add_line(world["contoso"], user, title=title, quantity=kw.pop("quantity", 2), **kw)
    checkout_submit(cart_id=line.cart_id, user=user, confirm_duplicates=True)
    return Order.objects.get(checkout__cart=line.cart)


@pytest.fixture
def fast_followup(settings):
    settings.PURCHASING_FOLLOWUP_FIRST_COUNTDOWN = 1
    settings.PURCHASING_FOLLOWUP_MAX_COUNTDOWN = 1


def test_confirmed_order_gets_its_entitlements_without_anyone_asking(
    world, sandbox, pc_user_connection, sales_user, celery_worker, fast_followup,
    finance_client, sales_client,
):  # fmt: skip
    sandbox.configure(order_list_delay=0, order_completion_delay=3)
    order = _place(world, sales_user)
    _wait(lambda: Order.objects.get(pk=order.pk).followup_state == FollowUp.DONE)
    order.refresh_from_db()
    assert order.sync_state == Order.SyncState.CONFIRMED and order.status == "completed"
    assert order.followup_attempts >= 2  # at least one check found it still pending
    entitlement = order.entitlements.get()
    assert entitlement.entitlement_type == "software" and entitlement.quantity == 2
    for client in (sales_client, finance_client):
        html = client.get(reverse("purchasing:order", args=[order.pk])).content.decode()
        assert 'data-testid="entitlement"' in html and SOFTWARE in html
        assert "1 entitlement and 0 reservations read from Partner Center" in html


def test_reservation_details_follow_the_order(world, sandbox, pc_user_connection, sales_user):
    from portal.models import AzureSubscription

    sandbox.configure(order_list_delay=0, order_completion_delay=60)
    plan = AzureSubscription.objects.get(customer=world["contoso"], registration_state="registered")
    order = _place(world, sales_user, title="App Service, Premium v3 P1v3, US East, 3 Years",
                   quantity=1, scope="AzurePlan",
                   context={"subscriptionId": str(plan.subscription_id), "scope": "shared",
                            "duration": "3Year"})  # fmt: skip
    Order.objects.filter(pk=order.pk).update(sync_state=Order.SyncState.CONFIRMED)
    assert order_followup_start(order_id=order.pk) is True
    assert order_followup_start(order_id=order.pk) is False  # claimed once
    assert order_followup_check(order_id=order.pk) == FollowUp.WAITING
    order.refresh_from_db()
    assert "fulfilling the order (status pending)" in order.followup_message
    sandbox.advance_clock(61)
    assert order_followup_check(order_id=order.pk) == FollowUp.DONE
    reservation = order.entitlements.get().reservations.get()
    assert reservation.applied_scopes == []  # shared scope
    assert reservation.scope_type.lower() == "shared" and reservation.term == "P3Y"


def test_without_partner_sign_in_the_order_page_says_so(world, sandbox, sales_user, sales_client):
    sandbox.configure(order_list_delay=0, order_completion_delay=0)
    order = _place(world, sales_user)
    order_followup_start(order_id=order.pk)
    assert order_followup_check(order_id=order.pk) == FollowUp.FAILED
    html = sales_client.get(reverse("purchasing:order", args=[order.pk])).content.decode()
    assert "an administrator signs in on the Connection page" in html
    assert "manage.py" not in html


def test_last_check_stops_with_where_to_look(world, sandbox, pc_user_connection, sales_user):
    sandbox.configure(order_list_delay=0, order_completion_delay=600)
    order = _place(world, sales_user)
    order_followup_start(order_id=order.pk)
    assert order_followup_check(order_id=order.pk, last=True) == FollowUp.FAILED
    order.refresh_from_db()
    assert "Stopped checking" in order.followup_message
    assert "Entitlements page" in order.followup_message


def test_refresh_button_queues_a_sync_with_progress(
    world, sandbox, pc_user_connection, sales_user, finance_client, celery_worker
):
    from portal.shared.progress import sync_state

    sandbox.configure(order_list_delay=0, order_completion_delay=0)
    order = _place(world, sales_user)
    page = finance_client.get(reverse("purchasing:entitlements")).content.decode()
    assert "Refresh from Partner Center" in page and "manage.py" not in page
    response = finance_client.post(reverse("purchasing:entitlements_refresh"))
    assert response.status_code == 302
    _wait(lambda: (s := sync_state("entitlements")) and not s.running and s.last_success_at)
    page = finance_client.get(reverse("purchasing:entitlements")).content.decode()
    assert SOFTWARE in page and str(order) in page
    assert "Last synced" in page


def test_refresh_while_running_is_not_queued_twice(world, sales_client):
    from portal.models import AuditEvent
    from portal.shared.progress import sync_begin

    sync_begin(kind="entitlements", message="Reading entitlements")
    response = sales_client.post(reverse("purchasing:entitlements_refresh"), follow=True)
    assert "already running" in response.content.decode()
    assert not AuditEvent.objects.filter(action="entitlements.refresh_requested").exists()
    page = sales_client.get(reverse("purchasing:entitlements")).content.decode()
    assert "<progress" in page and "/sync-status/entitlements/" in page


def test_no_page_template_shows_a_command_line():
    roots = [Path(django_settings.BASE_DIR) / "templates"]
    roots += list(Path(django_settings.BASE_DIR).glob("*/templates"))
    offenders = [
        str(path)
        for root in roots
        for path in root.rglob("*.html")
        if "manage.py" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


SOFTWARE_SUBSCRIPTION = "Windows Server 2022 Standard - 2 Core License Pack - 1 year"
SOFTWARE_SUBSCRIPTION_3Y = "SQL Server 2022 Standard - 2 Core - 3 year"


def test_software_subscription_is_followed_until_provisioned(
    world, sandbox, pc_user_connection, sales_user, sales_client
):
    sandbox.configure(order_list_delay=0, order_completion_delay=0,
                      subscription_provisioning_delay=600)  # fmt: skip
    order = _place(world, sales_user, title=SOFTWARE_SUBSCRIPTION, quantity=8)
    order_followup_start(order_id=order.pk)
    assert order_followup_check(order_id=order.pk) == FollowUp.WAITING
    line = order.lines.get()
    assert line.subscription_id and line.subscription_status == "pending"
    order.refresh_from_db()
    assert "1 software subscription still being provisioned" in order.followup_message
    html = sales_client.get(reverse("purchasing:order", args=[order.pk])).content.decode()
    assert "Subscription being provisioned" in html
    sandbox.advance_clock(601)
    assert order_followup_check(order_id=order.pk) == FollowUp.DONE
    line.refresh_from_db()
    assert line.subscription_status == "success" and line.subscription_checked_at
    html = sales_client.get(reverse("purchasing:order", args=[order.pk])).content.decode()
    assert "Subscription provisioned" in html and "1 software subscription provisioned" in html


def test_three_year_software_subscription_chain_runs_by_itself(
    world, sandbox, pc_user_connection, sales_user, celery_worker, fast_followup
):
    sandbox.configure(order_list_delay=0, order_completion_delay=1,
                      subscription_provisioning_delay=2)  # fmt: skip
    order = _place(world, sales_user, title=SOFTWARE_SUBSCRIPTION_3Y, quantity=1)
    _wait(lambda: Order.objects.get(pk=order.pk).followup_state == FollowUp.DONE)
    line = order.lines.get()
    assert line.term_duration == "P3Y" and line.subscription_status == "success"
    assert order.entitlements.get().entitlement_type == "software"


def test_provisioning_status_needs_the_partner_sign_in(world, sandbox, sales_user):
    from portal.partner_center.client import get_client

    sandbox.configure(order_list_delay=0, order_completion_delay=0)
    order = _place(world, sales_user, title=SOFTWARE_SUBSCRIPTION, quantity=8)
    fresh = get_client().get_order(str(world["contoso"].tenant_id), order.pc_order_id)
    subscription_id = fresh.line_items[0].subscription_id
    assert subscription_id
    from partnercenter.errors import UserSignInRequired

    with pytest.raises(UserSignInRequired):
        get_client().get_subscription_provisioning_status(
            str(world["contoso"].tenant_id), subscription_id
        )


def test_every_task_the_follow_up_queues_by_name_is_registered():
    """Services queue tasks by name: a task that is renamed or dropped fails only at run time."""
    from portal.celery import app

    app.loader.import_default_modules()
    for name in ("purchasing.tasks.order_followup_task", "purchasing.tasks.entitlements_sync_task",
                 "catalog.tasks.customer_catalog_sync_task"):  # fmt: skip
        assert name in app.tasks, name
