"""CSV exports: headers in the reader's language (as the page shows them), cells plain."""

import csv
import io

import pytest

pytestmark = pytest.mark.django_db


def _rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    ("accept", "first", "total"), [("en", "Invoice", "Total"), ("zh-TW", "發票", "總計")]
)
def test_invoice_csv_headers_follow_the_language(finance_client, accept, first, total):
    response = finance_client.get("/billing/invoices/?format=csv", HTTP_ACCEPT_LANGUAGE=accept)
    header = _rows(response)[0]
    assert header[0] == first
    assert total in header


def test_orders_csv_headers_in_chinese_and_plain_english_without(sales_client):
    zh = _rows(sales_client.get("/orders/?format=csv", HTTP_ACCEPT_LANGUAGE="zh-TW"))[0]
    en = _rows(sales_client.get("/orders/?format=csv", HTTP_ACCEPT_LANGUAGE="en"))[0]
    assert en[0] == "order id"
    assert zh[0] == "訂單識別碼"
    assert len(zh) == len(en)
