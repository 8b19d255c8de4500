"""Purchasing pages in Traditional Chinese: the cart of a customer whose name is in Chinese reads
購物車 around the untouched name, and a count sentence takes its plural form in English and its one
Chinese form."""

import uuid

import pytest

from portal.models import Customer
from purchasing.models import Notification

ZH = {"accept-language": "zh-TW,zh;q=0.9"}
EN = {"accept-language": "en-US,en"}
TAIWAN = "台灣雲端科技股份有限公司"


@pytest.mark.django_db
def test_cart_page_in_chinese_for_a_chinese_named_customer(sales_client):
    customer = Customer.objects.create(
        tenant_id=uuid.uuid4(), company_name=TAIWAN, country="TW", currency="TWD"
    )
    page = sales_client.get(f"/cart/{customer.pk}/", headers=ZH).content.decode()
    assert '<html lang="zh-hant"' in page
    assert f"<h1>{TAIWAN} 的購物車</h1>" in page
    assert "購物車是空的" in page and "從目錄加入" in page
    assert "The cart is empty" not in page and "Add from catalog" not in page

    english = sales_client.get(f"/cart/{customer.pk}/", headers=EN).content.decode()
    assert f"<h1>Cart for {TAIWAN}</h1>" in english


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("count", "headers", "expected"),
    [
        (1, EN, "Marked 1 notification read."),
        (2, EN, "Marked 2 notifications read."),
        (1, ZH, "已將 1 則通知標示為已讀。"),
        (2, ZH, "已將 2 則通知標示為已讀。"),
    ],
)
def test_marking_notifications_read_counts_them_in_the_reader_language(
    sales_client, sales_user, count, headers, expected
):
    for i in range(count):
        Notification.objects.create(recipient=sales_user, message=f"note {i}", url="")
    response = sales_client.post("/notifications/read-all/", headers=headers, follow=True)
    assert expected in response.content.decode()
