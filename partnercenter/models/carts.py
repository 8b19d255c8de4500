"""Carts (partner-center.md §4): line items, the cart, checkout result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ._base import Model, many, mapping, model
from .common import Link
from .enums import BillingCycle, CartStatus
from .orders import Order


@model
class CartError(Model):
    error_code: Any = None
    error_description: str | None = None
    additional_information: dict[str, Any] = mapping()


@model
class RenewsTo(Model):
    term_duration: str | None = None


@model
class CartLineItem(Model):
    """A cart line; build one to pass to ``create_cart`` / ``update_cart``."""

    id: int | None = None
    catalog_item_id: str | None = None
    friendly_name: str | None = None
    quantity: int | None = None
    currency_code: str | None = None
    billing_cycle: BillingCycle | str | None = None
    term_duration: str | None = None
    promotion_id: str | None = None
    participants: list[dict[str, Any]] = many()
    provisioning_context: dict[str, Any] = mapping()
    order_group: str | None = None
    renews_to: RenewsTo | None = None
    attestation_accepted: bool | None = None
    error: CartError | None = None

    def to_json(self) -> dict[str, Any]:
        """The request form (camelCase, client-settable fields only)."""
        body: dict[str, Any] = {
            "id": self.id,
            "catalogItemId": self.catalog_item_id,
            "friendlyName": self.friendly_name,
            "quantity": self.quantity,
            "billingCycle": str(self.billing_cycle) if self.billing_cycle is not None else None,
            "termDuration": self.term_duration,
            "promotionId": self.promotion_id,
            "participants": self.participants or None,
            "provisioningContext": self.provisioning_context or None,
            "renewsTo": {"termDuration": self.renews_to.term_duration} if self.renews_to else None,
            "attestationAccepted": self.attestation_accepted,
        }
        return {k: v for k, v in body.items() if v is not None}


@model
class Cart(Model):
    id: str | None = None
    creation_timestamp: datetime | None = None
    last_modified_timestamp: datetime | None = None
    expiration_timestamp: datetime | None = None
    last_modified_user: str | None = None
    line_items: list[CartLineItem] = many()
    status: CartStatus | str | None = None
    links: dict[str, Link] = mapping()

    @property
    def errors(self) -> list[CartLineItem]:
        """Lines the service flagged with an error."""
        return [line for line in self.line_items if line.error is not None]


@model
class OrderError(Model):
    order_group_id: str | None = None
    code: Any = None
    description: str | None = None


@model
class CartCheckoutResult(Model):
    orders: list[Order] = many()
    order_errors: list[OrderError] = many()
