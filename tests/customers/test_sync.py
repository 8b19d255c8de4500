"""Customers and subscriptions sync against the sandbox (HTTP), commands included."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import CommandError, call_command

from partnercenter.sandbox import seed
from portal.customers.services.sync import customer_sync_all, subscription_sync_all
from portal.models import AuditEvent, AzureSubscription, Customer, SyncState

pytestmark = pytest.mark.django_db


def test_sync_customers_mirrors_updates_and_deactivates(sandbox, capsys):
    gone = Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name="Gone Ltd", country="US", currency="USD"
    )
    contoso_id = uuid.UUID(seed.customer_id("contoso"))
    Customer.objects.create(tenant_id=contoso_id, company_name="Old name", country="US")

    call_command("sync_customers")
    out = capsys.readouterr().out
    assert "customers in Partner Center" in out and "1 marked inactive" in out

    contoso = Customer.objects.get(tenant_id=contoso_id)
    assert contoso.company_name != "Old name" and contoso.is_active and contoso.synced_at
    assert contoso.country and contoso.currency
    gone.refresh_from_db()
    assert gone.is_active is False  # kept, never deleted
    assert Customer.objects.filter(is_active=True).count() >= 5
    assert SyncState.objects.get(kind="customers").last_success_at
    assert AuditEvent.objects.filter(action="customers.synced").exists()

    # Idempotent: a second run changes nothing.
    before = list(Customer.objects.order_by("pk").values_list("pk", "company_name", "is_active"))
    result = customer_sync_all()
    assert (result.created, result.updated, result.gone) == (0, 0, 0)
    after = list(Customer.objects.order_by("pk").values_list("pk", "company_name", "is_active"))
    assert before == after


def test_sync_subscriptions_eligibility_and_registration_state(sandbox, capsys):
    customer_sync_all()
    contoso = seed.customer_id("contoso")
    call_command("sync_subscriptions", "--customer", contoso)
    assert "subscriptions" in capsys.readouterr().out
    plan = AzureSubscription.objects.get(subscription_id=seed.subscription_id("contoso-plan"))
    legacy = AzureSubscription.objects.get(subscription_id=seed.subscription_id("contoso-legacy"))
    assert plan.is_reservation_eligible and plan.registration_state == "registered"
    assert legacy.is_reservation_eligible and legacy.registration_state == "not_registered"
    assert legacy.offer_id == "MS-AZR-0145P"

    # All customers; a suspended Azure subscription is not eligible.
    outcome = subscription_sync_all()
    assert not outcome["failures"]
    suspended = AzureSubscription.objects.get(
        subscription_id=seed.subscription_id("northwind-legacy")
    )
    assert suspended.is_reservation_eligible is False

    # A subscription gone from Partner Center is marked inactive, not deleted; re-run idempotent.
    ghost = AzureSubscription.objects.create(
        customer=plan.customer, subscription_id=uuid.uuid4(), offer_id="MS-AZR-0145P",
        status="active", is_reservation_eligible=True,
    )  # fmt: skip
    count = AzureSubscription.objects.count()
    again = subscription_sync_all(customer_tenant_id=contoso)
    assert again["result"].created == 0 and again["result"].gone == 1
    ghost.refresh_from_db()
    assert ghost.is_active is False and ghost.is_reservation_eligible is False
    assert AzureSubscription.objects.count() == count


def test_sync_commands_fail_with_one_clear_line(sandbox, settings):
    with pytest.raises(CommandError, match="not a Partner Center customer id"):
        call_command("sync_subscriptions", "--customer", "nope")
    settings.PARTNER_CENTER_CLIENT_SECRET = "wrong-secret"
    with pytest.raises(CommandError, match="refused the portal's credentials"):
        call_command("sync_customers")
    state = SyncState.objects.get(kind="customers")
    assert state.failed_last and not state.running
    settings.PARTNER_CENTER_CLIENT_SECRET = sandbox.client_secret
    with pytest.raises(CommandError, match=r"Partner Center has no customer .* \(request id "):
        call_command("sync_subscriptions", "--customer", str(uuid.uuid4()))


def test_sync_outage_is_reported_with_ids(sandbox, settings):
    settings.PARTNER_CENTER_MAX_RETRIES = 0
    sandbox.add_fault("503", path="/v1/customers")
    with pytest.raises(CommandError) as info:
        call_command("sync_customers")
    message = str(info.value)
    assert "unavailable" in message and "request id" in message and "correlation id" in message
