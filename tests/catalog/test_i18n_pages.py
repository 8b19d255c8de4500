"""The catalog page in Traditional Chinese: its own words translated (Partner Center's terms),
product data left as it is, and the SKU count in its singular and plural forms in both languages."""

import pytest
from django.utils import translation

from catalog import rules
from catalog.models import Availability, Product, Sku

ZH = {"accept-language": "zh-TW,zh;q=0.9"}
EN = {"accept-language": "en-US,en"}


def _skus(count: int) -> None:
    product = Product.objects.create(product_id="DZH318Z0BQ3Q", title="Windows Server 2022")
    for i in range(count):
        sku = Sku.objects.create(product=product, sku_id=f"000{i}", title=f"Standard 2 Core {i}")
        Availability.objects.create(
            sku=sku,
            availability_id=f"AV{i}",
            catalog_item_id=f"DZH318Z0BQ3Q:000{i}:AV{i}",
            country="US",
            segment="commercial",
            currency="USD",
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("count", "english", "chinese"), [(1, ">1 SKU<", ">1 個 SKU<"), (2, ">2 SKUs<", ">2 個 SKU<")]
)
def test_catalog_page_speaks_the_reader_language_with_plural_counts(
    sales_client, count, english, chinese
):
    _skus(count)
    zh = sales_client.get("/catalog/?country=US", headers=ZH).content.decode()
    assert '<html lang="zh-hant"' in zh
    assert "<h1>目錄</h1>" in zh and "立即同步目錄" in zh and "計費週期" in zh
    assert chinese in zh
    assert "Windows Server 2022" in zh  # data stays as Partner Center names it
    assert "Sync catalog now" not in zh and "Billing cycle" not in zh

    en = sales_client.get("/catalog/?country=US", headers=EN).content.decode()
    assert english in en and "<h1>Catalog</h1>" in en and "目錄" not in en


def test_market_rule_names_the_market_in_the_reader_language():
    product = Product(product_id="CFQ7TTC0LH18", title="Microsoft 365 Business Basic",
                      product_type="Software", product_subtype="Subscription")  # fmt: skip
    with translation.override("zh-hant"):
        chinese = rules.market_rule_blocker(product, "AX")
    with translation.override("en"):
        english = rules.market_rule_blocker(product, "AX")
    assert "奧蘭島 (AX)" in chinese and "無法將軟體訂用帳戶銷售給" in chinese
    assert "Åland Islands (AX)" in english and "cannot be sold" in english
