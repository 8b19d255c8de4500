"""The generated large invoice looks like a busy partner's month (so caches in the import see what
they would see on a real invoice), is the same for the same seed, and its pages stand alone."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal

import pytest

from partnercenter.sandbox import generated
from partnercenter.sandbox.app import create_app
from partnercenter.sandbox.billing import ensure_generated_invoice, render_invoice
from partnercenter.sandbox.common import NAMESPACE, stable_uuid
from partnercenter.sandbox.state import sandbox

WHEN = 1_700_000_123.0


def _lines(options: dict, start: int, count: int, n: int = 50_000) -> list[dict]:
    with create_app(":memory:", {"log_requests": False, **options}).app_context():
        invoice = {"id": f"G9{n:08d}", "invoiceDate": WHEN, "generated": n}
        return list(generated.lines(invoice, start, count))


@pytest.fixture(scope="module")
def month() -> list[dict]:
    return _lines({}, 0, 20_000)


def test_lines_vary_like_a_real_invoice(month):
    def distinct(key):
        return len({line[key] for line in month})

    assert distinct("customerId") > 2_500  # of 5,000 customers
    assert distinct("productId") > 300  # of 400 products
    assert distinct("orderId") > 4_000 and distinct("orderDate") == distinct("orderId")
    assert distinct("effectiveUnitPrice") > 2_000 and distinct("totalForCustomer") > 10_000
    assert distinct("quantity") > 50 and distinct("pcToBCExchangeRate") > 50
    assert distinct("pricingCurrency") >= 8 and distinct("customerCountry") >= 10
    assert distinct("referenceId") == len(month) and distinct("subscriptionId") == len(month)
    discounted = sum(line["effectiveUnitPrice"] != line["unitPrice"] for line in month)
    assert 0.2 < discounted / len(month) < 0.9
    lines_per_order = Counter(Counter(line["orderId"] for line in month).values())
    assert set(lines_per_order) == {1, 2, 3, 4, 5, 6}
    assert all(
        line["invoiceNumber"] == "G900050000" and line["currency"] == "USD" for line in month
    )


def test_money_adds_up_on_every_line(month):
    for line in month[:2_000]:
        subtotal = Decimal(line["effectiveUnitPrice"]) * int(line["quantity"])
        assert Decimal(line["subtotal"]) == subtotal
        assert Decimal(line["totalForCustomer"]) == subtotal + Decimal(line["taxTotal"])


def test_same_seed_same_lines_and_pages_stand_alone(month):
    assert _lines({}, 12_345, 40) == month[12_345:12_385]  # a page without the ones before it
    other = _lines({"seed": 2}, 0, 200)
    assert [x["referenceId"] for x in other] == [
        x["referenceId"] for x in month[:200]
    ]  # ids by index
    assert [x["customerId"] for x in other] != [x["customerId"] for x in month[:200]]


def test_customers_and_products_are_flags():
    few = _lines({"invoice_customers": 7, "invoice_products": 3}, 0, 2_000)
    assert len({x["customerId"] for x in few}) == 7 and len({x["productId"] for x in few}) == 3


def test_the_invoice_total_is_the_sum_of_its_lines():
    n = 3_001
    with create_app(":memory:", {"log_requests": False}).app_context():
        ensure_generated_invoice(n, WHEN)
        invoice = sandbox().store.get("invoice", f"G9{n:08d}")
        lines = list(generated.lines(invoice, 0, n))
        shown = Decimal(str(render_invoice(invoice)["totalCharges"]))
    assert shown == sum(Decimal(x["totalForCustomer"]) for x in lines)


def test_stable_uuid_is_uuid5():
    for parts in [("gen-sub", "G9", 1), ("a",), ("customer", "contoso"), (3, None, "x|y")]:
        assert stable_uuid(*parts) == str(uuid.uuid5(NAMESPACE, "|".join(map(str, parts))))


def test_several_invoices_and_more_customers_are_flags():
    options = {"log_requests": False, "invoice_lines": 10, "invoice_count": 3, "customers": 4}
    with create_app(":memory:", options).app_context():
        store = sandbox().store
        ids = sorted(i["id"] for i in store.list("invoice") if i["generated"])
        customers = [c for c in store.list("customer") if c["companyName"].startswith("Customer ")]
    assert ids == ["G700000010", "G800000010", "G900000010"]
    assert len(customers) == 4 and len({c["id"] for c in customers}) == 4
