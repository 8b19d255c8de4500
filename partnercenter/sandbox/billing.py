"""Billing (partner-center.md §7): invoices built from orders, balance and summaries, one-time
line items (seek-paged, streamed) and statement PDFs (price sheets: ``pricesheets.py``).

The large ``--invoice-lines N`` invoice is never materialised (``generated.py``); every line item
has the JSON shape of ``line_items.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice

from flask import Blueprint, Response, jsonify, stream_with_context

from partnercenter.sandbox import catalog, generated, page_cache, speed
from partnercenter.sandbox.auth import user_only
from partnercenter.sandbox.common import (
    arg,
    bad_request,
    collection,
    iso,
    iso_day,
    link,
    norm,
    not_found,
    page_size,
    read_seek_token,
    seek_next_link,
    seek_token,
    stable_uuid,
)
from partnercenter.sandbox.line_items import (
    CENT,
    TERM_TEXT,
    amounts,
    base_line,
    month_start,
)
from partnercenter.sandbox.markets import currency_symbol, market
from partnercenter.sandbox.orders import RESERVATION, order_status
from partnercenter.sandbox.pdf import statement_pdf
from partnercenter.sandbox.state import sandbox

bp = Blueprint("billing", __name__)

PAGE = 2000


def unit_price(sku: dict, country: str) -> Decimal:
    """Partner price of one unit in the market's currency (the price sheet shows the same)."""
    return (Decimal(sku["_price"]) * market(country).usd_rate).quantize(CENT)


def order_line_item(invoice_id: str, customer: dict, order: dict, line: dict, adjust: dict) -> dict:
    """The invoice line billing one order line (``adjust``: unit_price_factor / quantity_delta)."""
    m = market(customer["country"])
    sku = catalog.get_sku(line["_productId"], line["_skuId"]) if line.get("_productId") else None
    product = catalog.get_product(line["_productId"]) if line.get("_productId") else None
    unit = (Decimal(line["_price"]) * m.usd_rate).quantize(CENT)
    unit = (unit * Decimal(str(adjust.get("unit_price_factor", 1)))).quantize(CENT)
    quantity = line["quantity"] + int(adjust.get("quantity_delta", 0))
    is_ri = line["_kind"] in RESERVATION
    start = order["creationDate"]
    term = line.get("termDuration") or ""
    years = {"P1Y": 1, "P3Y": 3}.get(term.upper(), 0)
    out = base_line(invoice_id, customer, m.currency)
    out.update({
        "orderId": order["id"], "orderDate": iso(order["creationDate"]),
        "productId": line.get("_productId") or line["offerId"], "skuId": line.get("_skuId") or "",
        "availabilityId": line["offerId"].split(":")[-1],
        "productName": product["title"] if product else line["friendlyName"],
        "skuName": sku["title"] if sku else line["friendlyName"],
        "subscriptionId": line.get("subscriptionId") or stable_uuid("subscription", order["id"], line["lineItemNumber"]),
        "subscriptionStartDate": iso_day(start),
        "subscriptionEndDate": iso_day(start + years * 365 * 86400) if years else iso_day(start + 30 * 86400),
        "chargeStartDate": iso_day(start), "chargeEndDate": iso_day(start + 30 * 86400),
        "termAndBillingCycle": TERM_TEXT.get(term.upper(), "One-Time Purchase"),
        "alternateId": order["alternateId"], "referenceId": stable_uuid("reference", order["id"], line["lineItemNumber"]),
        "pricingCurrency": "USD" if is_ri else m.currency,
        "pcToBCExchangeRate": str(m.usd_rate) if is_ri else "1",
        "pcToBCExchangeRateDate": month_start(start),
        "billingFrequency": "" if order["billingCycle"] == "one_time" else order["billingCycle"].title(),
        "reservationOrderId": stable_uuid("ri-order", order["id"], line["lineItemNumber"]) if is_ri else "",
    })  # fmt: skip
    out.update(amounts(unit, quantity, m.tax_rate))
    return out


def _invoice_number(store) -> str:
    n = int(store.meta("invoice_counter", 773581)) + 1
    store.set_meta("invoice_counter", n)
    return f"G{n:09d}"


def bill_orders(
    *,
    currency=None,
    customer_id=None,
    adjust=None,
    extra_lines=0,
    exclude=(),
    paid=False,
    invoice_date=None,
) -> list[dict]:
    """Bill completed, not yet invoiced orders: one new one-time invoice per billing currency."""
    sb = sandbox()
    adjust = {k.lower(): v for k, v in (adjust or {}).items()}
    exclude = {e.lower() for e in exclude}
    customers = {c["id"]: c for c in sb.store.list("customer")}
    by_currency = _billable(sb.store, currency, customer_id, exclude)
    if extra_lines and not by_currency:
        # Nothing the portal ordered is left to bill: the invoice holds only the extra lines.
        by_currency[(currency or "USD").upper()] = []
    invoices = []
    now = invoice_date or sb.now()
    with sb.store.transaction():
        for ccy, orders in sorted(by_currency.items()):
            invoice_id = _invoice_number(sb.store)
            lines = []
            for order in orders:
                customer = customers[order["referenceCustomerId"]]
                for line in order["lineItems"]:
                    key = f"{order['id']}:{line['lineItemNumber']}".lower()
                    adj = adjust.get(key) or adjust.get(order["id"].lower()) or {}
                    lines.append(order_line_item(invoice_id, customer, order, line, adj))
                order["_invoiced"] = invoice_id
                sb.store.put("order", order["id"], order)
            template = next(
                (
                    c
                    for c in customers.values()
                    if market(c["country"]).currency == ccy
                    and (not customer_id or c["id"].lower() == customer_id.lower())
                ),
                None,
            ) or next((c for c in customers.values() if market(c["country"]).currency == ccy), None)
            if template is None:
                raise bad_request(
                    800002, f"Invalid request input: no customer bills in {ccy} for extra lines."
                )
            lines += [_extra_line(invoice_id, template, i, now) for i in range(extra_lines)]
            invoice = new_invoice(invoice_id, ccy, now, lines, paid=paid)
            sb.store.put("invoice", invoice_id, invoice, created=now)
            invoices.append(invoice)
    return invoices


def _billable(store, currency, customer_id, exclude: set[str]) -> dict[str, list]:
    """Completed orders not yet invoiced (of the customer and currency when given), by currency."""
    by_currency: dict[str, list] = {}
    for order in store.list("order"):
        if (
            order["_invoiced"]
            or order["id"].lower() in exclude
            or order_status(order) != "completed"
        ):
            continue
        if customer_id and order["referenceCustomerId"].lower() != customer_id.lower():
            continue
        if currency and order["currencyCode"] != currency.upper():
            continue
        by_currency.setdefault(order["currencyCode"], []).append(order)
    return by_currency


def _extra_line(invoice_id: str, customer: dict, i: int, now: float) -> dict:
    """A line for a purchase the portal never made (e.g. bought in the Partner Center UI)."""
    m = market(customer["country"])
    order_id = stable_uuid("external", invoice_id, i).replace("-", "")[:32] + "1"
    out = base_line(invoice_id, customer, m.currency)
    out.update({
        "orderId": order_id, "orderDate": iso(now - 86400), "productId": "DG7GMGF0DWTK", "skuId": "0001",
        "availabilityId": "DG7GMGF0DXX1", "productName": "Windows Server 2019 Datacenter",
        "skuName": "Windows Server 2019 Datacenter - 16 Core License",
        "subscriptionId": stable_uuid("external-sub", invoice_id, i),
        "subscriptionStartDate": iso_day(now - 86400), "subscriptionEndDate": iso_day(now - 86400),
        "chargeStartDate": iso_day(now - 86400), "chargeEndDate": iso_day(now - 86400),
        "termAndBillingCycle": "One-Time Purchase", "alternateId": order_id[:12].lower(),
        "referenceId": stable_uuid("external-ref", invoice_id, i), "pricingCurrency": m.currency,
        "pcToBCExchangeRate": "1", "pcToBCExchangeRateDate": month_start(now), "billingFrequency": "",
        "reservationOrderId": "",
    })  # fmt: skip
    out.update(amounts((Decimal("6155.00") * m.usd_rate).quantize(CENT), 1 + i % 3, m.tax_rate))
    return out


def new_invoice(
    invoice_id, currency, when, lines, *, paid=False, invoice_type="OneTime", total=None
) -> dict:
    if total is None:
        total = sum((Decimal(x["totalForCustomer"]) for x in lines), Decimal(0))
    first = datetime.fromtimestamp(when, UTC).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    return {
        "id": invoice_id, "invoiceDate": when, "periodStart": first.timestamp(), "periodEnd": when,
        "currencyCode": currency, "invoiceType": invoice_type, "totalCharges": str(total),
        "paidAmount": str(-total if paid else Decimal(0)), "paidDate": when + 86400 if paid else None,
        "lines": lines, "generated": 0,
    }  # fmt: skip


def ensure_generated_invoice(n: int, when: float) -> None:
    """Create the generated invoices of ``n`` lines (``generated.py``; ``invoice_count`` of them:
    ``G9`` + n, ``G8`` + n, ...) unless the store has them.

    Their totals are summed on first use (``invoice_total``), not here: start-up stays quick."""
    sb = sandbox()
    when = float(int(when))  # whole seconds, so the lines do not depend on a fraction
    for k in range(max(1, min(9, sb.settings.invoice_count))):
        invoice_id = f"G{9 - k}{n:08d}"
        if n <= 0 or sb.store.get("invoice", invoice_id):
            continue
        invoice = new_invoice(invoice_id, "USD", when, [], total=Decimal(0))
        invoice["generated"] = n
        sb.store.put("invoice", invoice_id, invoice, created=when)


def invoice_total(inv: dict) -> Decimal:
    """An invoice's total charges (a generated invoice's: the sum of its lines)."""
    if inv["generated"]:
        return generated.total(inv["id"], inv["generated"], inv["invoiceDate"])
    return Decimal(inv["totalCharges"])


# -- rendering and routes ------------------------------------------------------------------------
def _plain_id(invoice_id: str) -> str:
    return re.sub(r"^(onetime|recurring)-", "", invoice_id, flags=re.IGNORECASE)


def invoice_or_404(invoice_id: str) -> dict:
    invoice = sandbox().store.get_ci("invoice", _plain_id(invoice_id))
    if not invoice:
        raise not_found(1000, f"Invoice {invoice_id} was not found.")
    return invoice


def render_invoice(inv: dict) -> dict:
    iid, kind = inv["id"], inv["invoiceType"]
    if kind == "OneTime":
        details = [{
            "invoiceLineItemType": "billing_line_items", "billingProvider": "one_time",
            "links": {"self": link(f"/invoices/OneTime-{iid}/lineitems/OneTime/BillingLineItems")},
            "attributes": {"objectType": "InvoiceDetail"},
        }]  # fmt: skip
    else:
        details = [
            {"invoiceLineItemType": t, "billingProvider": p,
             "links": {"self": link(f"/invoices/Recurring-{iid}/lineitems/{p.title()}/{t.title().replace('_', '')}")},
             "attributes": {"objectType": "InvoiceDetail"}}
            for p, t in (("office", "billing_line_items"), ("azure", "billing_line_items"),
                         ("azure", "usage_line_items"))
        ]  # fmt: skip
    return {
        "id": iid, "invoiceDate": iso(inv["invoiceDate"]),
        "billingPeriodStartDate": iso(inv["periodStart"]), "billingPeriodEndDate": iso(inv["periodEnd"]),
        "totalCharges": float(invoice_total(inv)), "paidAmount": float(Decimal(inv["paidAmount"])),
        "currencyCode": inv["currencyCode"], "currencySymbol": currency_symbol(inv["currencyCode"]),
        "pdfDownloadLink": f"/invoices/{iid}/documents/statement", "taxReceipts": [],
        "invoiceDetails": details, "amendments": [], "documentType": "invoice", "invoiceType": kind,
        "links": {"self": link(f"/invoices/{kind}-{iid}")}, "attributes": {"objectType": "Invoice"},
    }  # fmt: skip


def _matches(filter_: dict, inv: dict) -> bool:
    f = {k.lower(): v for k, v in filter_.items()}
    if "leftfilter" in f:
        left, right = _matches(f["leftfilter"], inv), _matches(f["rightfilter"], inv)
        return left and right if norm(f.get("operator")) == "and" else left or right
    if norm(f.get("field")) != "invoicedate":
        raise bad_request(800002, "Invalid request input: only InvoiceDate can be filtered.")
    value = datetime.fromisoformat(str(f.get("value"))[:10]).replace(tzinfo=UTC).timestamp()
    day = (
        datetime.fromtimestamp(inv["invoiceDate"], UTC)
        .replace(hour=0, minute=0, second=0, microsecond=0)
        .timestamp()
    )
    ops = {"equals": day == value, "notequals": day != value, "greaterthan": day > value,
           "greaterthanorequals": day >= value, "lessthan": day < value, "lessthanorequals": day <= value}  # fmt: skip
    return ops.get(norm(f.get("operator")), False)


@bp.get("/v1/invoices")
def invoices_list():
    sb = sandbox()
    invoices = sorted(sb.store.list("invoice"), key=lambda i: (-i["invoiceDate"], i["id"]))
    raw_filter = arg("filter")
    if raw_filter:
        try:
            parsed = json.loads(raw_filter)
        except ValueError as exc:
            raise bad_request(800002, "Invalid request input: filter is not JSON.") from exc
        invoices = [i for i in invoices if _matches(parsed, i)]
    size = page_size(200, 1000)
    offset = int(arg("offset", "0") or 0)
    page = invoices[offset : offset + size]
    extra = {}
    if offset + size < len(invoices):
        extra["next"] = link(f"/invoices?size={size}&offset={offset + size}")
    return jsonify(
        collection(
            [render_invoice(i) for i in page], f"/invoices?size={size}&offset={offset}", **extra
        )
    )


@bp.get("/v1/invoices/<invoice_id>")
@user_only
def invoice_get(invoice_id):
    return jsonify(render_invoice(invoice_or_404(invoice_id)))


def _summary(currency: str, invoices: list[dict], now: float, nested=False) -> dict:
    def part(items):
        balance = sum((invoice_total(i) + Decimal(i["paidAmount"]) for i in items), Decimal(0))
        paid = [i for i in items if i["paidDate"]]
        last = max(paid, key=lambda i: i["paidDate"]) if paid else None
        return {
            "balanceAmount": float(balance), "currencyCode": currency, "currencySymbol": currency_symbol(currency),
            "accountingDate": iso_day(now) if items else "0001-01-01T00:00:00",
            "firstInvoiceCreationDate": iso(min(i["invoiceDate"] for i in items)) if items else iso(None),
            "lastPaymentDate": iso(last["paidDate"]) if last else iso(None),
            "lastPaymentAmount": float(-Decimal(last["paidAmount"])) if last else 0,
            "latestInvoiceDate": iso(max(i["invoiceDate"] for i in items)) if items else iso(None),
            "attributes": {"objectType": "InvoiceSummary"},
        }  # fmt: skip

    out = part(invoices)
    out.pop("attributes")
    out["details"] = [
        {"invoiceType": kind, "summary": part([i for i in invoices if i["invoiceType"] == kind])}
        for kind in ("Recurring", "OneTime")
    ]
    out["links"] = {"self": link("/invoices/summary")}
    out["attributes"] = {"objectType": "InvoiceSummary"}
    return out


@bp.get("/v1/invoices/summary")
def balance():
    sb = sandbox()
    usd = [i for i in sb.store.list("invoice") if i["currencyCode"] == "USD"]
    return jsonify(_summary("USD", usd, sb.now()))


@bp.get("/v1/invoices/summaries")
@user_only
def summaries():
    sb = sandbox()
    invoices = sb.store.list("invoice")
    currencies = sorted({i["currencyCode"] for i in invoices})
    items = [
        _summary(c, [i for i in invoices if i["currencyCode"] == c], sb.now()) for c in currencies
    ]
    return jsonify(collection(items, "/invoices/summaries"))


@bp.get("/v1/invoices/<invoice_id>/lineitems")
def line_items_query(invoice_id):
    return _line_items(invoice_id, arg("provider", ""), arg("invoicelineitemtype", ""))


@bp.get("/v1/invoices/<invoice_id>/lineitems/<provider>/<line_type>")
def line_items_path(invoice_id, provider, line_type):
    return _line_items(invoice_id, provider, line_type)


def _line_items(invoice_id: str, provider: str, line_type: str):
    provider, line_type = norm(provider), norm(line_type)
    if provider not in ("onetime", "office", "azure", "all", "marketplace"):
        raise bad_request(800002, f"Invalid request input: unknown provider '{provider}'.")
    if line_type not in ("billinglineitems", "usagelineitems"):
        raise bad_request(
            800002, f"Invalid request input: unknown invoicelineitemtype '{line_type}'."
        )
    if invoice_id.lower() == "unbilled":
        return _unbilled(provider, line_type)
    invoice = invoice_or_404(invoice_id)
    base = (
        f"/invoices/{invoice['id']}/lineitems?provider={provider}&invoicelineitemtype={line_type}"
    )
    if provider in ("office", "azure"):  # legacy index paging; not emulated beyond an empty page
        size = page_size(PAGE, PAGE)
        return jsonify(collection([], f"{base}&size={size}&offset={arg('offset', '0')}"))
    if (
        provider == "onetime"
        and line_type == "billinglineitems"
        and invoice["invoiceType"] == "OneTime"
    ):
        total = invoice["generated"] or len(invoice["lines"])
    else:
        total = 0  # usage lines and other providers: an empty seek page
    return _seek_page(
        f"lineitems:{invoice['id']}:{provider}:{line_type}", base, total,
        lambda offset, count: _invoice_lines(invoice, offset, count),
        cache=bool(invoice["generated"]),  # generated invoices never change: pages can be kept
    )  # fmt: skip


def _invoice_lines(invoice: dict, offset: int, count: int) -> Iterator[dict]:
    if invoice["generated"]:
        return generated.lines(invoice, offset, count)
    return iter(invoice["lines"][offset : offset + count])


def _seek_page(scope: str, base: str, total: int, source, *, cache: bool = False) -> Response:
    """One seek page of ``source(offset, count)``'s items, streamed; ``cache``: the page never
    changes, so with the ``page_cache`` setting its bytes are stored and served again as they are."""
    size = page_size(PAGE, PAGE)
    offset = read_seek_token(scope)
    count = max(0, min(size, total - offset))
    self_uri = f"{base}&size={size}"
    token = seek_token(scope, offset + count) if offset + count < total else None

    def body() -> Iterator[str]:
        # About 250 lines (~450 KB) per write: few syscalls, bounded memory.
        items = source(offset, count)
        yield f'{{"totalCount":{count},"items":['
        first = True
        while True:
            chunk = [speed.encode_json(item) for item in islice(items, 250)]
            if not chunk:
                break
            yield ("" if first else ",") + ",".join(chunk)
            first = False
        links = {"self": link(self_uri)}
        if token:
            links["next"] = seek_next_link(self_uri, token)
        tail = {"links": links, "attributes": {"objectType": "Collection"}}
        if token:
            tail["continuationToken"] = token
        yield "], " + json.dumps(tail)[1:]

    directory = sandbox().settings.page_cache
    if cache and directory:
        key = f"{scope}|{offset}|{count}|{self_uri}|{token}"
        return Response(
            page_cache.cached(directory, key, stream_with_context(body())),
            mimetype="application/json",
        )
    return Response(stream_with_context(body()), mimetype="application/json")


def _unbilled(provider: str, line_type: str):
    sb = sandbox()
    currency = (arg("currencycode") or "").upper()
    period = norm(arg("period"))
    if not currency or period not in ("current", "previous"):
        raise bad_request(
            800002,
            "Invalid request input: currencycode and period (current|previous) are required.",
        )
    customers = {c["id"]: c for c in sb.store.list("customer")}
    lines = []
    if provider in ("onetime", "all") and line_type == "billinglineitems" and period == "current":
        for order in sb.store.list("order"):
            if (
                order["_invoiced"]
                or order["currencyCode"] != currency
                or order_status(order) != "completed"
            ):
                continue
            for line in order["lineItems"]:
                lines.append(
                    order_line_item("", customers[order["referenceCustomerId"]], order, line, {})
                )
    base = f"/invoices/unbilled/lineitems?provider={provider}&invoicelineitemtype={line_type}&currencycode={currency}&period={period}"
    return _seek_page(f"unbilled:{currency}:{period}:{provider}", base, len(lines),
                      lambda offset, count: iter(lines[offset : offset + count]))  # fmt: skip


@bp.get("/v1/invoices/<invoice_id>/documents/statement")
@user_only
def statement(invoice_id):
    invoice = invoice_or_404(invoice_id)
    pdf = statement_pdf(
        dict(invoice, totalCharges=str(invoice_total(invoice))), sandbox().settings.tenant_id
    )
    resp = Response(pdf, mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f"attachment; filename=Invoice_{invoice['id']}.pdf"
    return resp
