"""Placing (or approving) an order answers at once: the request records the checkout and queues
it; a worker sends it to Partner Center; the checkout page follows it (polling) to the result."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from purchasing.models import Approval, Checkout, Order
from purchasing.services.checkout import checkout_submit
from purchasing.tasks import checkout_execute_task, checkout_sweep
from tests.purchasing.conftest import add_line

pytestmark = pytest.mark.django_db


def _pc_calls(sandbox) -> int:
    return sum(sandbox.stats()["calls_per_route"].values())


def test_place_order_answers_at_once_and_the_page_follows_the_worker(
    world, sales_user, sales_client, sandbox, django_capture_on_commit_callbacks
):
    customer = world["contoso"]
    line = add_line(customer, sales_user)
    calls = _pc_calls(sandbox)
    with django_capture_on_commit_callbacks() as queued:
        response = sales_client.post(
            reverse("purchasing:place", args=[customer.pk]), {"cart": line.cart_id}
        )
    checkout = Checkout.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("purchasing:checkout", args=[checkout.pk])
    assert _pc_calls(sandbox) == calls  # no Partner Center call inside the request
    assert len(queued) == 1 and checkout.state == Checkout.State.DRAFT

    page = sales_client.get(response["Location"]).content.decode()
    assert 'data-testid="checkout-state">Queued<' in page
    assert 'hx-trigger="every 2s"' in page  # polls until the worker is done
    # Back to the review page while queued: it shows the checkout instead of a second button.
    review = sales_client.get(reverse("purchasing:review", args=[customer.pk]))
    assert review["Location"] == response["Location"]

    checkout_execute_task(checkout.pk)  # what the worker runs
    checkout_execute_task(checkout.pk)  # a redelivered task buys nothing more
    page = sales_client.get(response["Location"]).content.decode()
    assert 'data-testid="checkout-state">Submitted<' in page
    assert Order.objects.count() == 1
    assert list(sandbox.stats()["checkouts_per_cart"].values()) == [1]


def test_approving_queues_the_purchase(
    world, sales_user, finance_user, finance_client, sandbox, settings,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    settings.PURCHASING_APPROVAL_THRESHOLDS = {"USD": "1000000"}
    line = add_line(world["contoso"], sales_user)
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user)
    assert checkout.state == Checkout.State.AWAITING_APPROVAL
    calls = _pc_calls(sandbox)
    with django_capture_on_commit_callbacks() as queued:
        finance_client.post(
            reverse("purchasing:approval_decide", args=[Approval.objects.get().pk]),
            {"decision": "approve"},
        )
    checkout.refresh_from_db()
    assert checkout.state == Checkout.State.DRAFT and len(queued) == 1
    assert _pc_calls(sandbox) == calls
    checkout_execute_task(checkout.pk)
    checkout.refresh_from_db()
    assert checkout.state == Checkout.State.SUBMITTED


def test_a_lost_queued_checkout_is_placed_by_the_sweep(world, sales_user, sandbox):
    line = add_line(world["contoso"], sales_user)
    checkout = checkout_submit(cart_id=line.cart_id, user=sales_user, queue=True)
    assert checkout_sweep() == 0  # just queued: the task is on its way
    Checkout.objects.filter(pk=checkout.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    assert checkout_sweep() == 1
    checkout.refresh_from_db()
    assert checkout.state == Checkout.State.SUBMITTED
