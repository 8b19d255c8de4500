"""Invoices billed from orders, balance and summaries, line items, statement PDF, price sheets,
and the generated large invoice streamed page by page."""

from __future__ import annotations

import csv
import io
import time
from decimal import Decimal

import pytest

from partnercenter.sandbox.testing import SandboxServer
from tests.partnercenter.conftest import Api, first_availability, seeded_ids

customer_id, subscription_id = seeded_ids()
NORTHWIND = customer_id("northwind")


def buy_software(api, customer, country, quantity=3):
    avail = first_availability(api, "DG7GMGF0DWTL", "0001", country)
    line = {
        "catalogItemId": avail["catalogItemId"],
        "quantity": quantity,
        "billingCycle": "one_time",
    }
    cart = api.post(f"/v1/customers/{customer}/carts", json={"lineItems": [line]}).json()
    result = api.post(f"/v1/customers/{customer}/carts/{cart['id']}/checkout").json()
    return result["orders"][0]


def all_lines(api, link_uri):
    items, uri, headers = [], f"/v1{link_uri}", {}
    while True:
        page = api.get(uri, headers=headers).json()
        items += page["items"]
        nxt = page["links"].get("next")
        if not nxt:
            return items
        uri = f"/v1{nxt['uri']}"
        headers = {h["key"]: h["value"] for h in nxt["headers"]}


def test_invoice_lines_match_orders_with_tax_and_currency(api, sb):
    order = buy_software(api, NORTHWIND, "GB", quantity=3)
    assert sb.generate_invoice() == []  # pending orders are not billed yet
    api.advance_clock(31)
    (invoice,) = sb.generate_invoice()
    assert invoice["currencyCode"] == "GBP" and invoice["invoiceType"] == "OneTime"
    got = api.get(f"/v1/invoices/{invoice['id']}", user=True).json()
    assert got["id"] == invoice["id"] and got["documentType"] == "invoice"
    detail = got["invoiceDetails"][0]
    assert (detail["billingProvider"], detail["invoiceLineItemType"]) == (
        "one_time",
        "billing_line_items",
    )
    lines = all_lines(api, detail["links"]["self"]["uri"])
    assert [x["orderId"] for x in lines] == [order["id"]]
    line = lines[0]
    assert (
        line["attributes"] == {"objectType": "OneTimeInvoiceLineItem"}
        and line["billingProvider"] == "one_time"
    )
    assert line["currency"] == "GBP" and line["customerCountry"] == "GB" and line["quantity"] == "3"
    unit, subtotal, tax = (
        Decimal(line["unitPrice"]),
        Decimal(line["subtotal"]),
        Decimal(line["taxTotal"]),
    )
    assert subtotal == unit * 3 and tax == (subtotal * Decimal("0.20")).quantize(Decimal("0.01"))
    assert (
        Decimal(line["totalForCustomer"]) == subtotal + tax == Decimal(str(invoice["totalCharges"]))
    )
    query = api.get(f"/v1/invoices/{invoice['id']}/lineitems",
                    params={"provider": "OneTime", "invoicelineitemtype": "BillingLineItems", "size": 2000}).json()  # fmt: skip
    assert query["items"] == lines and "continuationToken" not in query
    assert sb.generate_invoice() == []  # nothing left to bill


def test_invoice_perturbations_and_extra_lines(api, sb):
    order = buy_software(api, customer_id("wingtip"), "DE", quantity=2)
    api.advance_clock(31)
    (invoice,) = sb.generate_invoice(
        adjust={order["id"]: {"unit_price_factor": 1.1, "quantity_delta": 1}}, extra_lines=2
    )
    lines = all_lines(api, invoice["invoiceDetails"][0]["links"]["self"]["uri"])
    assert len(lines) == 3
    mine = next(x for x in lines if x["orderId"] == order["id"])
    assert mine["quantity"] == "3"
    others = [x for x in lines if x["orderId"] != order["id"]]
    assert len(others) == 2 and all(x["currency"] == "EUR" for x in others)


def test_extra_lines_make_an_invoice_without_orders_to_bill(api, sb):
    assert sb.generate_invoice() == []  # nothing ordered, nothing to bill
    (invoice,) = sb.generate_invoice(extra_lines=3)
    assert invoice["currencyCode"] == "USD"
    lines = all_lines(api, invoice["invoiceDetails"][0]["links"]["self"]["uri"])
    assert len(lines) == 3 and all(x["currency"] == "USD" for x in lines)
    assert Decimal(str(invoice["totalCharges"])) == sum(
        (Decimal(x["totalForCustomer"]) for x in lines), Decimal(0)
    )
    (eur,) = sb.generate_invoice(extra_lines=1, currency="EUR")
    assert eur["currencyCode"] == "EUR"


def test_reset_restores_run_time_settings(sb):
    from partnercenter.sandbox.seed import default_restrictions

    sb.configure(inventory_restrictions=[], access_token_lifetime=60)
    sb.reset()
    config = sb.config()
    assert config["inventory_restrictions"] == default_restrictions()
    assert config["access_token_lifetime"] == 3600
    assert config["log_requests"] is False  # a start-up override stays


def test_balance_and_summaries(api, sb):
    summary = api.get("/v1/invoices/summary").json()
    assert summary["currencyCode"] == "USD" and [d["invoiceType"] for d in summary["details"]] == [
        "Recurring",
        "OneTime",
    ]
    assert summary["balanceAmount"] == sum(
        d["summary"]["balanceAmount"] for d in summary["details"]
    )
    before = Decimal(str(summary["balanceAmount"]))
    buy_software(api, customer_id("contoso"), "US", quantity=1)
    api.advance_clock(31)
    (invoice,) = sb.generate_invoice(currency="USD")
    after = Decimal(str(api.get("/v1/invoices/summary").json()["balanceAmount"]))
    assert after - before == Decimal(str(invoice["totalCharges"]))
    summaries = api.get("/v1/invoices/summaries", user=True).json()
    assert {s["currencyCode"] for s in summaries["items"]} >= {"USD", "GBP", "EUR"}


def test_invoice_collection_paging_and_filter(api):
    first = api.get("/v1/invoices", params={"size": 2}).json()
    assert first["totalCount"] == 2 and first["links"]["next"]["uri"] == "/invoices?size=2&offset=2"
    rest = api.get(f"/v1{first['links']['next']['uri']}").json()
    ids = [i["id"] for i in first["items"] + rest["items"]]
    assert len(ids) == len(set(ids)) >= 4 and "D02005YFHI" in ids
    recent = api.get(
        "/v1/invoices",
        params={"filter": '{"Field":"InvoiceDate","Value":"2999-01-01","Operator":"greater_than"}'},
    )
    assert recent.json()["items"] == []
    assert api.get("/v1/invoices/NOPE", user=True).status_code == 404


def test_statement_pdf(api):
    resp = api.get(
        "/v1/invoices/OneTime-G000773582/documents/statement",
        user=True,
        headers={"Accept": "application/pdf"},
    )
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"] == "attachment; filename=Invoice_G000773582.pdf"
    assert resp.content.startswith(b"%PDF-1.4") and resp.content.rstrip().endswith(b"%%EOF")
    assert b"G000773582" in resp.content


def test_price_sheet_matches_invoice_prices(api, sb):
    path = "/v1.0/sales/pricesheets(Market='GB',PricesheetView='software')/$value"
    resp = api.get(path, user=True, params={"timeline": "current"})
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.text.startswith('"ProductTitle","ProductId","SkuId"')
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    row = next(r for r in rows if (r["ProductId"], r["SkuId"]) == ("DG7GMGF0DWTL", "0001"))
    assert row["Currency"] == "GBP" and row["BillingPlan"] == "OneTime" and row["Market"] == "GB"
    assert row["EffectiveEndDate"] == "11/30/9999 11:59:59 PM"
    buy_software(api, NORTHWIND, "GB", quantity=1)
    api.advance_clock(31)
    (invoice,) = sb.generate_invoice()
    line = all_lines(api, invoice["invoiceDetails"][0]["links"]["self"]["uri"])[0]
    assert Decimal(line["unitPrice"]) == Decimal(row["UnitPrice"])
    ri = api.get("/v1.0/sales/pricesheets(Market='US',PricesheetView='azure_reservations')/$value",
                 user=True, params={"timeline": "history", "month": "202401"})  # fmt: skip
    ri_rows = list(csv.DictReader(io.StringIO(ri.text)))
    assert ri_rows and all(r["Tags"] == "Azure;Reservation" for r in ri_rows)
    assert ri_rows[0]["EffectiveStartDate"] == "1/1/2024 12:00:00 AM"
    bad = api.get(path, user=True, params={"timeline": "history", "month": "2024"})
    assert bad.status_code == 400 and bad.json()["code"] == 800002


# -- the generated invoice --------------------------------------------------------------------------
LINES = 1_000_000


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    started = time.monotonic()
    with SandboxServer(
        tmp_path_factory.mktemp("big"), invoice_lines=LINES, log_requests=False
    ) as server:
        server.startup_seconds = time.monotonic() - started
        yield server


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:"))


def test_generated_invoice_is_streamed_in_pages(big):
    api = Api(big)
    assert big.startup_seconds < 15  # the million lines are never materialised
    invoice_id = f"G9{LINES:08d}"
    invoice = api.get(f"/v1/invoices/{invoice_id}", user=True).json()
    uri = f"/v1/invoices/{invoice_id}/lineitems?provider=onetime&invoicelineitemtype=billinglineitems&size=2000"
    first = api.get(uri).json()
    assert first["totalCount"] == 2000 and first["continuationToken"]
    assert api.get(uri).json() == first  # deterministic
    headers = {h["key"]: h["value"] for h in first["links"]["next"]["headers"]}
    baseline = rss_kib(big.process.pid)
    seen = {x["referenceId"] for x in first["items"]}
    page = first
    for _ in range(15):
        nxt = page["links"]["next"]
        headers = {h["key"]: h["value"] for h in nxt["headers"]}
        page = api.get(f"/v1{nxt['uri']}", headers=headers).json()
        assert page["totalCount"] == 2000
        seen |= {x["referenceId"] for x in page["items"]}
    assert len(seen) == 16 * 2000
    assert rss_kib(big.process.pid) - baseline < 40_000  # pages are produced and dropped, not kept
    total = Decimal(str(invoice["totalCharges"]))
    assert total > 0 and invoice["currencyCode"] == "USD"
