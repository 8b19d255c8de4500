"""Carts are shared per customer (decided; docs/security.md): any salesperson may change and place
a customer's open cart, and the pages say who started the cart and who placed it, so the checkout
being recorded as the second person's is visible rather than surprising."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pc_unreachable")]


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_customers_cart_is_shared_and_says_who_started_it(world):
    starter, other = world["users"]["sales"], world["users"]["sales2"]
    cart, line = world["cart_a"], world["line_a"]
    assert cart.created_by == starter
    page = _client(other).get(f"/cart/{world['a'].pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "started by sam-sales" in text
    # The second salesperson may change the shared cart.
    response = _client(other).post(f"/cart/{world['a'].pk}/lines/{line.pk}/", {"quantity": "3"})
    assert response.status_code in (200, 302)
    line.refresh_from_db()
    assert line.quantity == 3


def test_the_checkout_shows_who_started_and_who_placed(world):
    from purchasing.models import Checkout

    other = world["users"]["sales2"]
    cart = world["cart_a"]
    response = _client(other).post(
        f"/cart/{world['a'].pk}/place/", {"cart": cart.pk, "confirm_duplicates": "1"}
    )
    assert response.status_code == 302, response.content[:300]
    checkout = Checkout.objects.get(cart=cart)
    assert checkout.requested_by == other  # recorded as the person who placed it
    page = _client(world["users"]["sales"]).get(f"/checkouts/{checkout.pk}/").content.decode()
    assert 'data-testid="cart-started-by">sam-sales' in page
    assert 'data-testid="placed-by">sue-sales' in page
