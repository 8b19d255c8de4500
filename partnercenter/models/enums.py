"""Documented enum values (compared case- and underscore-insensitively; unknown ones stay ``str``)."""

from __future__ import annotations

from ._base import PCEnum


class BillingCycle(PCEnum):
    UNKNOWN = "unknown"
    MONTHLY = "monthly"
    ANNUAL = "annual"
    NONE = "none"
    ONE_TIME = "one_time"
    TRIENNIAL = "triennial"
    BIENNIAL = "biennial"


class RegistrationState(PCEnum):
    NOT_REGISTERED = "not_registered"
    REGISTERING = "registering"
    REGISTERED = "registered"


class CartStatus(PCEnum):
    ACTIVE = "active"
    ORDERED = "ordered"


class OrderStatus(PCEnum):
    UNKNOWN = "unknown"
    COMPLETED = "completed"
    PENDING = "pending"
    CANCELLED = "cancelled"


class OrderTransactionType(PCEnum):
    USER_PURCHASE = "user_purchase"
    SYSTEM_PURCHASE = "system_purchase"
    SYSTEM_BILLING = "system_billing"


class LineItemTransactionType(PCEnum):
    NEW = "new"
    RENEW = "renew"
    ADD_QUANTITY = "add_quantity"
    REMOVE_QUANTITY = "remove_quantity"
    CANCEL = "cancel"
    CONVERT = "convert"
    CUSTOMER_CREDIT = "customer_credit"


class ProvisioningStatus(PCEnum):
    FULFILLED = "fulfilled"
    UNFULFILLED = "unfulfilled"
    PREFULFILLMENT_PENDING = "prefulfillment_pending"


class EntitlementType(PCEnum):
    SOFTWARE = "software"
    RESERVED_INSTANCE = "reservedinstance"
    VIRTUAL_MACHINE_RESERVED_INSTANCE = "virtual_machine_reserved_instance"


class Segment(PCEnum):
    COMMERCIAL = "commercial"
    EDUCATION = "education"
    GOVERNMENT = "government"
    NONPROFIT = "nonprofit"


class InvoiceType(PCEnum):
    RECURRING = "recurring"
    ONE_TIME = "one_time"


class DocumentType(PCEnum):
    INVOICE = "invoice"
    VOID_NOTE = "void_note"
    ADJUSTMENT_NOTE = "adjustment_note"
    CREDIT_NOTE = "credit_note"


class BillingProvider(PCEnum):
    NONE = "none"
    OFFICE = "office"
    AZURE = "azure"
    ONE_TIME = "one_time"
    MARKETPLACE = "marketplace"
    ALL = "all"
    AZURE_DATA_MARKET = "azure_data_market"


class InvoiceLineItemType(PCEnum):
    NONE = "none"
    USAGE_LINE_ITEMS = "usage_line_items"
    BILLING_LINE_ITEMS = "billing_line_items"


class SubscriptionStatus(PCEnum):
    NONE = "none"
    ACTIVE = "active"
    PENDING = "pending"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    DISABLED = "disabled"
    DELETED = "deleted"


class SubscriptionBillingType(PCEnum):
    NONE = "none"
    USAGE = "usage"
    LICENSE = "license"
    BENEFIT = "benefit"


class RelationshipToPartner(PCEnum):
    NONE = "none"
    RESELLER = "reseller"
    ADVISOR = "advisor"
    SYNDICATION = "syndication"
    MICROSOFT_SUPPORT = "microsoft_support"


class ReservationScope(PCEnum):
    SHARED = "shared"
    SINGLE = "single"
