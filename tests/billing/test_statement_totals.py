"""Property: a statement's lines sum to its total in every currency (Decimal only, per currency,
never across currencies), through the real pricing and the database round trip."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import CustomerStatement
from billing.services.charge_statements import _fill
from billing.services.charges import Charge, Pricer, statement_lines
from catalog.pricing.models import MarkupRule
from portal.models import Customer

pytestmark = pytest.mark.django_db

CURRENCIES = ["USD", "EUR", "JPY", "KWD", "TWD"]
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999"), places=4)

charge = st.builds(
    lambda n, currency, product, qty, unit, credit, day: Charge(
        line_id=n,
        source="invoice",
        invoice_number="G1",
        order_id=f"order-{n % 7}",
        charge_date=date(2026, 11, day),
        product_id=product,
        sku_id="0001",
        description=product,
        term="1 Year Subscription",
        quantity=Decimal(qty),
        partner_unit=unit,
        credit=credit,
        currency=currency,
    ),
    st.integers(0, 10_000),
    st.sampled_from(CURRENCIES),
    st.sampled_from(["DG7GMGF0DWTL", "CFQ7TTC0LH18"]),
    st.integers(1, 500),
    money,
    st.booleans(),
    st.integers(1, 30),
)


@pytest.fixture
def statement(db):
    customer = Customer.objects.create(
        tenant_id="5d3f0000-0000-4000-8000-000000000001", company_name="Tailspin", country="US"
    )
    rules = [
        {"description": "Thirds", "kind": "percent", "value": Decimal("33.3333"),
         "effective_from": date(2026, 11, 10)},
        {"description": "M365 fixed", "kind": "fixed", "value": Decimal("1.005"), "currency": "USD",
         "product_id": "CFQ7TTC0LH18", "effective_from": date(2026, 11, 20),
         "effective_to": date(2026, 11, 25)},
        {"description": "Tailspin 1y", "kind": "percent", "value": Decimal("-12.5"),
         "customer": customer, "term_duration": "P1Y", "effective_from": date(2026, 11, 15)},
    ]  # fmt: skip
    for rule in rules:
        MarkupRule.objects.create(**rule)
    return CustomerStatement.objects.create(
        number="S202611-P", customer=customer, month=date(2026, 11, 1), generated_at=timezone.now()
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(charges=st.lists(charge, max_size=25))
def test_lines_sum_to_the_total_in_every_currency(statement, charges):
    customer = statement.customer
    pricer = Pricer.for_charges({str(customer.tenant_id): charges})
    lines = statement_lines(customer=customer, charges=charges, pricer=pricer)
    # The month's fast pricing gives what resale_price_for gives line by line.
    reference = Pricer.for_charges({str(customer.tenant_id): charges}, fast=False)
    plain = statement_lines(customer=customer, charges=charges, pricer=reference)
    assert [(x.unit_price, x.amount, x.rule) for x in lines] == [
        (x.unit_price, x.amount, x.rule) for x in plain
    ]
    _fill(statement, lines)
    statement.refresh_from_db()
    stored: dict[str, Decimal] = {}
    for currency, amount in statement.lines.values_list("currency", "amount"):
        stored[currency] = stored.get(currency, Decimal(0)) + amount  # exact (SQLite SUM is float)
    assert statement.totals_decimal() == stored
    assert set(stored) == {c.currency for c in charges}
    for currency, total in statement.totals_decimal().items():
        in_currency = [line.amount for line in lines if line.currency == currency]
        assert sum(in_currency, Decimal(0)) == total
        assert all(isinstance(a, Decimal) for a in in_currency)
