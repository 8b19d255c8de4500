"""The sales dashboard's panel tables download as CSV with the headers and rows the panel shows,
for the roles that see the panel only."""

from __future__ import annotations

import csv
import io
import re
import uuid
from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Customer
from purchasing import panels
from purchasing.models import Order


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts, and every panel CSV link by table name."""

    def __init__(self):
        super().__init__()
        self.tables, self.links, self._cell, self._href = [], {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("th", "td"):
            self._cell = []
        elif tag == "a" and (attrs.get("data-testid") or "").startswith("panel-csv-"):
            self.links[attrs["data-testid"].removeprefix("panel-csv-")] = attrs["href"]

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            text = re.sub(r"\s+", " ", unescape("".join(self._cell))).strip()
            self.tables[-1][-1].append(text)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _page(client) -> _Tables:
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    parsed = _Tables()
    parsed.feed(response.content.decode())
    return parsed


def _csv(client, url: str) -> list[list[str]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hant"])
def test_each_panel_table_downloads_as_shown(sales_client, language):
    customer = Customer.objects.create(tenant_id=uuid.uuid4(), company_name="Contoso")
    for n in range(3):
        Order.objects.create(
            pc_order_id=f"o-{n}", customer=customer, billing_cycle="one_time", currency="USD",
            status="completed", created_at=timezone.now(),
        )  # fmt: skip
    sales_client.cookies["django_language"] = language
    page = _page(sales_client)
    # The expiry chart shows no table (nor link) without reservations.
    tables = {panels.RESERVATIONS_TABLE, panels.ORDERS_CHART_TABLE}
    assert set(page.links) == tables
    for table in tables:
        rows = _csv(sales_client, page.links[table])
        shown = [t for t in page.tables if t and t[0] == rows[0]]
        assert shown, (table, rows[0], [t[0] for t in page.tables])
        assert rows[1:] == shown[0][1:], table
        assert len(rows) > 1
    orders = _csv(sales_client, page.links[panels.ORDERS_CHART_TABLE])
    assert orders[-1][1] == "3"  # this week's orders


@pytest.mark.django_db
def test_roles_that_do_not_see_the_panels_get_403(
    finance_client, admin_client_portal, sales_client
):
    url = reverse("purchasing:panel_csv", args=[panels.RESERVATIONS_TABLE])
    assert finance_client.get(url).status_code == 403
    assert admin_client_portal.get(url).status_code == 403
    assert "panel-csv-" not in finance_client.get(reverse("dashboard")).content.decode()
    assert sales_client.get(reverse("purchasing:panel_csv", args=["nope"])).status_code == 404
