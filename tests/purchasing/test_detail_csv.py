"""CSV on the detail pages' tables (order lines, a checkout's orders, cart and review lines, the
notifications inbox): the columns the page shows, the rows its filters select, the page's roles."""

from __future__ import annotations

import csv
import io
import re
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.models import Customer
from purchasing.models import Cart, CartLine, Checkout, Notification, Order, OrderLine

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _tables(html: str) -> list[str]:
    return re.findall(r"<table>.*?</table>", html, re.S)


def _shown_headers(table_html: str) -> list[str]:
    thead = re.search(r"<thead>(.*?)</thead>", table_html, re.S).group(1)
    cells = re.findall(r"<th[^>]*>(.*?)</th>", thead, re.S)
    headers = [re.sub(r"<[^>]+>|\s+", " ", c).strip() for c in cells]
    return [h for h in headers if h]  # a blank header is the column of row buttons


def _in_order(shown: list[str], exported: list[str]) -> bool:
    """Every column the page shows is exported, in the same order (extra detail allowed)."""
    position = 0
    for header in shown:
        later = [i for i, h in enumerate(exported) if h == header and i >= position]
        if not later:
            return False
        position = later[0] + 1
    return True


def _csv_link(html: str, table: str) -> str:
    match = re.search(rf'href="([^"]*)"[^>]*data-testid="csv-{table}"', html)
    assert match, f"no Export CSV link for {table}"
    return match.group(1).replace("&amp;", "&")


@pytest.fixture
def customer() -> Customer:
    return Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name="Contoso", country="US", currency="USD"
    )


@pytest.fixture
def checkout_with_orders(customer, sales_user) -> Checkout:
    cart = Cart.objects.create(customer=customer, created_by=sales_user, state="checked_out")
    checkout = Checkout.objects.create(
        cart=cart, customer=customer, requested_by=sales_user, state="submitted"
    )
    for group, name in (("0", "Windows Server"), ("1", "SQL Server")):
        order = Order.objects.create(
            pc_order_id=f"ORDER-{group}-{uuid.uuid4().hex[:8]}", customer=customer,
            checkout=checkout, order_group=group, billing_cycle="one_time", currency="USD",
            status="completed", sync_state="confirmed", created_at=timezone.now(),
        )  # fmt: skip
        for number, quantity in ((1, 2), (2, 5)):
            OrderLine.objects.create(
                order=order, line_number=number, offer_id=f"{name}:0001", quantity=quantity,
                friendly_name=f"{name} {number}", term_duration="P1Y", currency="USD",
                unit_price=Decimal("10.500000"),
            )  # fmt: skip
    return checkout


def test_order_lines_csv_has_the_columns_and_lines_of_the_order(sales_client, checkout_with_orders):
    order = checkout_with_orders.orders.get(order_group="0")
    html = sales_client.get(f"/orders/{order.pk}/").content.decode()
    link = _csv_link(html, "lines")
    rows = _csv(sales_client.get(link))
    lines_table = next(t for t in _tables(html) if "order-line" in t)
    assert _in_order(_shown_headers(lines_table), rows[0]), (rows[0], lines_table[:300])
    assert [(r[0], r[1], r[rows[0].index("Line total")]) for r in rows[1:]] == [
        ("1", "Windows Server 1", "21.000000"),
        ("2", "Windows Server 2", "52.500000"),
    ]


def test_order_lines_csv_is_for_the_roles_of_the_page(
    admin_client_portal, finance_client, checkout_with_orders
):
    order = checkout_with_orders.orders.first()
    assert admin_client_portal.get(f"/orders/{order.pk}/?format=csv").status_code == 403
    assert finance_client.get(f"/orders/{order.pk}/?format=csv").status_code == 200


def test_checkout_orders_csv_lists_the_orders_of_the_checkout(
    sales_client, checkout_with_orders, customer
):
    other = Checkout.objects.create(
        cart=Cart.objects.create(customer=customer, state="checked_out"), customer=customer
    )
    Order.objects.create(
        pc_order_id="ORDER-ELSEWHERE", customer=customer, checkout=other, created_at=timezone.now()
    )
    html = sales_client.get(f"/checkouts/{checkout_with_orders.pk}/").content.decode()
    rows = _csv(sales_client.get(_csv_link(html, "orders")))
    orders_table = next(t for t in _tables(html) if "order-row" in t)
    assert _in_order(_shown_headers(orders_table), rows[0]), rows[0]
    assert [r[1] for r in rows[1:]] == ["0", "1"]
    assert rows[1][3] == "2 x Windows Server 1; 5 x Windows Server 2"


def test_cart_and_review_csv_have_the_cart_lines(sales_client, customer, sales_user):
    cart = Cart.objects.create(customer=customer, created_by=sales_user)
    for title, quantity, price in (("Windows Server", 3, "12.000000"), ("SUSE", 1, None)):
        CartLine.objects.create(
            cart=cart, catalog_item_id=f"{title}:1", title=title, quantity=quantity,
            billing_cycle="one_time", term_duration="P1Y", currency="USD",
            unit_price=Decimal(price) if price else None, order_group="0",
        )  # fmt: skip
    html = sales_client.get(f"/cart/{customer.pk}/").content.decode()
    rows = _csv(sales_client.get(_csv_link(html, "lines")))
    assert _in_order(_shown_headers(_tables(html)[0]), rows[0]), rows[0]
    total = rows[0].index("Line total")
    assert [(r[0], r[5], r[total]) for r in rows[1:]] == [
        ("Windows Server", "3", "36.000000"),
        ("SUSE", "1", ""),
    ]
    review = _csv(sales_client.get(f"/cart/{customer.pk}/review/?format=csv&table=lines"))
    assert review == rows


def test_notifications_csv_follows_the_unread_filter_and_the_reader(
    sales_client, sales_user, finance_user
):
    Notification.objects.create(recipient=sales_user, message="Read one", read_at=timezone.now())
    Notification.objects.create(recipient=sales_user, message="Unread one", url="/orders/")
    Notification.objects.create(recipient=finance_user, message="Someone else's")
    html = sales_client.get("/notifications/").content.decode()
    link = _csv_link(html, "notifications")
    unread = _csv(sales_client.get(link))
    assert _in_order(_shown_headers(_tables(html)[0]), unread[0]), unread[0]
    assert [r[1] for r in unread[1:]] == ["Unread one"]
    html_all = sales_client.get("/notifications/?show=all").content.decode()
    every = _csv(sales_client.get(_csv_link(html_all, "notifications")))
    assert sorted(r[1] for r in every[1:]) == ["Read one", "Unread one"]
