"""Purchasing fixtures: the sandbox mirrored into the portal (customers, subscriptions, US catalog)."""

from __future__ import annotations

import pytest


@pytest.fixture
def world(db, sandbox, settings):
    """Customers, subscriptions and the US catalog synced from a freshly reset sandbox."""
    from catalog.models import Availability
    from catalog.services.sync import catalog_sync
    from portal.customers.services.sync import customer_sync_all, subscription_sync_all
    from portal.models import Customer

    settings.PURCHASING_ORDER_SYNC_FIRST_COUNTDOWN = 0
    sandbox.configure(order_list_delay=0, order_completion_delay=0, checkout_processing_delay=0)
    customer_sync_all()
    subscription_sync_all()
    catalog_sync(country="US", workers=2)
    contoso = Customer.objects.get(company_name="Contoso Ltd")
    return {
        "contoso": contoso,
        "availabilities": Availability.objects.filter(country="US"),
    }


SUSE = "SUSE Linux Enterprise Server Priority - 1-2 vCPU VM Support"
WINDOWS = "Windows Server 2022 Standard - 2 Core License Pack - 1 year"


def availability_titled(title: str, segment: str = "commercial", scope: str = ""):
    from catalog.models import Availability

    return (
        Availability.objects.select_related("sku__product")
        .filter(country="US", sku__title=title, segment=segment, reservation_scope=scope)
        .first()
    )


def add_line(customer, user, title=SUSE, quantity=2, **extra):
    from purchasing.services.cart import LineInput, cart_add_line

    availability = availability_titled(title, scope=extra.pop("scope", ""))
    terms = [t["duration"] for t in availability.terms]
    data = LineInput(
        quantity=quantity,
        billing_cycle="one_time",
        term_duration=extra.pop("term", terms[0] if terms else ""),
        provisioning_context=extra.pop("context", {}),
    )
    return cart_add_line(customer=customer, availability=availability, user=user, data=data)


@pytest.fixture
def fast_client(settings):
    """Short client timeouts and few retries so fault tests stay fast."""
    settings.PARTNER_CENTER_TIMEOUT = 1
    settings.PARTNER_CENTER_MAX_RETRIES = 1
    settings.PURCHASING_RECONCILE_BACKOFF_SECONDS = 0
