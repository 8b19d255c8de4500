"""Customer charge statements: per customer and month, the one-time charges at resale price.

Which charges: the one-time billing lines whose charge date (charge start, else order date, UTC)
falls in the month, from the imported invoices, plus the unbilled lines
(``billing.services.unbilled``) of orders no imported invoice bills yet. A charge thus belongs to
one month whichever document bills it, and is never billed twice when its invoice closes. Each
line belongs to the portal customer of its tenant id (lines of other tenants are not the
portal's).

Which price: the resale unit price recorded on the portal's order line at checkout (matched by
order id, then product and SKU), so later rule changes never rewrite what was sold; a line
without one (bought outside the portal, or before resale prices were recorded) is priced now by
``resale_price_for`` at its charge date from the line's partner cost, and marked ``computed``.
The partner cost is never stored on a statement.

Life of a statement::

    generate -> draft --issue--> issued (frozen: lines, totals, reseller, PDF)
                  ^                 |
                  +----correct------+   (a new draft that references the issued one)

Generating again rebuilds each customer's draft in place (same number, same lines for the same
data: idempotent) and never touches an issued statement. Amounts are Decimal, rounded to the
currency's ISO 4217 decimals; totals are per currency, never summed across currencies.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from billing.models import (
    UNBILLED,
    CustomerStatementLine,
    InvoiceLineItem,
)
from billing.services.charge_pricing import FastPricing, reference_price
from catalog.pricing import engine
from portal.models import Customer
from portal.shared.errors import PortalError
from purchasing.models import OrderLine

logger = logging.getLogger(__name__)

CHUNK = 2000
LINE_FIELDS = (
    "id",
    "invoice_id",
    "customer_tenant_id",
    "order_id",
    "charge_start",
    "order_date",
    "product_id",
    "sku_id",
    "product_name",
    "sku_name",
    "term_and_billing_cycle",
    "quantity",
    "unit_price",
    "effective_unit_price",
    "subtotal",
    "currency",
)


# -- months ---------------------------------------------------------------------------------------


def month_parse(text: str) -> date:
    """``YYYY-MM`` -> the month's first day; ``PortalError`` for anything else."""
    try:
        parsed = datetime.strptime((text or "").strip() + " +0000", "%Y-%m %z")
    except ValueError:
        raise PortalError(
            _("Write the month as YYYY-MM, for example 2026-11."), code="bad_month"
        ) from None
    return date(parsed.year, parsed.month, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    after = (start + timedelta(days=32)).replace(day=1)
    return start, after


def progress_kind(month: date) -> str:
    """The job kind of a month's generation (``billing:``: finance may follow it)."""
    return f"billing:statements:{month:%Y-%m}"


# -- the charges of a month -------------------------------------------------------------------------


@dataclass
class Charge:
    """One billed or unbilled line, as much of it as a statement needs (partner cost for pricing)."""

    line_id: int
    source: str
    invoice_number: str
    order_id: str
    charge_date: date
    product_id: str
    sku_id: str
    description: str
    term: str
    quantity: Decimal
    partner_unit: Decimal | None
    credit: bool
    currency: str

    @property
    def sort_key(self) -> tuple:
        return (self.charge_date, self.source, self.invoice_number, self.order_id.lower(),
                self.product_id, self.sku_id, self.line_id)  # fmt: skip


def _stream(queryset):
    last = 0
    while True:
        chunk = list(queryset.filter(id__gt=last).order_by("id").values(*LINE_FIELDS)[:CHUNK])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1]["id"]


def _charge(line: dict, source: str, invoice_number: str) -> Charge | None:
    when = line["charge_start"] or line["order_date"]
    quantity = line["quantity"]
    if when is None or quantity is None:
        return None
    partner_unit = line["effective_unit_price"]
    if partner_unit is None:
        partner_unit = line["unit_price"]
    return Charge(
        line_id=line["id"],
        source=source,
        invoice_number=invoice_number,
        order_id=line["order_id"] or "",
        charge_date=when.astimezone(UTC).date(),
        product_id=line["product_id"] or "",
        sku_id=line["sku_id"] or "",
        description=line["sku_name"] or line["product_name"] or line["product_id"] or "",
        term=line["term_and_billing_cycle"] or "",
        quantity=quantity,
        partner_unit=partner_unit,
        credit=line["subtotal"] is not None and line["subtotal"] < 0 and quantity > 0,
        currency=(line["currency"] or "").upper(),
    )


def month_charges(*, month: date) -> dict[str, list[Charge]]:
    """Tenant id (lower case) -> the charges dated in ``month``: the invoice lines, then the
    unbilled lines of orders no imported invoice bills yet."""
    start, after = month_bounds(month)
    in_month = Q(charge_start__gte=start, charge_start__lt=after) | Q(
        charge_start__isnull=True, order_date__gte=start, order_date__lt=after
    )
    one_time = InvoiceLineItem.objects.filter(
        in_month, provider="onetime", line_item_type="billinglineitems"
    )
    billed = one_time.exclude(invoice__invoice_type=UNBILLED).filter(invoice__is_active=True)
    numbers = dict(billed.values_list("invoice_id", "invoice__invoice_id").distinct())
    charges: dict[str, list[Charge]] = defaultdict(list)
    for line in _stream(billed):
        charge = _charge(line, CustomerStatementLine.Source.INVOICE, numbers[line["invoice_id"]])
        if charge is not None:
            charges[(line["customer_tenant_id"] or "").lower()].append(charge)
    unbilled = list(_stream(one_time.filter(invoice__invoice_type=UNBILLED)))
    invoiced = _invoiced_orders({line["order_id"] for line in unbilled if line["order_id"]})
    for line in unbilled:
        if (line["order_id"] or "").lower() in invoiced:
            continue  # billed on an invoice since: that line is the charge
        charge = _charge(line, CustomerStatementLine.Source.UNBILLED, "")
        if charge is not None:
            charges[(line["customer_tenant_id"] or "").lower()].append(charge)
    return charges


def _invoiced_orders(order_ids: set[str]) -> set[str]:
    """Which of ``order_ids`` (lower case) an imported invoice bills."""
    out: set[str] = set()
    ids = sorted(order_ids)
    billed = InvoiceLineItem.objects.exclude(invoice__invoice_type=UNBILLED)
    for start in range(0, len(ids), 500):
        found = billed.filter(order_id__in=ids[start : start + 500]).values_list("order_id")
        out.update(order_id.lower() for (order_id,) in found)
    return out


# -- prices ----------------------------------------------------------------------------------------


@dataclass
class _Recorded:
    product_id: str
    sku_id: str
    unit: Decimal
    currency: str
    rule: str
    used: bool = False


@dataclass
class Pricer:
    """Resale unit prices of a month's charges: the price recorded on the matching order line,
    else the markup rules at the charge date (``billing.services.charge_pricing``: ``fast`` for
    whole months, else ``resale_price_for`` line by line)."""

    recorded: dict[str, list[_Recorded]]
    compute: Callable
    rounding: str

    @classmethod
    def for_charges(cls, charges: dict[str, list[Charge]], *, fast: bool = True) -> Pricer:
        order_ids = sorted({c.order_id for lines in charges.values() for c in lines if c.order_id})
        recorded: dict[str, list[_Recorded]] = defaultdict(list)
        for start in range(0, len(order_ids), 500):
            rows = (
                OrderLine.objects.filter(
                    order__pc_order_id__in=order_ids[start : start + 500],
                    resale_unit_price__isnull=False,
                )
                .order_by("order_id", "line_number", "id")
                .values_list(
                    "order__pc_order_id", "product_id", "sku_id", "resale_unit_price",
                    "currency", "order__currency", "resale_rule",
                )
            )  # fmt: skip
            for order_id, pid, sid, unit, currency, order_currency, rule in rows:
                recorded[order_id.lower()].append(
                    _Recorded(
                        pid or "", sid or "", unit, (currency or order_currency).upper(), rule
                    )
                )
        if fast:
            pairs = {(c.product_id.lower(), c.sku_id.lower()) for v in charges.values() for c in v}
            compute = FastPricing(pairs)
        else:
            compute = reference_price
        return cls(recorded=recorded, compute=compute, rounding=settings.RESALE_ROUNDING)

    def reset(self) -> None:
        """Forget which recorded prices were matched (a statement is priced from scratch)."""
        for slots in self.recorded.values():
            for slot in slots:
                slot.used = False

    def _recorded(self, charge: Charge) -> _Recorded | None:
        slots = [s for s in self.recorded.get(charge.order_id.lower(), []) if not s.used]
        pid, sid = charge.product_id.lower(), charge.sku_id.lower()
        for match in (
            lambda s: s.product_id.lower() == pid and s.sku_id.lower() == sid,
            lambda s: s.product_id.lower() == pid,
        ):
            for slot in slots:
                if match(slot) and slot.currency == charge.currency:
                    slot.used = True
                    return slot
        return None

    def price(self, customer: Customer, charge: Charge) -> tuple[Decimal, str, str] | None:
        """(unit price, price source, rule label), or None without any price."""
        slot = self._recorded(charge)
        if slot is not None:
            return slot.unit, CustomerStatementLine.PriceSource.RECORDED, slot.rule
        if charge.partner_unit is None:
            return None
        unit, rule = self.compute(customer, charge)
        if unit is None:
            return None
        return unit, CustomerStatementLine.PriceSource.COMPUTED, rule

    def amount(self, unit: Decimal, charge: Charge) -> Decimal:
        value = engine.round_price(unit * charge.quantity, charge.currency, self.rounding)
        return -value if charge.credit else value


def statement_lines(
    *, customer: Customer, charges: list[Charge], pricer: Pricer
) -> list[CustomerStatementLine]:
    """The statement lines of ``charges`` (unsaved), in a stable order."""
    pricer.reset()
    out = []
    for charge in sorted(charges, key=lambda c: c.sort_key):
        priced = pricer.price(customer, charge)
        if priced is None:
            logger.warning("statement: no partner cost on line %s; left out", charge.line_id)
            continue
        unit, source, rule = priced
        out.append(
            CustomerStatementLine(
                position=len(out) + 1,
                source=charge.source,
                invoice_number=charge.invoice_number,
                pc_order_id=charge.order_id,
                charge_date=charge.charge_date,
                product_id=charge.product_id,
                sku_id=charge.sku_id,
                description=charge.description,
                term=charge.term,
                quantity=charge.quantity,
                unit_price=unit,
                amount=pricer.amount(unit, charge),
                currency=charge.currency,
                price_source=source,
                rule=rule[:220],
            )
        )
    return out


def line_totals(lines) -> dict[str, Decimal]:
    """Sum of the lines' amounts per currency (never across currencies)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[line.currency] += line.amount
    return dict(sorted(totals.items()))
