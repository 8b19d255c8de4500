"""Reconciliation: one-time invoice lines against the orders the portal placed.

A three-way match: the portal's ``Order``/``OrderLine`` (which mirrors Partner Center's order and
records the unit price the portal expected), Partner Center's entitlement for that order, and the
invoice line. Every line and every portal order line of the billing period ends in one class:

- ``matched``: same order (by order id, else by customer + product + SKU + quantity), same
  quantity, billed amount within the tolerance of the expected amount;
- ``quantity_mismatch`` / ``amount_mismatch``: expected vs billed and the difference;
- ``billed_not_ordered``: a line no portal order accounts for;
- ``ordered_not_billed``: a portal one-time order line of the period that no line bills;
- ``not_comparable``: the line and the order agree on quantity, but there is nothing to compare
  the amount with (no expected price recorded on the order line, or no billed amount on the
  line). It is counted apart and never adds to the matched totals: a missing price is not a match.

**Expected** = the unit price recorded on the portal's order line x the quantity ordered, in the
order's currency, before tax. **Billed** = the line's ``subtotal`` (after discounts, before tax).
Amounts are compared as ``Decimal`` in the line's currency; different currencies never compare
equal and are never summed together.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.models import (
    UNBILLED,
    Invoice,
    InvoiceLineItem,
    ReconciliationNote,
    ReconciliationResult,
    ReconciliationRun,
    ReconClass,
)
from billing.services._common import tolerance_clean, tolerance_default
from portal.shared.audit import audit_record
from portal.shared.errors import PortalError
from purchasing.models import Entitlement, Order

EXPECTED_MEANS = gettext_lazy(
    "Expected = unit price recorded on the portal's order line times the quantity ordered, in the "
    "order's currency, before tax. Billed = the invoice line's subtotal (after discounts, "
    "before tax). Not comparable = quantities agree but there is no expected price (or no "
    "billed amount) to compare; such lines are counted apart, never as matched."
)
CHUNK = 2000
LINE_FIELDS = (
    "id",
    "order_id",
    "customer_tenant_id",
    "customer_name",
    "product_id",
    "sku_id",
    "product_name",
    "sku_name",
    "quantity",
    "subtotal",
    "effective_unit_price",
    "currency",
)


@dataclass
class _OrderLineSlot:
    order: object
    line: object
    matched: bool = False

    @property
    def key(self) -> tuple:
        return (
            str(self.order.customer.tenant_id).lower(),
            (self.line.product_id or "").lower(),
            (self.line.sku_id or "").lower(),
            Decimal(self.line.quantity),
        )


@dataclass
class _Totals:
    rows: dict = field(default_factory=lambda: defaultdict(lambda: [0, None, None, None]))

    def add(self, result: ReconciliationResult) -> None:
        entry = self.rows[(result.klass, result.currency or "")]
        entry[0] += 1
        for i, value in (
            (1, result.expected_amount),
            (2, result.billed_amount),
            (3, result.difference),
        ):
            if value is not None:
                entry[i] = (entry[i] or Decimal(0)) + value

    def as_list(self) -> list[dict]:
        order = {k: i for i, k in enumerate(ReconClass.values)}
        out = []
        for (klass, currency), (count, expected, billed, diff) in sorted(
            self.rows.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])
        ):
            out.append(
                {
                    "klass": klass,
                    "currency": currency,
                    "count": count,
                    "expected": None if expected is None else str(expected),
                    "billed": None if billed is None else str(billed),
                    "difference": None if diff is None else str(diff),
                }
            )
        return out


def _expected_unit_price(order_line) -> Decimal | None:
    if order_line.unit_price is not None:
        return order_line.unit_price
    if order_line.extended_price is not None and order_line.quantity:
        return order_line.extended_price / Decimal(order_line.quantity)
    return None


def _billed_amount(line: dict) -> Decimal | None:
    if line["subtotal"] is not None:
        return line["subtotal"]
    if line["effective_unit_price"] is not None and line["quantity"] is not None:
        return line["effective_unit_price"] * line["quantity"]
    return None


def _compare(invoice, line: dict, slot: _OrderLineSlot, tolerance: Decimal, how: str, entitled):
    order, oline = slot.order, slot.line
    billed_qty = line["quantity"]
    expected_qty = Decimal(oline.quantity)
    unit = _expected_unit_price(oline)
    expected = None if unit is None else unit * expected_qty
    billed = _billed_amount(line)
    currency = line["currency"] or invoice.currency
    reasons = [how]
    if order.pc_order_id.lower() not in entitled:
        reasons.append(_("no Partner Center entitlement seen for this order yet"))
    klass, diff = ReconClass.MATCHED, None
    if order.currency and currency and order.currency.upper() != currency.upper():
        klass = ReconClass.AMOUNT_MISMATCH
        reasons.insert(
            0,
            _("billed in %(billed)s, ordered in %(ordered)s: not comparable")
            % {"billed": currency, "ordered": order.currency},
        )
        expected = None
    else:
        if expected is not None and billed is not None:
            diff = billed - expected
        klass, why = _classify(
            billed_qty=billed_qty,
            expected_qty=expected_qty,
            expected=expected,
            billed=billed,
            diff=diff,
            tolerance=tolerance,
            currency=currency,
        )
        if why:
            reasons.insert(0, why)
    return ReconciliationResult(
        invoice=invoice,
        klass=klass,
        line_id=line["id"],
        order=order,
        order_line=oline,
        pc_order_id=order.pc_order_id,
        customer_name=line["customer_name"] or order.customer.company_name,
        product_id=line["product_id"],
        sku_id=line["sku_id"],
        description=(line["sku_name"] or line["product_name"] or oline.friendly_name),
        currency=currency,
        expected_quantity=expected_qty,
        billed_quantity=billed_qty,
        expected_amount=expected,
        billed_amount=billed,
        difference=diff,
        reason="; ".join(reasons)[:255],
    )


def _classify(
    *, billed_qty, expected_qty, expected, billed, diff, tolerance: Decimal, currency: str
) -> tuple[str, str]:
    """The class of a line and the order line it matched (same currency), and why if not
    matched."""
    if billed_qty is None or billed_qty != expected_qty:
        shown = _("none") if billed_qty is None else f"{billed_qty.normalize():f}"
        return ReconClass.QUANTITY_MISMATCH, _(
            "billed quantity %(billed)s vs ordered %(ordered)s"
        ) % {"billed": shown, "ordered": f"{expected_qty.normalize():f}"}
    if expected is None:
        return ReconClass.NOT_COMPARABLE, _(
            "no expected price recorded on the portal's order line; quantities agree"
        )
    if billed is None:
        return ReconClass.NOT_COMPARABLE, _(
            "the invoice line has no billed amount; quantities agree"
        )
    if diff is not None and abs(diff) > tolerance:
        return ReconClass.AMOUNT_MISMATCH, _(
            "billed differs from expected by %(diff)s %(currency)s"
        ) % {"diff": f"{diff.normalize():f}", "currency": currency}
    return ReconClass.MATCHED, ""


def _pick(slots: list[_OrderLineSlot], line: dict) -> _OrderLineSlot | None:
    """Best unmatched order line of an order for this invoice line: same product and SKU
    (same quantity first), then same product, then anything left."""
    pid, sid = (line["product_id"] or "").lower(), (line["sku_id"] or "").lower()
    free = [s for s in slots if not s.matched]
    tiers = [
        [
            s
            for s in free
            if (s.line.product_id or "").lower() == pid
            and (s.line.sku_id or "").lower() == sid
            and Decimal(s.line.quantity) == line["quantity"]
        ],
        [
            s
            for s in free
            if (s.line.product_id or "").lower() == pid and (s.line.sku_id or "").lower() == sid
        ],
        [s for s in free if (s.line.product_id or "").lower() == pid],
    ]
    for tier in tiers:
        if tier:
            return tier[0]
    return None


def reconciliation_run(
    *, invoice: Invoice, actor=None, tolerance: Decimal | None = None
) -> ReconciliationRun:
    """Classify every one-time line of ``invoice`` and every portal order line of its period.

    Steps: (1) load the portal's one-time orders that the invoice names or that fall in its
    billing period (same currency); (2) stream the lines, matching by order id then product/SKU;
    (3) stream the lines whose order id is unknown, matching by customer + product + SKU +
    quantity, else ``billed_not_ordered``; (4) unmatched order lines -> ``ordered_not_billed``;
    replace the previous results and store totals per class and currency, in one transaction.
    Raises ``PortalError`` if the invoice has no imported lines.
    """
    tolerance = tolerance_clean(tolerance_default() if tolerance is None else tolerance)
    lines = InvoiceLineItem.objects.filter(invoice=invoice, provider="onetime")
    if not lines.exists():
        raise PortalError(
            _("Invoice %(id)s has no imported one-time line items yet: import them first.")
            % {"id": invoice.invoice_id},
            code="no_lines",
        )
    orders = _orders_of(invoice, lines)
    match = _Match(invoice=invoice, orders=orders, tolerance=tolerance)
    now = timezone.now()
    with transaction.atomic():
        ReconciliationResult.objects.filter(invoice=invoice).delete()
        _match_by_order_id(match, lines.filter(order_id__in=_case_variants(orders)))
        _match_by_product(match, lines.exclude(order_id__in=_case_variants(orders)))
        for slot in match.slots:  # portal order lines of the period that nothing billed
            if not slot.matched:
                match.emit(_unbilled(invoice, slot))
        match.flush()
        run, _created = ReconciliationRun.objects.update_or_create(
            invoice=invoice,
            defaults={
                "ran_at": now,
                "ran_by": actor if getattr(actor, "is_authenticated", False) else None,
                "tolerance": tolerance,
                "lines_checked": match.lines,
                "orders_checked": len(orders),
                "summary": match.totals.as_list(),
            },
        )
        audit_record(
            actor=actor,
            action="billing.reconciled",
            obj=run,
            summary=f"Reconciled {invoice.invoice_id}: {match.lines} lines, {len(orders)} orders",
            summary_rows=run.summary,
        )
    return run


def _orders_of(invoice: Invoice, lines) -> list:
    """The portal's one-time orders the invoice names or that fall in its billing period (same
    currency, not cancelled; for the unbilled invoice, not already on another invoice)."""
    named = Order.objects.filter(pc_order_id__in=lines.values("order_id"))
    period = Order.objects.filter(billing_cycle="one_time")
    if invoice.currency:
        period = period.filter(currency__iexact=invoice.currency)
    if invoice.period_start:
        period = period.filter(created_at__gte=invoice.period_start)
    if invoice.period_end:
        period = period.filter(created_at__lte=invoice.period_end)
    period = period.exclude(status__iexact="cancelled")
    if invoice.invoice_type == UNBILLED:
        # The unbilled lines of the period: an order an invoice bills already is not owed here.
        invoiced = InvoiceLineItem.objects.exclude(invoice__invoice_type=UNBILLED)
        period = period.exclude(pc_order_id__in=invoiced.values("order_id"))
    return list((named | period).distinct().select_related("customer").prefetch_related("lines"))


class _Match:
    """One run's state: the order lines still to match, the orders with an entitlement, and the
    results written in chunks as they are classified (with running totals)."""

    def __init__(self, *, invoice: Invoice, orders: list, tolerance: Decimal) -> None:
        self.invoice, self.tolerance = invoice, tolerance
        self.by_id: dict[str, list[_OrderLineSlot]] = {}
        self.slots: list[_OrderLineSlot] = []
        for order in orders:
            order_slots = [_OrderLineSlot(order, line) for line in order.lines.all()]
            self.by_id[order.pc_order_id.lower()] = order_slots
            self.slots.extend(order_slots)
        self.entitled = {
            p.lower()
            for p in Entitlement.objects.filter(
                pc_order_id__in=[o.pc_order_id for o in orders]
            ).values_list("pc_order_id", flat=True)
        }
        self.totals = _Totals()
        self.lines = 0
        self._buffer: list[ReconciliationResult] = []

    def compare(self, line: dict, slot: _OrderLineSlot, how: str) -> None:
        slot.matched = True
        self.emit(_compare(self.invoice, line, slot, self.tolerance, how, self.entitled))

    def emit(self, result: ReconciliationResult) -> None:
        self.totals.add(result)
        self._buffer.append(result)
        if len(self._buffer) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            ReconciliationResult.objects.bulk_create(self._buffer)
            self._buffer.clear()


def _match_by_order_id(match: _Match, lines) -> None:
    """Lines whose order id the portal knows: the best unmatched line of that order."""
    for line in _stream(lines):
        match.lines += 1
        slot = _pick(match.by_id.get((line["order_id"] or "").lower()) or [], line)
        if slot is None:
            why = _("the order has no unbilled line for this product")
            match.emit(_unordered(match.invoice, line, why))
        else:
            match.compare(line, slot, _("matched by order id"))


def _match_by_product(match: _Match, lines) -> None:
    """Lines with an order id the portal does not know: an unmatched order line of the same
    customer, product, SKU and quantity, else ``billed_not_ordered``."""
    free = defaultdict(list)
    for slot in match.slots:
        if not slot.matched:
            free[slot.key].append(slot)
    for line in _stream(lines):
        match.lines += 1
        key = (
            (line["customer_tenant_id"] or "").lower(),
            (line["product_id"] or "").lower(),
            (line["sku_id"] or "").lower(),
            line["quantity"],
        )
        candidates = [s for s in free.get(key, []) if not s.matched]
        if not candidates:
            why = _("no portal order for this order id or product")
            match.emit(_unordered(match.invoice, line, why))
            continue
        how = _(
            "matched by customer/product/SKU/quantity (billed order id "
            "%(billed)s, portal order %(portal)s)"
        ) % {"billed": line["order_id"], "portal": candidates[0].order.pc_order_id}
        match.compare(line, candidates[0], how)


def _case_variants(orders) -> list[str]:
    ids = set()
    for order in orders:
        ids.update({order.pc_order_id, order.pc_order_id.lower(), order.pc_order_id.upper()})
    return sorted(ids)


def _stream(queryset):
    """Lines as dicts in id order, fetched in chunks (flat memory on any invoice size)."""
    last = 0
    while True:
        chunk = list(queryset.filter(id__gt=last).order_by("id").values(*LINE_FIELDS)[:CHUNK])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1]["id"]


def _unordered(invoice, line: dict, why: str) -> ReconciliationResult:
    return ReconciliationResult(
        invoice=invoice,
        klass=ReconClass.BILLED_NOT_ORDERED,
        line_id=line["id"],
        pc_order_id=line["order_id"] or "",
        customer_name=line["customer_name"] or "",
        product_id=line["product_id"] or "",
        sku_id=line["sku_id"] or "",
        description=(line["sku_name"] or line["product_name"] or ""),
        currency=line["currency"] or invoice.currency,
        billed_quantity=line["quantity"],
        billed_amount=_billed_amount(line),
        reason=why,
    )


def _unbilled(invoice, slot: _OrderLineSlot) -> ReconciliationResult:
    unit = _expected_unit_price(slot.line)
    return ReconciliationResult(
        invoice=invoice,
        klass=ReconClass.ORDERED_NOT_BILLED,
        order=slot.order,
        order_line=slot.line,
        pc_order_id=slot.order.pc_order_id,
        customer_name=slot.order.customer.company_name,
        product_id=slot.line.product_id,
        sku_id=slot.line.sku_id,
        description=slot.line.friendly_name,
        currency=slot.order.currency or invoice.currency,
        expected_quantity=Decimal(slot.line.quantity),
        expected_amount=None if unit is None else unit * slot.line.quantity,
        reason=_("ordered through the portal in this billing period, not on this invoice"),
    )


def reconciliation_note_add(
    *, result: ReconciliationResult, status: str, text: str, actor
) -> ReconciliationNote:
    """Attach a finance note ("accepted", "disputed", or a plain note) to a result's line/order."""
    text = (text or "").strip()
    if status not in ReconciliationNote.Status.values:
        raise PortalError(_("Choose accepted, disputed or note."), code="bad_status")
    if status == ReconciliationNote.Status.NOTE and not text:
        raise PortalError(_("Write a note, or mark the line accepted or disputed."), code="empty")
    note = ReconciliationNote(
        invoice_id=result.invoice_id,
        line_id=result.line_id,
        order_line_id=None if result.line_id else result.order_line_id,
        status=status,
        text=text[:2000],
        author=actor,
        author_name=actor.get_username() if actor else "",
    )
    note.full_clean()
    note.save()
    audit_record(
        actor=actor,
        action=f"billing.recon_{status}",
        obj=note,
        summary=f"{status.title()} {result.get_klass_display().lower()} on {result.invoice}",
        result_id=result.pk,
        text=text,
    )
    return note
