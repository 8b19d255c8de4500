"""Customer subscriptions and their RI registration status (partner-center.md §2)."""

from __future__ import annotations

from datetime import datetime

from ._base import Model, many, mapping, model, required
from .common import Link
from .enums import BillingCycle, RegistrationState, SubscriptionBillingType, SubscriptionStatus


@model
class Subscription(Model):
    id: str | None = required()
    offer_id: str | None = None
    entitlement_id: str | None = None
    offer_name: str | None = None
    friendly_name: str | None = None
    quantity: int | None = None
    unit_type: str | None = None
    parent_subscription_id: str | None = None
    creation_date: datetime | None = None
    effective_start_date: datetime | None = None
    commitment_end_date: datetime | None = None
    status: SubscriptionStatus | str | None = None
    auto_renew_enabled: bool | None = None
    billing_type: SubscriptionBillingType | str | None = None
    billing_cycle: BillingCycle | str | None = None
    term_duration: str | None = None
    order_id: str | None = None
    is_trial: bool | None = None
    is_microsoft_product: bool | None = None
    publisher_name: str | None = None
    partner_id: str | None = None
    actions: list[str] = many()
    links: dict[str, Link] = mapping()


@model
class RegistrationStatus(Model):
    subscription_id: str | None = None
    status: RegistrationState | str | None = None

    @property
    def is_registered(self) -> bool:
        return self.status == RegistrationState.REGISTERED


@model
class SubscriptionProvisioningStatus(Model):
    """A subscription's provisioning status (App+User): ``success``, ``pending`` or ``failed``."""

    sku_id: str | None = None
    status: str | None = None
    quantity: int | None = None
    end_date: datetime | None = None

    @property
    def state(self) -> str:
        return str(self.status or "").strip().lower()
