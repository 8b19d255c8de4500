"""Orders (partner-center.md §5) and their provisioning status."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ._base import Model, many, mapping, model, required
from .common import Link
from .enums import (
    BillingCycle,
    LineItemTransactionType,
    OrderStatus,
    OrderTransactionType,
    ProvisioningStatus,
)


@model
class Pricing(Model):
    list_price: Decimal | None = None
    discounted_price: Decimal | None = None
    prorated_price: Decimal | None = None
    price: Decimal | None = None
    extended_price: Decimal | None = None


@model
class OrderLineItem(Model):
    line_item_number: int | None = None
    offer_id: str | None = None
    subscription_id: str | None = None
    parent_subscription_id: str | None = None
    friendly_name: str | None = None
    quantity: int | None = None
    term_duration: str | None = None
    transaction_type: LineItemTransactionType | str | None = None
    partner_id_on_record: str | None = None
    provisioning_context: dict[str, Any] = mapping()
    pricing: Pricing | None = None
    links: dict[str, Link] = mapping()


@model
class Order(Model):
    id: str | None = required()
    alternate_id: str | None = None
    reference_customer_id: str | None = None
    billing_cycle: BillingCycle | str | None = None
    transaction_type: OrderTransactionType | str | None = None
    line_items: list[OrderLineItem] = many()
    currency_code: str | None = None
    currency_symbol: str | None = None
    creation_date: datetime | None = None
    status: OrderStatus | str | None = None
    total_price: Decimal | None = None
    links: dict[str, Link] = mapping()


@model
class QuantityProvisioningStatus(Model):
    quantity: int | None = None
    status: ProvisioningStatus | str | None = None


@model
class OrderLineItemProvisioningStatus(Model):
    order_line_item_id: int | None = None
    line_item_number: int | None = None
    status: ProvisioningStatus | str | None = None
    quantity_provisioning_information: list[QuantityProvisioningStatus] = many()
