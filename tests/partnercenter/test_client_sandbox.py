"""The client against the real sandbox emulator.

The sandbox engineer owns the full integration suite; these are smoke checks of the client side.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from partnercenter.sandbox import testing

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with testing.SandboxServer(tmp_path_factory.mktemp("sandbox"), registration_delay=1) as server:
        yield server


@pytest.fixture
def client(sandbox):
    return sandbox.client(sleep=lambda s: None)


def test_customers_and_subscriptions(client):
    customers = list(client.list_customers(page_size=2))
    assert customers, "the sandbox seeds demo customers"
    first = client.get_customer(customers[0].id)
    assert first.id == customers[0].id and first.company_profile is not None
    for sub in client.list_subscriptions(first.id):
        assert sub.id


def test_balance_is_decimal(client):
    balance = client.get_account_balance()
    assert balance.balance_amount is None or isinstance(balance.balance_amount, Decimal)


def test_catalog_reservations(client):
    products = list(client.list_products("US", "AzureReservations"))
    assert products, "the sandbox's US catalog lists no Azure reservations"
    skus = list(client.list_skus(products[0].id, "US"))
    assert skus and all(s.product_id in (None, products[0].id) for s in skus)


def test_not_found_is_typed(client):
    from partnercenter import NotFound, PermissionDenied

    with pytest.raises((NotFound, PermissionDenied)) as info:
        client.get_customer("00000000-0000-0000-0000-000000000000")
    assert info.value.request_id
