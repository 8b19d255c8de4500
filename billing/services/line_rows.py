"""Line-item rows the plain way: the reference for the import's fast path (``line_rows_fast``).

A row is a tuple in ``ALL_COLUMNS`` order with its values adapted for this database (Decimals as
text, so no float ever touches money; times aware UTC, adapted). Here the client parses each line
into its models (``iter_invoice_line_item_pages(raw=False)``) and ``row_adapter`` reads their
attributes: easy to follow, and about 15x slower than the fast path, which must produce the same
rows (``tests/billing/test_line_paths.py`` checks that on generated pages).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from django.db import connection

from billing.models import InvoiceLineItem
from portal.shared.mirror_fit import fit_rows


class RowPage(NamedTuple):
    """One page's rows and the continuation token that resumes after it (None at the end)."""

    rows: list[tuple]
    continuation_token: str | None


# (column, attribute of the client's OneTimeInvoiceLineItem, kind)
COLUMNS: list[tuple[str, str, str]] = [
    ("customer_tenant_id", "customer_id", "str"),
    ("customer_name", "customer_name", "str"),
    ("customer_domain", "customer_domain_name", "str"),
    ("customer_country", "customer_country", "str"),
    ("order_id", "order_id", "str"),
    ("order_date", "order_date", "dt"),
    ("product_id", "product_id", "str"),
    ("sku_id", "sku_id", "str"),
    ("availability_id", "availability_id", "str"),
    ("product_name", "product_name", "str"),
    ("sku_name", "sku_name", "str"),
    ("charge_type", "charge_type", "str"),
    ("unit_price", "unit_price", "dec"),
    ("effective_unit_price", "effective_unit_price", "dec"),
    ("quantity", "quantity", "dec"),
    ("subtotal", "subtotal", "dec"),
    ("tax_total", "tax_total", "dec"),
    ("total_for_customer", "total_for_customer", "dec"),
    ("currency", "currency", "str"),
    ("pricing_currency", "pricing_currency", "str"),
    ("exchange_rate", "pc_to_bc_exchange_rate", "dec"),
    ("subscription_id", "subscription_id", "str"),
    ("reservation_order_id", "reservation_order_id", "str"),
    ("term_and_billing_cycle", "term_and_billing_cycle", "str"),
    ("charge_start", "charge_start_date", "dt"),
    ("charge_end", "charge_end_date", "dt"),
    ("publisher_name", "publisher_name", "str"),
    ("reference_id", "reference_id", "str"),
]
KEY_COLUMNS = ["invoice_id", "provider", "line_item_type", "sequence"]
ALL_COLUMNS = KEY_COLUMNS + [c for c, _, _ in COLUMNS]


def fit_page(rows: list[tuple]) -> list[tuple]:
    """A page's rows fitted to their columns (over-long display text cut, a line with an
    over-long code left out and reported): what ``lines.insert_rows`` expects."""
    return fit_rows(InvoiceLineItem, ALL_COLUMNS, rows, what="an invoice line")


def row_adapter() -> Callable:
    """A function turning a client line item into a row tuple (values adapted for this DB)."""
    ops = connection.ops
    adapt_dt = ops.adapt_datetimefield_value
    getters = []
    for _column, attr, kind in COLUMNS:
        getters.append((attr, kind))

    def adapt(invoice_pk: int, provider: str, line_type: str, sequence: int, item) -> tuple:
        values = [invoice_pk, provider, line_type, sequence]
        for attr, kind in getters:
            value = getattr(item, attr, None)
            if kind == "str":
                value = "" if value is None else str(value)
            elif kind == "dt":
                value = adapt_dt(value) if value is not None else None
            elif value is not None:  # Decimal: stored as text so no float ever touches it
                value = str(value)
            values.append(value)
        return tuple(values)

    return adapt


def row_pages(
    pages: Iterable, *, invoice_pk: int, provider: str, line_type: str, first_sequence: int
) -> Iterator[RowPage]:
    """Rows of client pages of parsed line items, numbered from ``first_sequence``."""
    adapt = row_adapter()
    sequence = first_sequence
    for page in pages:
        rows = [
            adapt(invoice_pk, provider, line_type, sequence + n, item)
            for n, item in enumerate(page.items)
        ]
        sequence += len(rows)
        yield RowPage(fit_page(rows), page.continuation_token)
