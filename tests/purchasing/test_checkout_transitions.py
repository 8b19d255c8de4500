"""``checkout_transition``: the one way a checkout changes state (update, audit, refresh)."""

from __future__ import annotations

import uuid

import pytest

from portal.models import AuditEvent, Customer
from purchasing.models import Cart, Checkout
from purchasing.services.checkout import checkout_transition

State = Checkout.State


@pytest.fixture
def checkout(db, sales_user) -> Checkout:
    customer = Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name="Contoso", country="US", currency="USD"
    )
    cart = Cart.objects.create(customer=customer, created_by=sales_user)
    return Checkout.objects.create(cart=cart, customer=customer, requested_by=sales_user)


def test_moves_sets_fields_audits_and_refreshes(checkout, sales_user):
    stale = Checkout.objects.get(pk=checkout.pk)
    moved = checkout_transition(
        checkout,
        to=State.FAILED,
        from_states=[State.DRAFT],
        last_error="Partner Center refused it.",
        action="checkout.failed",
        actor=sales_user,
        summary="Rejected",
        audit={"error": "x"},
    )
    assert moved
    assert checkout.state == State.FAILED and checkout.last_error == "Partner Center refused it."
    assert checkout.updated_at > stale.updated_at
    event = AuditEvent.objects.get(action="checkout.failed", object_id=str(checkout.pk))
    assert event.actor == sales_user and event.summary == "Rejected"
    assert event.details == {"error": "x"} and event.customer == checkout.customer


def test_from_another_state_changes_nothing_and_audits_nothing(checkout, sales_user):
    Checkout.objects.filter(pk=checkout.pk).update(state=State.SUBMITTED)
    moved = checkout_transition(
        checkout,
        to=State.REJECTED,
        from_states=[State.AWAITING_APPROVAL],
        action="checkout.rejected",
        actor=sales_user,
        summary="Rejected",
    )
    assert not moved
    assert checkout.state == State.SUBMITTED  # refreshed: the caller sees the real state
    assert not AuditEvent.objects.filter(action="checkout.rejected").exists()


def test_without_action_writes_no_audit(checkout):
    assert checkout_transition(checkout, to=State.AWAITING_APPROVAL)
    assert checkout.state == State.AWAITING_APPROVAL
    assert not AuditEvent.objects.filter(object_id=str(checkout.pk)).exists()
