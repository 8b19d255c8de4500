"""Billing reads: filtered/sorted lists with constant query counts, summaries per currency."""

from __future__ import annotations

import re
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from billing.models import (
    UNBILLED,
    AccountBalance,
    Invoice,
    InvoiceLineItem,
    InvoiceSummary,
    LineImport,
    ReconciliationNote,
    ReconciliationResult,
    ReconClass,
    StatementPdf,
)
from portal.shared.params import Params
from portal.shared.tables import parse_sort

INVOICE_SORTS = {
    "date": "invoice_date",
    "id": "invoice_id",
    "total": "total_charges",
    "currency": "currency",
    "type": "invoice_type",
}
LINE_SORTS = {
    "seq": "sequence",
    "customer": "customer_name",
    "product": "product_name",
    "order": "order_id",
    "qty": "quantity",
    "subtotal": "subtotal",
    "total": "total_for_customer",
    "date": "order_date",
}
RESULT_SORTS = {
    "klass": "klass",
    "customer": "customer_name",
    "order": "pc_order_id",
    "diff": "difference",
    "billed": "billed_amount",
}


def get_invoice(invoice_id: str) -> Invoice | None:
    return Invoice.objects.filter(invoice_id__iexact=invoice_id).first()


def balance_latest() -> AccountBalance | None:
    return AccountBalance.objects.order_by("-fetched_at", "-id").first()


def summaries() -> list[InvoiceSummary]:
    return list(InvoiceSummary.objects.order_by("-is_current", "currency"))


def balances_by_currency() -> list[dict]:
    """The billing headline, one row per currency: the balance Partner Center reports for it (the
    current invoice summary, else the account balance when it is in that currency) and the open
    invoices in it. Every currency with an open invoice gets a row, reported balance or not;
    amounts of different currencies are never added together."""
    rows: dict[str, dict] = {}

    def row(currency: str) -> dict:
        return rows.setdefault(
            currency,
            {
                "currency": currency,
                "balance": None,
                "fetched_at": None,
                "open_count": 0,
                "open_amount": Decimal(0),
            },
        )

    for summary in InvoiceSummary.objects.filter(is_current=True):
        entry = row(summary.currency.upper())
        entry["balance"], entry["fetched_at"] = summary.balance_amount, summary.fetched_at
    account = balance_latest()
    if account is not None and account.currency:
        entry = row(account.currency.upper())
        if entry["balance"] is None:
            entry["balance"], entry["fetched_at"] = account.balance_amount, account.fetched_at
    open_invoices = invoice_list({"status": "open"})[0]
    for currency, charges, paid in open_invoices.values_list(
        "currency", "total_charges", "paid_amount"
    ):
        entry = row(currency.upper())
        entry["open_count"] += 1
        entry["open_amount"] += charges + paid
    return sorted(rows.values(), key=lambda r: (-r["open_count"], r["currency"]))


def invoice_list(params) -> tuple:
    """Invoices filtered by ``q``, ``period`` (YYYY-MM of the invoice date), ``currency``,
    ``type`` (onetime|recurring), ``status`` (open|paid|credit); returns (queryset, sort, errors)."""
    p = Params(params)
    qs = (
        Invoice.objects.exclude(invoice_type=UNBILLED)
        .annotate(balance=F("total_charges") + F("paid_amount"))
        .select_related("statement", "recon_run")
    )
    if not p.text("gone"):
        qs = qs.filter(is_active=True)
    if q := p.text("q", label=_("Search")):
        qs = qs.filter(invoice_id__icontains=q)
    if bounds := p.month("period", label=_("Period")):
        qs = qs.filter(invoice_date__gte=bounds[0], invoice_date__lt=bounds[1])
    if currency := p.text("currency", label=_("Currency"), max_length=3).upper():
        qs = qs.filter(currency=currency)
    kind = p.text("type", label=_("Type")).lower()
    if kind == "onetime":
        qs = qs.filter(Q(invoice_type__iexact="onetime") | Q(invoice_type__iexact="one_time"))
    elif kind == "recurring":
        qs = qs.filter(invoice_type__iexact="recurring")
    status = p.text("status", label=_("Status")).lower()
    credit = Q(total_charges__lt=0) | Q(document_type__in=["void_note", "adjustment_note"])
    if status == "credit":
        qs = qs.filter(credit)
    elif status == "paid":
        qs = qs.exclude(credit).filter(balance__lte=0)
    elif status == "open":
        qs = qs.exclude(credit).filter(balance__gt=0)
    sort = parse_sort(params, INVOICE_SORTS, "-date")
    return qs.order_by(sort.field, "-id"), sort, p.errors


def invoice_currencies() -> list[str]:
    invoices = Invoice.objects.exclude(invoice_type=UNBILLED)
    return list(invoices.values_list("currency", flat=True).distinct().order_by("currency"))


def invoice_line_totals(invoice: Invoice) -> list[dict]:
    """Totals of the imported lines per currency and charge type (never across currencies)."""
    return list(
        InvoiceLineItem.objects.filter(invoice=invoice)
        .values("currency", "charge_type")
        .annotate(
            lines=Count("id"),
            subtotal=Sum("subtotal"),
            tax=Sum("tax_total"),
            total=Sum("total_for_customer"),
        )
        .order_by("currency", "charge_type")
    )


def invoice_lines(invoice: Invoice, params) -> tuple:
    """Lines of one invoice: ``q`` (customer, product, order id), ``customer``, ``product``,
    ``order``, ``charge``, ``provider``; returns (queryset, sort, errors)."""
    p = Params(params)
    qs = InvoiceLineItem.objects.filter(invoice=invoice)
    if q := p.text("q", label=_("Search")):
        qs = qs.filter(
            Q(customer_name__icontains=q)
            | Q(customer_domain__icontains=q)
            | Q(product_name__icontains=q)
            | Q(sku_name__icontains=q)
            | Q(order_id__iexact=q)
            | Q(product_id__iexact=q)
        )
    if customer := p.text("customer", label=_("Customer")):
        qs = qs.filter(
            Q(customer_name__icontains=customer) | Q(customer_tenant_id__iexact=customer)
        )
    if product := p.text("product", label=_("Product")):
        qs = qs.filter(Q(product_id__iexact=product) | Q(product_name__icontains=product))
    if order := p.text("order", label=_("Order")):
        qs = qs.filter(order_id__iexact=order)
    if charge := p.text("charge", label=_("Charge type")):
        qs = qs.filter(charge_type__iexact=charge)
    if provider := p.text("provider", label=_("Provider")):
        qs = qs.filter(provider=provider)
    sort = parse_sort(params, LINE_SORTS, "seq")
    return qs.order_by(sort.field, "id"), sort, p.errors


def charge_types(invoice: Invoice) -> list[str]:
    return list(
        InvoiceLineItem.objects.filter(invoice=invoice)
        .values_list("charge_type", flat=True)
        .distinct()
        .order_by("charge_type")
    )


def imports_for(invoice: Invoice) -> dict[tuple[str, str], LineImport]:
    return {(i.provider, i.line_item_type): i for i in invoice.imports.all()}


def statement_for(invoice: Invoice) -> StatementPdf | None:
    return StatementPdf.objects.filter(invoice=invoice).first()


def _latest_note(field: str):
    return Subquery(
        ReconciliationNote.objects.filter(**{field: OuterRef(field)})
        .order_by("-created_at", "-id")
        .values("status")[:1]
    )


def recon_results(invoice: Invoice, *, klass: str = "", q: str = "", sort_params=None):
    """Results of the last run, mismatches first, each with its latest note status."""
    qs = (
        ReconciliationResult.objects.filter(invoice=invoice)
        .select_related("line", "order", "order_line")
        .annotate(
            note_status=Coalesce(_latest_note("line"), _latest_note("order_line")),
        )
    )
    if klass == "mismatch":
        qs = qs.filter(klass__in=[ReconClass.AMOUNT_MISMATCH, ReconClass.QUANTITY_MISMATCH])
    elif klass in ReconClass.values:
        qs = qs.filter(klass=klass)
    if q:
        qs = qs.filter(
            Q(customer_name__icontains=q) | Q(pc_order_id__iexact=q) | Q(product_id__iexact=q)
        )
    if sort_params is not None and sort_params.get("sort"):
        sort = parse_sort(sort_params, RESULT_SORTS, "klass")
        return qs.order_by(sort.field, "id")
    rank = {k: i for i, k in enumerate(RECON_ORDER)}

    return qs.annotate(
        rank=Case(
            *[When(klass=k, then=Value(v)) for k, v in rank.items()],
            output_field=IntegerField(),
        )
    ).order_by("rank", "id")


RECON_ORDER = [
    ReconClass.AMOUNT_MISMATCH,
    ReconClass.QUANTITY_MISMATCH,
    ReconClass.BILLED_NOT_ORDERED,
    ReconClass.ORDERED_NOT_BILLED,
    ReconClass.NOT_COMPARABLE,
    ReconClass.MATCHED,
]


def recon_summary_rows(run) -> list[dict]:
    """The run's totals per class and currency, Decimals restored, mismatches first."""
    if run is None:
        return []
    labels = dict(ReconClass.choices)
    rank = {k: i for i, k in enumerate(RECON_ORDER)}
    rows = []
    for row in run.summary:
        rows.append(
            {
                "klass": row["klass"],
                "label": labels.get(row["klass"], row["klass"]),
                "currency": row["currency"],
                "count": row["count"],
                "expected": None if row["expected"] is None else Decimal(row["expected"]),
                "billed": None if row["billed"] is None else Decimal(row["billed"]),
                "difference": None if row["difference"] is None else Decimal(row["difference"]),
                "mismatch": row["klass"]
                in (ReconClass.AMOUNT_MISMATCH, ReconClass.QUANTITY_MISMATCH),
            }
        )
    rows.sort(key=lambda r: (rank.get(r["klass"], 99), r["currency"]))
    return rows


def recon_counts(run) -> dict[str, int]:
    counts = dict.fromkeys(ReconClass.values, 0)
    for row in run.summary if run else []:
        counts[row["klass"]] = counts.get(row["klass"], 0) + row["count"]
    return counts


def recon_notes(invoice: Invoice):
    return ReconciliationNote.objects.filter(invoice=invoice).select_related("line", "order_line")


def line_notes(line: InvoiceLineItem):
    return ReconciliationNote.objects.filter(line=line)


# -- invoices named by id (the mirror is a cache; see portal.shared.mirror) -----------------------------

INVOICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{3,63}$")


def looks_like_invoice_id(text: str) -> bool:
    """A Partner Center invoice number (``G000024135``, ``D02005YFHI``): letters and digits."""
    return bool(INVOICE_ID.match(text or "")) and any(ch.isdigit() for ch in text)


def unmirrored_invoice_id(text: str) -> str:
    """``text`` when it is an exact invoice id the mirror does not hold (offer to fetch it)."""
    text = (text or "").strip()
    return text if looks_like_invoice_id(text) and get_invoice(text) is None else ""
