"""The dashboard shows each role's panels with their data."""

from decimal import Decimal

import pytest
from django.utils import timezone


@pytest.mark.django_db
def test_finance_dashboard_shows_the_balance(finance_client):
    from billing.models import AccountBalance

    assert "Balance not fetched yet" in finance_client.get("/").content.decode()
    AccountBalance.objects.create(
        currency="USD", balance_amount=Decimal("1234.5"), fetched_at=timezone.now()
    )
    page = finance_client.get("/").content.decode()
    assert "$1,234.50 USD" in page
    assert "Balance not fetched yet" not in page


@pytest.mark.django_db
def test_panels_are_per_role(sales_client, finance_client):
    assert "Billing" not in sales_client.get("/").content.decode()
    assert "Billing" in finance_client.get("/").content.decode()
