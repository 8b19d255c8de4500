"""The import's lean row adapter (raw JSON lines) stores exactly what the client's models give."""

from __future__ import annotations

import copy
import json

import pytest

from billing.services.line_rows import COLUMNS, row_adapter
from billing.services.line_rows_fast import raw_row_adapter
from partnercenter.errors import InvalidResponse
from partnercenter.models.billing import parse_line_item
from partnercenter.sandbox import generated, speed
from partnercenter.sandbox.app import create_app

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def lines() -> list[dict]:
    with create_app(":memory:", {"log_requests": False}).app_context():
        invoice = {"id": "G900001000", "invoiceDate": 1_700_000_000.0, "generated": 1000}
        return [json.loads(speed.encode_json(x)) for x in generated.lines(invoice, 0, 200)]


def both(items):
    raw, model = raw_row_adapter(), row_adapter()
    return (
        [raw(7, "onetime", "billinglineitems", n, item) for n, item in enumerate(items)],
        [model(7, "onetime", "billinglineitems", n, parse_line_item(item)) for n, item in enumerate(items)],
    )  # fmt: skip


def test_same_rows_as_the_models_for_sandbox_lines(lines):
    raw, model = both(lines)
    assert raw == model
    row = dict(zip(["invoice", "provider", "type", "seq", *(c for c, _, _ in COLUMNS)], raw[0]))
    assert row["unit_price"] == lines[0]["unitPrice"] and row["currency"] == "USD"
    assert row["order_date"] is not None and row["charge_start"] is not None


def test_same_rows_for_unusual_values(lines):
    odd = []
    for n, change in enumerate([
        {"unitPrice": 12.5, "quantity": 3, "subtotal": "37.50", "taxTotal": None, "totalForCustomer": ""},
        {"orderDate": "2024-03-05T10:20:30+02:00", "chargeStartDate": "0001-01-01T00:00:00",
         "chargeEndDate": "2024-03-05"},
        {"pcToBCExchangeRate": "1.0843", "customerName": None, "productId": 12345},
        {"billingProvider": "office"},  # another provider: the generic item, columns blank
        {"billingProvider": None},
    ]):  # fmt: skip
        item = copy.deepcopy(lines[n])
        item.update(change)
        odd.append(item)
    odd.append({k: v for k, v in lines[9].items() if k not in ("skuName", "orderDate", "quantity")})
    raw, model = both(odd)
    assert raw == model
    assert raw[0][4 + [c for c, _, _ in COLUMNS].index("unit_price")] == "12.5"


def test_bad_money_is_refused_like_the_models(lines):
    item = dict(lines[0], unitPrice="twelve")
    with pytest.raises(InvalidResponse):
        parse_line_item(item)
    with pytest.raises(InvalidResponse):
        raw_row_adapter()(1, "onetime", "billinglineitems", 0, item)
    with pytest.raises(InvalidResponse):
        raw_row_adapter()(1, "onetime", "billinglineitems", 0, ["not", "an", "object"])


@pytest.mark.parametrize("order_id", [None, "", 42, "   "])
def test_a_line_without_an_order_id_is_refused_like_the_models(lines, order_id):
    item = dict(lines[0], orderId=order_id)
    with pytest.raises(InvalidResponse) as by_model:
        parse_line_item(item)
    with pytest.raises(InvalidResponse) as by_adapter:
        raw_row_adapter()(1, "onetime", "billinglineitems", 0, item)
    assert str(by_adapter.value) == str(by_model.value)
