"""Required ids: a record the portal cannot key is refused with InvalidResponse naming the resource
and the field; unknown extra fields are still kept (drift rule)."""

from __future__ import annotations

import pytest

from partnercenter.errors import InvalidResponse, PartnerCenterError
from partnercenter.models import (
    Availability,
    Customer,
    Entitlement,
    Invoice,
    OneTimeInvoiceLineItem,
    Order,
    Product,
    Sku,
    Subscription,
)

CASES = [
    (Customer, {}, "customer without id"),
    (Subscription, {"id": None}, "subscription without id"),
    (Product, {"id": ""}, "product without id"),
    (Sku, {"productId": "P"}, "sku without id"),
    (Order, {"id": 4}, "order whose id is not a valid id"),
    (Order, {"id": "   "}, "order whose id is not a valid id"),
    (Entitlement, {"skuId": "0001"}, "entitlement without productId"),
    (Entitlement, {"productId": "P"}, "entitlement without skuId"),
    (Entitlement, {"productId": "P", "skuId": {"x": 1}}, "entitlement whose skuId is not"),
    (Invoice, {"totalCharges": 5}, "invoice without id"),
    (OneTimeInvoiceLineItem, {"invoiceNumber": "G1"}, "line item without orderId"),
]


@pytest.mark.parametrize("cls,data,message", CASES)
def test_missing_or_wrong_ids_are_refused(cls, data, message):
    with pytest.raises(InvalidResponse) as info:
        cls.from_json(data)
    assert message in str(info.value)
    assert isinstance(info.value, PartnerCenterError)
    with pytest.raises(InvalidResponse):
        cls.check_required(data)


def test_valid_ids_with_extra_fields_are_kept():
    order = Order.from_json({"id": "O1", "brandNewField": {"a": 1}})
    assert order.id == "O1" and order.raw["brandNewField"] == {"a": 1}
    ent = Entitlement.from_json({"productId": "P", "skuID": "0001", "extra": True})
    assert (ent.product_id, ent.sku_id) == ("P", "0001")
    Invoice.check_required({"id": "G1"})


def test_embedded_copies_are_not_checked():
    # Availabilities embed their product and SKU as context; examples elide them.
    availability = Availability.from_json({"id": "A", "product": {"...": "Product"}, "sku": {}})
    assert availability.product is not None and availability.product.id is None
