"""The one definition of a one-time invoice line item's JSON, shared by every invoice the sandbox
serves: lines billing the portal's orders, lines of purchases made elsewhere, and the generated
large invoice (``generated.py``). A line is ``base_line`` (who and what invoice) updated with its
order, product and dates, then with ``amounts``."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from partnercenter.sandbox.state import sandbox

CENT = Decimal("0.01")
MPN_ID = "5357564"
TERM_TEXT = {
    "P1Y": "1 Year Subscription",
    "P3Y": "3 Year Subscription",
    "P1M": "1 Month Subscription",
}


def money(value: Decimal) -> str:
    return str(value.quantize(CENT))


def amounts(
    unit: Decimal, quantity: int, tax_rate: Decimal, *, effective: Decimal | None = None
) -> dict:
    """The money members: ``effective`` is the unit price after discount (default: ``unit``)."""
    effective = unit if effective is None else effective
    subtotal = (effective * quantity).quantize(CENT)
    tax = (subtotal * tax_rate).quantize(CENT)
    return {"unitPrice": money(unit), "effectiveUnitPrice": money(effective),
            "quantity": str(quantity), "billableQuantity": str(quantity),
            "subtotal": money(subtotal), "taxTotal": money(tax),
            "totalForCustomer": money(subtotal + tax)}  # fmt: skip


def base_line(invoice_id: str, customer: dict, currency: str) -> dict:
    return {
        "partnerId": sandbox().settings.tenant_id, "customerId": customer["id"],
        "customerName": customer["companyName"], "customerDomainName": customer["domain"],
        "customerCountry": customer["country"], "invoiceNumber": invoice_id, "mpnId": MPN_ID,
        "resellerMpnId": "0", "productQualifiers": [], "chargeType": "new", "unitType": "",
        "currency": currency, "publisherName": "Microsoft Corporation", "publisherId": "",
        "subscriptionDescription": "", "priceAdjustmentDescription": "[]", "creditReasonCode": "",
        "discountDetails": "", "meterDescription": "", "promotionId": "",
        "invoiceLineItemType": "billing_line_items", "billingProvider": "one_time",
        "attributes": {"objectType": "OneTimeInvoiceLineItem"},
    }  # fmt: skip


def month_start(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-01T00:00:00")
