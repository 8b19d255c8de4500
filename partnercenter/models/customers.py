"""Customer resource (``/v1/customers``)."""

from __future__ import annotations

from ._base import Model, many, mapping, model, required
from .common import Link
from .enums import RelationshipToPartner


@model
class Address(Model):
    country: str | None = None
    region: str | None = None
    city: str | None = None
    state: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    address_line3: str | None = None
    postal_code: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone_number: str | None = None


@model
class CustomerCompanyProfile(Model):
    tenant_id: str | None = None
    domain: str | None = None
    company_name: str | None = None


@model
class CustomerBillingProfile(Model):
    id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    culture: str | None = None
    language: str | None = None
    company_name: str | None = None
    default_address: Address | None = None


@model
class Customer(Model):
    id: str | None = required()
    commerce_id: str | None = None
    company_profile: CustomerCompanyProfile | None = None
    billing_profile: CustomerBillingProfile | None = None
    relationship_to_partner: RelationshipToPartner | str | None = None
    allow_delegated_access: bool | None = None
    custom_domains: list[str] = many()
    links: dict[str, Link] = mapping()
