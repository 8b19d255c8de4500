"""Entitlements (partner-center.md §6) and reservation details behind their artifact links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ._base import Model, json_field, many, mapping, model, required
from .common import Link
from .enums import EntitlementType, ReservationScope


@model
class ReferenceOrder(Model):
    id: str | None = None
    line_item_id: str | None = None
    alternate_id: str | None = None


@model
class QuantityDetail(Model):
    quantity: int | None = None
    status: str | None = None


@model
class Artifact(Model):
    artifact_type: EntitlementType | str | None = None
    resource_id: str | None = None
    link: Link | None = None
    dynamic_attributes: dict[str, Any] = mapping()


@model
class Entitlement(Model):
    reference_order: ReferenceOrder | None = None
    product_id: str | None = required()
    sku_id: str | None = json_field("skuId", "skuID", required=True)
    quantity: int | None = None
    quantity_details: list[QuantityDetail] = many()
    entitlement_type: EntitlementType | str | None = None
    entitled_artifacts: list[Artifact] = many()
    included_entitlements: list[Entitlement] = many()
    fulfillment_state: str | None = None
    expiry_date: datetime | None = None
    dynamic_attributes: dict[str, Any] = mapping()


@model
class Reservation(Model):
    reservation_id: str | None = None
    display_name: str | None = None
    scope_type: ReservationScope | str | None = None
    applied_scopes: list[str] = many()
    quantity: int | None = None
    expiry_date_time: datetime | None = None
    effective_date_time: datetime | None = None
    provisioning_state: str | None = None


@model
class ReservedInstanceDetails(Model):
    """Reads ``reservations`` (table/SDK) or ``virtualMachineReservations`` (docs examples)."""

    type: str | None = None
    reservations: list[Reservation] = json_field(
        "reservations", "virtualMachineReservations", default=[]
    )
