"""Checkout against the sandbox: success, partial failure, faults, double submit, review checks,
duplicates and approvals. Each fault test ends with exactly one set of PC orders per cart."""

from __future__ import annotations

import threading

import pytest

from portal.models import AuditEvent
from portal.shared.errors import PortalError
from purchasing.models import Approval, Cart, CartLine, Checkout, Notification, Order
from purchasing.services.checkout import (
    approval_decide,
    checkout_confirm_changes,
    checkout_reconcile,
    checkout_retry_failed_groups,
    checkout_review,
    checkout_submit,
)
from tests.purchasing.conftest import WINDOWS, add_line


def _one_order_set(sandbox, cart: Cart) -> None:
    """Partner Center checked the cart out once, and the portal has exactly its orders."""
    stats = sandbox.stats()
    assert stats["checkouts_per_cart"].get(cart.pc_cart_id) == 1
    pc_orders = stats["orders_per_cart"].get(cart.pc_cart_id)
    assert Order.objects.filter(checkout__cart=cart).count() == pc_orders
    assert pc_orders >= 1


def test_successful_checkout_records_orders_in_same_transaction(world, sales_user, sandbox):
    line = add_line(world["contoso"], sales_user)
    add_line(world["contoso"], sales_user, title=WINDOWS, quantity=8)
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert checkout.state == Checkout.State.SUBMITTED
    order = Order.objects.get()
    assert order.checkout == checkout and order.placed_by == sales_user
    assert order.sync_state == Order.SyncState.AWAITING and order.order_group == "0"
    assert order.billing_cycle == "one_time" and order.currency == "USD"
    assert sorted(order.lines.values_list("quantity", flat=True)) == [2, 8]
    assert Cart.objects.get().state == Cart.State.CHECKED_OUT
    _one_order_set(sandbox, line.cart)
    assert AuditEvent.objects.filter(
        action="checkout.submitted", object_id=str(checkout.pk)
    ).exists()
    # Same cart again (a replayed POST): the existing checkout comes back, nothing new is bought.
    again = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert again.pk == checkout.pk
    _one_order_set(sandbox, line.cart)


def test_request_id_is_stored_before_the_call_and_reused(world, sales_user, sandbox, fast_client):
    line = add_line(world["contoso"], sales_user)
    # Every attempt fails with 500 after the request left: outcome unknown, not failed.
    sandbox.add_fault("500", path="/v1/customers/*/carts/*/checkout", count=2)
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert checkout.state == Checkout.State.OUTCOME_UNKNOWN
    request_id = checkout.ms_request_id
    checkout = checkout_reconcile(checkout_id=checkout.pk)
    assert checkout.state == Checkout.State.SUBMITTED
    assert checkout.ms_request_id == request_id
    _one_order_set(sandbox, line.cart)


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "slow_commit", "delay": 1.6, "count": 2},
        {"kind": "reset", "count": 2},
        {"kind": "429", "count": 2, "retry_after": 0},
        {"kind": "500", "count": 2},
    ],
    ids=["slow_commit", "reset", "429", "500"],
)
def test_faults_on_checkout_end_with_exactly_one_order_set(
    world, sales_user, sandbox, fast_client, fault
):
    line = add_line(world["contoso"], sales_user)
    sandbox.add_fault(path="/v1/customers/*/carts/*/checkout", **fault)
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    for _ in range(5):
        if checkout.is_final:
            break
        checkout = checkout_reconcile(checkout_id=checkout.pk)
    assert checkout.state == Checkout.State.SUBMITTED
    _one_order_set(sandbox, line.cart)


def test_partial_failure_then_retry_only_the_failed_group(world, sales_user, sandbox):
    good = add_line(world["contoso"], sales_user)
    cart = good.cart
    # A legacy Azure offer lands in its own order group (OMS-0); make that group fail.
    CartLine.objects.create(cart=cart, catalog_item_id="MS-AZR-0145P", title="Microsoft Azure",
                            quantity=1, billing_cycle="monthly")  # fmt: skip
    Cart.objects.filter(pk=cart.pk).update(version=cart.version + 1)
    sandbox.configure(failing_catalog_items=["MS-AZR-0145P"])
    checkout = checkout_submit(cart_id=cart.pk, user=sales_user)
    assert checkout.state == Checkout.State.PARTIALLY_SUBMITTED
    assert [e["order_group"] for e in checkout.order_errors] == ["OMS-0"]
    assert checkout.order_errors[0]["code"] == 800005
    assert Order.objects.count() == 1
    sandbox.configure(failing_catalog_items=[])
    retry_cart = checkout_retry_failed_groups(checkout_id=checkout.pk, user=sales_user)
    assert [ln.catalog_item_id for ln in retry_cart.lines.all()] == ["MS-AZR-0145P"]
    second = checkout_submit(cart_id=retry_cart.pk, user=sales_user)
    assert second.state == Checkout.State.SUBMITTED
    assert Order.objects.count() == 2
    assert Order.objects.filter(checkout=second).get().billing_cycle == "monthly"


@pytest.mark.django_db(transaction=True)
def test_double_submit_from_two_threads_buys_once(world, sales_user, sandbox):
    from django.db import connection

    line = add_line(world["contoso"], sales_user)
    sandbox.configure(checkout_processing_delay=0.5)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit():
        try:
            barrier.wait()
            results.append(checkout_submit(cart_id=line.cart_id, user=sales_user).pk)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert len(set(results)) == 1
    checkout = Checkout.objects.get()
    for _ in range(5):
        if checkout.is_final:
            break
        checkout = checkout_reconcile(checkout_id=checkout.pk)
    assert checkout.state == Checkout.State.SUBMITTED
    stats = sandbox.stats()
    assert stats["checkout_attempts_per_cart"][line.cart.pc_cart_id] == 1
    _one_order_set(sandbox, line.cart)


def test_worker_killed_during_reconciliation_is_picked_up_again(
    world, sales_user, sandbox, fast_client
):
    """A worker died after claiming the checkout: the claim expires, the sweep finishes it."""
    from datetime import timedelta

    from django.utils import timezone

    from purchasing.tasks import checkout_sweep

    line = add_line(world["contoso"], sales_user)
    sandbox.add_fault("reset", path="/v1/customers/*/carts/*/checkout", count=2)
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert checkout.state == Checkout.State.OUTCOME_UNKNOWN
    # Simulate the kill: the worker claimed the row, then vanished mid-reconcile.
    Checkout.objects.filter(pk=checkout.pk).update(
        claimed_until=timezone.now() + timedelta(seconds=60), reconcile_attempts=1
    )
    assert checkout_reconcile(checkout_id=checkout.pk).state == Checkout.State.OUTCOME_UNKNOWN
    assert checkout_sweep() == 0  # the live claim is respected
    Checkout.objects.filter(pk=checkout.pk).update(
        claimed_until=timezone.now() - timedelta(seconds=1), next_attempt_at=timezone.now()
    )
    assert checkout_sweep() == 1
    checkout.refresh_from_db()
    assert checkout.state == Checkout.State.SUBMITTED
    _one_order_set(sandbox, line.cart)


def test_crash_between_claim_and_call_is_reconciled(world, sales_user, sandbox):
    """Process died with the row in 'submitting' (request may or may not have left)."""
    from datetime import timedelta

    from django.utils import timezone

    from purchasing.tasks import checkout_sweep

    line = add_line(world["contoso"], sales_user)
    checkout = Checkout.objects.create(cart=line.cart, customer=line.cart.customer,
                                       requested_by=sales_user, state=Checkout.State.SUBMITTING,
                                       attempts=1, claimed_until=timezone.now() - timedelta(seconds=1))  # fmt: skip
    assert checkout_sweep() == 1
    checkout.refresh_from_db()
    assert checkout.state == Checkout.State.SUBMITTED
    _one_order_set(sandbox, line.cart)


def test_reissued_catalog_id_is_caught_at_review(world, sales_user, sandbox):
    line = add_line(world["contoso"], sales_user)
    old_id = line.catalog_item_id
    sandbox.reissue_catalog_ids()
    review = checkout_review(cart=line.cart)
    changed = review.needs_confirmation
    assert [ln.pk for ln in changed] == [line.pk]
    assert "Changed since added" in changed[0].change_note and old_id in changed[0].change_note
    assert not review.can_place
    with pytest.raises(PortalError, match="changed since they were added"):
        checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert checkout_confirm_changes(cart=line.cart, user=sales_user) == 1
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert checkout.state == Checkout.State.SUBMITTED
    assert Order.objects.get().lines.get().offer_id != old_id
    assert AuditEvent.objects.filter(action="cart.change_confirmed").exists()


def test_duplicate_purchase_needs_audited_confirmation(world, sales_user, sandbox):
    first = add_line(world["contoso"], sales_user)
    checkout_submit(cart_id=first.cart_id, user=sales_user)
    second = add_line(world["contoso"], sales_user)
    review = checkout_review(cart=second.cart)
    assert list(review.duplicates) == [second.pk]  # awaiting PC, counted from the portal's orders
    with pytest.raises(PortalError, match="already ordered"):
        checkout_submit(cart_id=second.cart_id, user=sales_user)
    checkout = checkout_submit(cart_id=second.cart_id, user=sales_user, confirm_duplicates=True)
    assert checkout.state == Checkout.State.SUBMITTED
    assert checkout.duplicate_confirmed_by == sales_user
    assert AuditEvent.objects.filter(action="checkout.duplicate_confirmed").count() == 1


def test_approval_threshold_waits_for_finance_and_notifies(
    world, sales_user, finance_user, sandbox, settings
):
    settings.PURCHASING_APPROVAL_THRESHOLDS = {"USD": "1000000"}
    line = add_line(world["contoso"], sales_user)
    # No price sheet synced: the total cannot be checked against the threshold, so a person must
    # approve (priced carts above/below the threshold: tests/purchasing/test_prices.py).
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert checkout.state == Checkout.State.AWAITING_APPROVAL
    assert "no price in the price sheet" in Approval.objects.get().reasons[0]
    assert sandbox.stats()["checkouts_per_cart"] == {}
    approval = Approval.objects.get()
    with pytest.raises(PortalError):
        approval_decide(approval_id=approval.pk, user=sales_user, approve=True)
    approval_decide(approval_id=approval.pk, user=finance_user, approve=True, comment="ok")
    checkout.refresh_from_db()
    assert checkout.state == Checkout.State.SUBMITTED
    assert Notification.objects.get(recipient=sales_user).message.startswith("fiona approved")
    assert AuditEvent.objects.filter(action="checkout.approved").exists()


def test_rejected_purchase_buys_nothing(world, sales_user, admin_user, sandbox, settings):
    settings.PURCHASING_APPROVAL_RESERVATIONS = True
    settings.PURCHASING_APPROVAL_MULTI_YEAR = True
    from portal.models import AzureSubscription

    plan = AzureSubscription.objects.get(customer=world["contoso"], registration_state="registered")
    line = add_line(world["contoso"], sales_user, title="App Service, Premium v3 P1v3, US East, 3 Years",
                    quantity=1, context={"subscriptionId": str(plan.subscription_id),
                                         "scope": "shared", "duration": "3Year"},
                    scope="AzurePlan")  # fmt: skip
    review = checkout_review(cart=line.cart)
    assert len(review.approval_reasons) == 2
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert checkout.state == Checkout.State.AWAITING_APPROVAL
    approval_decide(
        approval_id=Approval.objects.get().pk, user=admin_user, approve=False, comment="no"
    )
    checkout.refresh_from_db()
    assert checkout.state == Checkout.State.REJECTED
    assert not Order.objects.exists() and sandbox.stats()["checkouts_per_cart"] == {}
    assert "rejected" in Notification.objects.get(recipient=sales_user).message
