"""Every CSV export neutralises cells a spreadsheet would run as a formula (text starting with
=, +, -, @, tab or carriage return gets a leading apostrophe) through ``portal.shared.tables.csv_response``.
Names come from Partner Center, so the world's names are made hostile."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client

from portal.shared.tables import csv_cell

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pc_unreachable")]

EVIL = ["=HYPERLINK(\"https://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3",
        "@SUM(1+1)", "\t=1", "\r=1"]  # fmt: skip
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def test_csv_cell():
    for value in EVIL:
        assert csv_cell(value) == "'" + value
    assert csv_cell("-5.00") == "-5.00" and csv_cell(-5) == -5 and csv_cell(None) == ""
    assert csv_cell("Contoso = Ltd") == "Contoso = Ltd"


@pytest.fixture
def hostile(world):
    from portal.shared.audit import audit_record

    a = world["a"]
    a.company_name = EVIL[0]
    a.domain = EVIL[3]
    a.save()
    world["product"].title = EVIL[1]
    world["product"].save()
    world["sku"].title = EVIL[2]
    world["sku"].save()
    line = world["inv_line"]
    line.customer_name, line.product_name, line.sku_name = EVIL[4], EVIL[5], EVIL[0]
    line.save()
    order_line = world["order"].lines.first()
    order_line.friendly_name = EVIL[3]
    order_line.save()
    world["registration"].last_error = EVIL[1]
    world["registration"].save()
    audit_record(actor=world["users"]["admin"], action="x.y", customer=a, summary=EVIL[0])
    result = world["result"]
    result.customer_name, result.description = EVIL[0], EVIL[2]
    result.save()
    return world


def _exports(w):
    inv = w["invoice"].invoice_id
    return [
        ("admin", "/audit/?format=csv"),
        ("sales", "/customers/?format=csv"),
        ("sales", "/customers/registrations/?format=csv"),
        ("sales", "/orders/?format=csv"),
        ("sales", "/entitlements/?format=csv"),
        ("sales", "/catalog/?format=csv&unavailable=on"),
        ("finance", "/billing/invoices/?format=csv"),
        ("finance", "/billing/reconciliation/?format=csv"),
        ("finance", f"/billing/invoices/{inv}/lines.csv"),
        ("finance", f"/billing/invoices/{inv}/reconciliation.csv"),
    ]


def test_every_export_neutralises_formulas(hostile):
    seen_evil = 0
    for role, url in _exports(hostile):
        client = Client()
        client.force_login(hostile["users"][role])
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/csv"), url
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        for row in csv.reader(io.StringIO(body)):
            for cell in row:
                if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                    assert PLAIN_NUMBER.match(cell), f"{url}: formula cell {cell!r}"
                if cell.startswith("'") and cell[1:] in EVIL:
                    seen_evil += 1
    assert seen_evil >= 8  # the hostile names did reach the exports
