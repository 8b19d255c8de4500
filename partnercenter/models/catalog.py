"""Catalog resources (partner-center.md §3): products, SKUs, availabilities, inventory."""

from __future__ import annotations

from typing import Any

from ._base import Model, json_field, many, mapping, model, required
from .common import CurrencyInfo, ItemType, Link, parse_currency
from .enums import BillingCycle, Segment


@model
class Product(Model):
    id: str | None = required()
    title: str | None = None
    description: str | None = None
    product_type: ItemType | None = None
    is_microsoft_product: bool | None = None
    publisher_name: str | None = None
    links: dict[str, Link] = mapping()


@model
class AttestationProperties(Model):
    attestation_type: str | None = None
    enforce_attestation: bool | None = None


@model
class Sku(Model):
    id: str | None = required()
    product_id: str | None = None
    title: str | None = None
    description: str | None = None
    minimum_quantity: int | None = None
    maximum_quantity: int | None = None
    is_trial: bool | None = None
    supported_billing_cycles: list[BillingCycle | str] = many()
    purchase_prerequisites: list[str] = many()
    inventory_variables: list[str] = many()
    provisioning_variables: list[str] = many()
    dynamic_attributes: dict[str, Any] = mapping()
    actions: list[str] = many()
    attestation_properties: AttestationProperties | None = None
    consumption_type: str | None = None
    links: dict[str, Link] = mapping()

    @property
    def needs_registration(self) -> bool:
        return any(
            p.lower() == "azuresubscriptionregistration" for p in self.purchase_prerequisites
        )

    @property
    def needs_inventory_check(self) -> bool:
        return any(p.lower() == "inventorycheck" for p in self.purchase_prerequisites)


@model
class Term(Model):
    id: str | None = None
    duration: str | None = None
    description: str | None = None
    billing_cycle: BillingCycle | str | None = None
    cancellation_policies: list[dict[str, Any]] = many()


@model
class Availability(Model):
    id: str | None = None
    product_id: str | None = None
    sku_id: str | None = None
    catalog_item_id: str | None = None
    default_currency: CurrencyInfo | None = json_field("defaultCurrency", parse=parse_currency)
    segment: Segment | str | None = None
    country: str | None = None
    is_purchasable: bool | None = None
    is_renewable: bool | None = None
    terms: list[Term] = many()
    # Embedded context (documentation examples elide them): not checked for their ids.
    product: Product | None = json_field(
        "product", parse=lambda value, field: Product.from_embedded_json(value)
    )
    sku: Sku | None = json_field("sku", parse=lambda value, field: Sku.from_embedded_json(value))
    renewal_instructions: list[dict[str, Any]] = many()
    links: dict[str, Link] = mapping()


@model
class InventoryRestriction(Model):
    reason_code: str | None = None
    description: str | None = None
    properties: dict[str, Any] = mapping()


@model
class InventoryItem(Model):
    product_id: str | None = None
    sku_id: str | None = None
    is_restricted: bool | None = None
    restrictions: list[InventoryRestriction] = many()
