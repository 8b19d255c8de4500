"""Billing (partner-center.md §7): balance/summaries, invoices, one-time invoice line items."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ._base import Model, json_field, many, mapping, model, required
from .common import Link
from .enums import BillingProvider, DocumentType, InvoiceLineItemType, InvoiceType


@model
class InvoiceSummaryDetail(Model):
    invoice_type: InvoiceType | str | None = None
    summary: InvoiceSummary | None = None


@model
class InvoiceSummary(Model):
    balance_amount: Decimal | None = None
    currency_code: str | None = None
    currency_symbol: str | None = None
    accounting_date: datetime | None = None
    first_invoice_creation_date: datetime | None = None
    last_payment_date: datetime | None = None
    last_payment_amount: Decimal | None = None
    latest_invoice_date: datetime | None = None
    details: list[InvoiceSummaryDetail] = many()
    links: dict[str, Link] = mapping()


@model
class TaxReceipt(Model):
    id: str | None = None
    tax_receipt_pdf_download_link: str | None = None


@model
class InvoiceDetail(Model):
    invoice_line_item_type: InvoiceLineItemType | str | None = None
    billing_provider: BillingProvider | str | None = None
    links: dict[str, Link] = mapping()


@model
class Invoice(Model):
    id: str | None = required()
    invoice_date: datetime | None = None
    billing_period_start_date: datetime | None = None
    billing_period_end_date: datetime | None = None
    total_charges: Decimal | None = None
    paid_amount: Decimal | None = None
    currency_code: str | None = None
    currency_symbol: str | None = None
    pdf_download_link: str | None = None
    tax_receipts: list[TaxReceipt] = many()
    invoice_details: list[InvoiceDetail] = many()
    amendments: list[Invoice] = many()
    document_type: DocumentType | str | None = None
    amends_of: str | None = None
    invoice_type: InvoiceType | str | None = None
    links: dict[str, Link] = mapping()


@model
class OneTimeInvoiceLineItem(Model):
    """One billed (or unbilled) one-time line; money as Decimal in ``currency``."""

    partner_id: str | None = None
    customer_id: str | None = None
    customer_name: str | None = None
    customer_domain_name: str | None = None
    customer_country: str | None = None
    invoice_number: str | None = None
    mpn_id: str | None = None
    reseller_mpn_id: str | None = None
    order_id: str | None = required()
    order_date: datetime | None = None
    product_id: str | None = None
    sku_id: str | None = None
    availability_id: str | None = None
    product_name: str | None = None
    sku_name: str | None = None
    product_qualifiers: list[str] = many()
    charge_type: str | None = None
    unit_price: Decimal | None = None
    effective_unit_price: Decimal | None = None
    unit_type: str | None = None
    quantity: Decimal | None = None
    subtotal: Decimal | None = None
    tax_total: Decimal | None = None
    total_for_customer: Decimal | None = None
    currency: str | None = None
    publisher_name: str | None = None
    publisher_id: str | None = None
    subscription_description: str | None = None
    subscription_id: str | None = None
    subscription_start_date: datetime | None = None
    subscription_end_date: datetime | None = None
    charge_start_date: datetime | None = None
    charge_end_date: datetime | None = None
    term_and_billing_cycle: str | None = None
    alternate_id: str | None = None
    reference_id: str | None = None
    price_adjustment_description: str | None = None
    credit_reason_code: str | None = None
    discount_details: str | None = None
    pricing_currency: str | None = None
    pc_to_bc_exchange_rate: Decimal | None = json_field("pcToBCExchangeRate")
    pc_to_bc_exchange_rate_date: datetime | None = json_field("pcToBCExchangeRateDate")
    billable_quantity: Decimal | None = None
    meter_description: str | None = None
    billing_frequency: str | None = None
    reservation_order_id: str | None = None
    promotion_id: str | None = None
    invoice_line_item_type: InvoiceLineItemType | str | None = None
    billing_provider: BillingProvider | str | None = None


@model
class InvoiceLineItem(Model):
    """A line item of another provider (office/azure/marketplace): typed basics, rest in ``raw``."""

    billing_provider: BillingProvider | str | None = None
    invoice_line_item_type: InvoiceLineItemType | str | None = None


def parse_line_item(data: Any) -> OneTimeInvoiceLineItem | InvoiceLineItem:
    """Pick the class from ``billingProvider`` as the SDK does (partner-center.md §7.5e)."""
    provider = BillingProvider.parse(
        data.get("billingProvider") if isinstance(data, dict) else None, "LineItem.billingProvider"
    )
    if provider in (BillingProvider.ONE_TIME, BillingProvider.ALL, None):
        return OneTimeInvoiceLineItem.from_json(data)
    return InvoiceLineItem.from_json(data)


@dataclass(frozen=True)
class LineItemPage:
    """One page of line items; ``continuation_token`` fetches the next page (None at the end)."""

    items: list[OneTimeInvoiceLineItem | InvoiceLineItem]
    continuation_token: str | None
