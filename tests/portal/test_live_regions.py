"""Polled status is announced: every fragment that polls (``hx-trigger="every …"``) sits inside a
live region (``aria-live``) that stays on the page while the fragment is swapped, so a screen
reader hears the change instead of nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from portal.models import AzureSubscription, Customer, SubscriptionRegistration, SyncState
from purchasing.models import Cart, Checkout, Order, OrderLine

pytestmark = pytest.mark.django_db

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class _Pollers(HTMLParser):
    """Collects each polling element and whether it or an ancestor is a live region."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.pollers: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        live = bool(attrs.get("aria-live")) or any(is_live for _, is_live in self.stack)
        if "every" in (attrs.get("hx-trigger") or ""):
            self.pollers.append((attrs.get("id") or tag, live))
        if tag not in VOID:
            self.stack.append((tag, bool(attrs.get("aria-live"))))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break


def _pollers(client, url: str) -> list[tuple[str, bool]]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = _Pollers()
    parser.feed(response.content.decode())
    return parser.pollers


@pytest.fixture
def customer() -> Customer:
    return Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name="Contoso", country="US", currency="USD"
    )


def test_polled_order_and_checkout_status_is_in_live_regions(sales_client, sales_user, customer):
    cart = Cart.objects.create(customer=customer, created_by=sales_user, state="checked_out")
    checkout = Checkout.objects.create(cart=cart, customer=customer, state="submitting")
    order = Order.objects.create(
        pc_order_id="ORDER-AWAITING", customer=customer, checkout=checkout,
        sync_state=Order.SyncState.AWAITING, created_at=timezone.now(),
        confirm_deadline=timezone.now() + timedelta(minutes=15),
    )  # fmt: skip
    OrderLine.objects.create(order=order, line_number=1, offer_id="X:1", quantity=1)
    seen = {}
    for url in (f"/orders/{order.pk}/", "/orders/", f"/checkouts/{checkout.pk}/"):
        pollers = _pollers(sales_client, url)
        assert pollers, f"{url} does not poll: the test would prove nothing"
        seen[url] = pollers
    silent = {url: [p for p, live in pollers if not live] for url, pollers in seen.items()}
    assert not any(silent.values()), silent
    assert {p for p, _ in seen[f"/orders/{order.pk}/"]} >= {
        "order-sync",
        "order-lines",
        "order-entitlements",
    }


def test_polled_registration_status_is_in_live_regions(sales_client, sales_user, customer):
    subscription = AzureSubscription.objects.create(
        customer=customer, subscription_id=uuid.uuid4(), offer_id="MS-AZR-0145P",
        is_reservation_eligible=True, registration_state="registering",
    )  # fmt: skip
    SubscriptionRegistration.objects.create(
        subscription=subscription, requested_by=sales_user, requested_at=timezone.now(),
        state=SubscriptionRegistration.State.REGISTERING,
    )  # fmt: skip
    SyncState.objects.create(
        kind=f"subscriptions:{customer.tenant_id}",
        running=True,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    for url in ("/customers/registrations/", f"/customers/{customer.pk}/"):
        pollers = _pollers(sales_client, url)
        assert pollers, f"{url} does not poll: the test would prove nothing"
        assert all(live for _, live in pollers), (url, pollers)
