"""The SKU tables' cached counts and page ids: keyed by the catalog's version token, which the
database changes on every catalog write, so a page never shows an older catalog; and a page read
again costs neither a count nor a walk through the catalog."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.listing_cache import catalog_version
from catalog.models import Availability, CustomerOffer, Product, Sku
from tests.catalog.conftest import generate_catalog, make_customer

pytestmark = pytest.mark.django_db


def _count_on_page(body: str) -> int:
    return int(re.search(r"([\d,]+) SKUs?</span>", body).group(1).replace(",", ""))


def _without_tokens(body: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", body)


def _catalog_queries(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "catalog_sku" in q["sql"]]


def test_every_catalog_write_changes_the_version():
    """Each table the SKU tables read, and each kind of write, changes the token (a migration that
    rebuilds one of these tables on SQLite drops its triggers: this fails then)."""
    customer = make_customer()
    seen = [catalog_version()]

    def changed() -> None:
        token = catalog_version()
        assert token is not None and token not in seen, seen
        seen.append(token)

    product = Product.objects.create(product_id="VERSION1", title="Versioned")
    changed()
    sku = Sku.objects.create(product=product, sku_id="0001", title="One", product_title="Versioned")
    changed()
    availability = Availability.objects.create(
        sku=sku, availability_id="AV1", catalog_item_id="VERSION1:0001:AV1", country="US"
    )
    changed()
    offer = CustomerOffer.objects.create(
        customer=customer, availability=availability, seen_at=timezone.now()
    )
    changed()
    for model, field in ((Product, "title"), (Sku, "title"), (Availability, "segment"),
                         (CustomerOffer, "seen_at")):  # fmt: skip
        model.objects.update(**{field: F(field)})  # every row written, none changed
        changed()
    offer.delete()
    changed()
    Availability.objects.filter(pk=availability.pk).delete()
    changed()
    Sku.objects.filter(pk=sku.pk).delete()
    changed()
    product.delete()
    changed()


def test_count_and_pages_follow_catalog_writes(sales_client):
    generate_catalog(120)
    url = "/catalog/?country=US&page=3"
    body = sales_client.get(url).content.decode()
    assert _count_on_page(body) == 120 and "101\u2013120 of 120" in body
    last = Sku.objects.order_by("product_title", "title", "pk").last()
    assert last.title in body

    generate_catalog(5, prefix="NEW")  # new SKUs are counted and paged at once
    body = sales_client.get(url).content.decode()
    assert _count_on_page(body) == 125 and "101\u2013125 of 125" in body

    Sku.objects.filter(pk=last.pk).update(is_available=False)  # gone: off the list
    body = sales_client.get(url).content.decode()
    assert _count_on_page(body) == 124 and f">{last.title}<" not in body

    Availability.objects.filter(sku__title__contains="Standard_D7s,").update(country="GB")
    body = sales_client.get("/catalog/?country=US&q=standard_d7s").content.decode()
    assert "No SKUs match" in body  # no longer offered in the US


def test_a_page_read_again_neither_counts_nor_walks_the_catalog(sales_client):
    generate_catalog(300)
    sales_client.get("/catalog/?country=GB")  # the session's first page stores its preferences
    for url in ("/catalog/?country=US&page=4", "/catalog/?country=US&q=standard_d2&sort=-sku"):
        with CaptureQueriesContext(connection) as first:
            body = _without_tokens(sales_client.get(url).content.decode())
        with CaptureQueriesContext(connection) as again:
            assert _without_tokens(sales_client.get(url).content.decode()) == body
        assert len(_catalog_queries(first)) == 3, _catalog_queries(first)  # count, ids, rows
        (rows,) = _catalog_queries(again)  # the page's rows, by id
        assert "COUNT(" not in rows and "OFFSET" not in rows and "MATCH" not in rows
        assert len(again) == len(first) - 2  # neither the count nor the ids


@pytest.mark.parametrize(
    ("asked", "number"), [("1", 1), ("2", 2), ("7", 7), ("999", 7), ("abc", 1), ("-1", 7)]
)
def test_pages_of_a_cached_listing_match_the_uncached_pages(sales_client, asked, number):
    """Any page number (out of range: the nearest page) shows the same rows in the same order as
    the plain listing, and its links lead to the neighbouring pages."""
    generate_catalog(330)
    ordered = list(
        Sku.objects.filter(is_available=True)
        .order_by("-sku_id", "title", "pk")
        .values_list("title", flat=True)
    )
    url = f"/catalog/?country=US&sort=-sku&per_page=50&page={asked}"
    sales_client.get(url)  # fills the cache
    body = sales_client.get(url).content.decode()
    shown = re.findall(r'/catalog/GEN\d+/\d+/\?[^"]*">([^<]+)</a>', body)
    assert shown == ordered[(number - 1) * 50 : number * 50]
    assert f"Page {number} of 7" in body
    if number < 7:
        assert f"page={number + 1}" in body and 'rel="next"' in body
    if number > 1:
        assert f"page={number - 1}" in body and 'rel="prev"' in body


def test_search_count_is_cached_per_filter_set(sales_client):
    generate_catalog(80)
    a = _count_on_page(sales_client.get("/catalog/?country=US&q=standard_d1").content.decode())
    b = _count_on_page(sales_client.get("/catalog/?country=US&q=standard_d2").content.decode())
    c = _count_on_page(
        sales_client.get("/catalog/?country=US&q=standard_d1&term=P3Y").content.decode()
    )
    assert (a, b, c) == (
        Sku.objects.filter(title__contains="Standard_D1").count(),
        Sku.objects.filter(title__contains="Standard_D2").count(),
        0,
    )


def _priced_sku(n_items: int, prefix: str) -> Sku:
    """A SKU with ``n_items`` commercial US availabilities (catalog items), a price per term."""
    from decimal import Decimal

    from catalog.models import PriceSheetEntry

    generate_catalog(1, prefix=prefix)
    sku = Sku.objects.select_related("product").get(product__product_id__startswith=prefix)
    for i in range(1, n_items):
        Availability.objects.create(
            sku=sku, availability_id=f"{prefix}AV{i}", country="US", segment="commercial",
            catalog_item_id=f"{prefix}:{i}", currency="USD", term_durations="|P1Y|P3Y|",
        )  # fmt: skip
    Availability.objects.filter(sku=sku).update(term_durations="|P1Y|P3Y|")
    for term in ("P1Y", "P3Y"):
        PriceSheetEntry.objects.create(
            row_key=f"{prefix}{term}", market="US", view="azure_reservations", currency="USD",
            product_id=sku.product.product_id.upper(), sku_id=sku.sku_id.upper(),
            term_duration=term, billing_plan="OneTime", unit_price=Decimal("120.50"),
            effective_start=timezone.now() - timezone.timedelta(days=1),
        )  # fmt: skip
    return sku


def test_sku_page_queries_do_not_grow_with_its_prices_and_rules(sales_client, finance_user):
    """Resale prices for every price line come from one rule query, whatever the number of
    availabilities, price lines and rules (no rule lookup per line)."""
    from decimal import Decimal

    from catalog.pricing.models import CustomerGroup, MarkupRule

    customer = make_customer()
    group = CustomerGroup.objects.create(name="Key accounts")
    group.customers.add(customer)
    since = timezone.localdate() - timezone.timedelta(days=30)
    for family, value in (("azure_reservation", 8), ("software", 15)):
        MarkupRule.objects.create(description=family, kind="percent", value=Decimal(value),
                                  family=family, effective_from=since, updated_by=finance_user)  # fmt: skip
    MarkupRule.objects.create(description="key", kind="percent", value=Decimal(5), group=group,
                              family="azure_reservation", effective_from=since)  # fmt: skip
    counts = []
    for n_items, prefix in ((1, "ONE"), (6, "SIX")):
        sku = _priced_sku(n_items, prefix)
        url = f"/catalog/{sku.product.product_id}/{sku.sku_id}/?customer={customer.pk}"
        sales_client.get(url)  # the customer's first visit queues its catalog read once
        with CaptureQueriesContext(connection) as ctx:
            body = sales_client.get(url).content.decode()
        assert body.count('data-testid="resale-price"') == 2 * n_items, n_items
        assert "Resale $126.53 USD" in body  # 120.50 + 5 % (the group's rule wins)
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts


def test_cached_rows_follow_language_and_perpetual_qualification(sales_client, admin_user):
    """The SKU table's HTML is cached per language and per qualification: a reader in another
    language, or after an administrator records the qualification, sees their own rows."""
    from portal.admin_tools.services.settings_store import portal_setting_set

    generate_catalog(3)
    Product.objects.update(target_views="|SoftwarePerpetual|")
    url = "/catalog/?country=US"
    for _ in range(2):  # the second read comes from the cache
        english = sales_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert english.count(">unavailable<") == 3 and "qualified for it" in english
        chinese = sales_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
        assert chinese.count(">無法使用<") == 3 and ">unavailable<" not in chinese
    portal_setting_set(key="perpetual_software_qualified", value=True, actor=admin_user)
    english = sales_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english.count(">available<") == 3 and "qualified for it" not in english
