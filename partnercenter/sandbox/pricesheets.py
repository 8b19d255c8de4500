"""Price sheets: the market's prices by view as streamed CSV (current month or a past one)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

from flask import Blueprint, Response, stream_with_context

from partnercenter.sandbox import catalog
from partnercenter.sandbox.auth import user_only
from partnercenter.sandbox.billing import unit_price
from partnercenter.sandbox.common import arg, bad_request, norm, not_found
from partnercenter.sandbox.line_items import CENT
from partnercenter.sandbox.markets import market
from partnercenter.sandbox.orders import RESERVATION
from partnercenter.sandbox.state import sandbox

bp = Blueprint("pricesheets", __name__)


PRICE_SHEET_COLUMNS = [
    "ProductTitle", "ProductId", "SkuId", "SkuTitle", "Publisher", "SkuDescription", "UnitOfMeasure",
    "TermDuration", "BillingPlan", "Market", "Currency", "UnitPrice", "PricingTierRangeMin",
    "PricingTierRangeMax", "EffectiveStartDate", "EffectiveEndDate", "Tags", "ERP Price",
]  # fmt: skip


VIEW_KINDS = {
    "azurereservations": RESERVATION,
    "updatedlicensebased": {"nce"},
    "software": {"perpetual", "softsub", "suse"},
    "azureconsumption": set(),
    "marketplace": set(),
}


PRICE_SHEET_PATH = re.compile(
    r"^pricesheets\(Market='([A-Za-z]{2})',PricesheetView='([^']+)'\)/\$value$"
)


def _us_date(dt: datetime) -> str:
    hour = dt.hour % 12 or 12
    return f"{dt.month}/{dt.day}/{dt.year} {hour}:{dt.minute:02d}:{dt.second:02d} {'AM' if dt.hour < 12 else 'PM'}"


@bp.get("/v1.0/sales/<path:spec>")
@user_only
def price_sheet(spec):
    match = PRICE_SHEET_PATH.match(spec)
    if not match:
        raise not_found(1000, f"Resource 'sales/{spec}' was not found.")
    country, view = match.group(1).upper(), match.group(2)
    kinds = VIEW_KINDS.get(norm(view))
    if kinds is None:
        raise bad_request(800002, f"Invalid request input: unknown PricesheetView '{view}'.")
    timeline = norm(arg("timeline", "current"))
    now = datetime.fromtimestamp(sandbox().now(), UTC)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if timeline == "history":
        month = arg("month") or ""
        if not re.fullmatch(r"\d{6}", month):
            raise bad_request(
                800002, "Invalid request input: month must be YYYYMM for timeline=history."
            )
        start = datetime(int(month[:4]), int(month[4:]), 1, tzinfo=UTC)
    elif timeline != "current":
        raise bad_request(800002, f"Invalid request input: unknown timeline '{arg('timeline')}'.")
    currency = market(country).currency

    def rows() -> Iterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(PRICE_SHEET_COLUMNS)
        n = 0
        for product, sku in catalog.all_skus():
            if product["_kind"] not in kinds or not catalog.offered_in(product["_kind"], country):
                continue
            writer.writerows(_price_rows(product, sku, country, currency, start))
            n += 1
            if n % 500 == 0:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()

    resp = Response(stream_with_context(rows()), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = "attachment; filename=pricesheet.csv"
    return resp


def _price_rows(product, sku, country, currency, start) -> list[list[str]]:
    price = unit_price(sku, country)
    erp = (price * Decimal("1.15")).quantize(CENT)
    kind = product["_kind"]
    if kind == "nce":
        plans = [
            ("P1M", "Monthly", price),
            ("P1Y", "Annual", (price * 12 * Decimal("0.95")).quantize(CENT)),
        ]
    else:
        terms = [t["duration"] for t in sku["_terms"]] or [""]
        plans = [(t, "OneTime", price) for t in terms]
    tags = (
        "Azure;Reservation" if kind in RESERVATION else "License" if kind == "nce" else "Software"
    )
    unit = "1 Hour" if kind in RESERVATION else "1 License"
    out = []
    for term, plan, amount in plans:
        out.append([product["title"], product["id"], sku["id"], sku["title"], product["publisherName"],
                    sku["description"], unit, term, plan, country, currency, str(amount), "", "",
                    _us_date(start), "11/30/9999 11:59:59 PM", tags,
                    str((amount * Decimal("1.15")).quantize(CENT)) if amount != price else str(erp)])  # fmt: skip
    return out
