"""A customer charge statement as documents: CSV rows for an accounting tool and the
customer-facing PDF (WeasyPrint). Neither carries the partner cost: a statement does not hold it.

CSV: fixed English column names (``CSV_COLUMNS``, never translated or reordered), dot decimals
with the currency's ISO 4217 decimals for money, ISO 8601 dates, one row per line.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from billing.models import CustomerStatement
from catalog.pricing import engine

CSV_COLUMNS = [
    "statement_number", "statement_state", "corrects_statement", "customer_name",
    "customer_tenant_id", "month", "line", "charge_date", "source", "invoice_number", "order_id",
    "product_id", "sku_id", "description", "term", "quantity", "unit_price", "amount",
    "currency", "price_source",
]  # fmt: skip


def plain_money(value: Decimal, currency: str) -> str:
    """``1234.5`` USD -> ``1234.50``: dot decimal, the currency's decimals, no grouping."""
    exponent = Decimal(1).scaleb(-engine.currency_decimals(currency))
    return f"{value.quantize(exponent):f}"


def plain_quantity(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def csv_rows(statement: CustomerStatement):
    """The statement's CSV rows (``CSV_COLUMNS`` order)."""
    customer = statement.customer
    corrects = statement.corrects.number if statement.corrects_id else ""
    for line in statement.lines.order_by("position").iterator(chunk_size=2000):
        yield [
            statement.number, statement.state, corrects, customer.company_name,
            str(customer.tenant_id), f"{statement.month:%Y-%m}", line.position,
            line.charge_date.isoformat(), line.source, line.invoice_number, line.pc_order_id,
            line.product_id, line.sku_id, line.description, line.term,
            plain_quantity(line.quantity), plain_money(line.unit_price, line.currency),
            plain_money(line.amount, line.currency), line.currency, line.price_source,
        ]  # fmt: skip


def reseller_details() -> dict:
    """The reseller printed on statements, from the settings (frozen on a statement at issue)."""
    address = [part.strip() for part in settings.STATEMENT_RESELLER_ADDRESS.split("|")]
    return {
        "name": settings.STATEMENT_RESELLER_NAME,
        "address": [part for part in address if part],
        "logo": settings.STATEMENT_RESELLER_LOGO,
    }


def _logo_uri(path: str) -> str:
    logo = Path(path) if path else None
    return logo.resolve().as_uri() if logo and logo.is_file() else ""


def statement_pdf(*, statement: CustomerStatement) -> bytes:
    """The customer-facing PDF: reseller, customer, the lines at resale price and the totals
    per currency. A draft is marked as such; an issued statement uses its frozen reseller."""
    from weasyprint import HTML  # noqa: PLC0415 (imported on use: WeasyPrint is slow to load)

    reseller = statement.reseller or reseller_details()
    html = render_to_string(
        "billing/charges/statement_pdf.html",
        {
            "statement": statement,
            "customer": statement.customer,
            "lines": statement.lines.order_by("position"),
            "totals": statement.totals_decimal(),
            "reseller": reseller,
            "logo": _logo_uri(reseller.get("logo", "")),
            "generated_at": statement.issued_at or timezone.now(),
        },
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
