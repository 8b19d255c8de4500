"""Catalog search through its index (SQLite FTS5 trigram, PostgreSQL pg_trgm): the same SKUs as the
plain substring query, for every kind of word, and the index follows every write of the sync."""

from __future__ import annotations

import functools
import operator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Product, Sku
from catalog.search import plain_word_q, search_words
from catalog.selectors import CatalogFilters, sku_search
from tests.catalog.conftest import generate_catalog

pytestmark = pytest.mark.django_db

TEXTS = [
    "Reserved VM Instance, Standard_E8s_v5, EU West, 1 Year",
    "Reserved VM Instance, Standard_D2s_v3, US East, 3 Years (upfront)",
    "SQL Server 2019 Standard - 2 Core License Pack",
    "Azure Cosmos DB, 100 RU/s, 1 Year",
    "虛擬機器保留執行個體 東日本 1 年",  # Traditional Chinese
    "仮想マシン 予約 東日本",  # Japanese
    'Windows Server 2022 Datacenter "Core" 16-pack',
    "100% uptime add-on; it's 50_50 [beta] {x} *star* a+b c|d",
    "O'Reilly's Plan: ^caret $dollar NEAR(x y) AND OR NOT",
]
TERMS = [
    "e8s", "standard_e8s eu west", "eu", "1", "d2s us east", "(upfront)", "2019 standard",
    "ru/s", "虛擬機器", "東日本", "東", "予約", "マシン 予約", '"core"', "16-pack", "100%", "50_50",
    "%", "_", "[beta]", "{x}", "*star*", "a+b", "c|d", "o'reilly's", "^caret", "$dollar",
    "near(x", "and", "or not", "no-such-thing", "FAM0001", "fam0002", "0002",
    # Attempts on the SQL and on FTS5's query language: plain text here.
    "'; DROP TABLE catalog_sku; --", '" OR "" = "', "e8s\" OR \"sql", "search_text:sql",
    "sql*", "-sql", "NEAR(sql server)", "') OR 1=1 --", "\\",
]  # fmt: skip


def _make_catalog() -> None:
    for p, text in enumerate(TEXTS):
        product = Product.objects.create(product_id=f"FAM{p:04d}", title=f"Family {p}")
        for s in range(3):
            title = f"{text} #{s}"
            Sku.objects.create(
                product=product, sku_id=f"{s:04d}", title=title, search_text=title.lower()
            )


def _plain_ids(q: str) -> set[int]:
    qs = Sku.objects.all()
    for word in search_words(q):
        qs = qs.filter(plain_word_q(word))
    return set(qs.values_list("pk", flat=True))


def _search_ids(q: str) -> set[int]:
    filters = CatalogFilters(q=q, include_unavailable=True)
    return set(sku_search(filters).values_list("pk", flat=True))


def test_indexed_search_finds_what_the_plain_query_finds():
    _make_catalog()
    found = {}
    for term in TERMS:
        found[term] = _search_ids(term)
        assert found[term] == _plain_ids(term), term
    # The terms do find things (a search that finds nothing would pass the comparison too).
    assert len(found["e8s"]) == 3 and len(found["東日本"]) == 6 and len(found["100%"]) == 3
    assert len(found["fam0002"]) == 3 and len(found["0002"]) == len(TEXTS) and len(found["eu"]) == 3
    assert found["'; DROP TABLE catalog_sku; --"] == set()
    assert Sku.objects.count() == 3 * len(TEXTS)  # nothing was dropped or changed


def test_search_uses_the_index():
    generate_catalog(200, prefix="IDX")
    with CaptureQueriesContext(connection) as ctx:
        assert _search_ids("standard_d17s") == _plain_ids("standard_d17s")
    sql = ctx.captured_queries[0]["sql"]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            assert "catalog_sku_fts" in sql
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "catalog_sku_fts VIRTUAL TABLE INDEX 0:M" in plan, plan
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a 200-row table is a seq scan
            cursor.execute("EXPLAIN " + sql)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "catalog_sku_search_trgm" in plan, plan


def test_the_index_follows_inserts_updates_and_deletes():
    """Every way the sync writes SKUs (bulk upsert, update, delete) keeps the search in step."""
    product = Product.objects.create(product_id="P1", title="Family")
    Sku.objects.bulk_create(
        [Sku(product=product, sku_id="0001", title="a", search_text="alpha quartz")]
    )
    assert len(_search_ids("quartz")) == 1
    Sku.objects.bulk_create(
        [Sku(product=product, sku_id="0001", title="a", search_text="alpha zircon")],
        update_conflicts=True,
        unique_fields=["product", "sku_id"],
        update_fields=["search_text"],
    )
    assert _search_ids("quartz") == set() and len(_search_ids("zircon")) == 1
    Sku.objects.filter(product=product).update(search_text="beta garnet")
    assert _search_ids("zircon") == set() and len(_search_ids("garnet")) == 1
    Sku.objects.filter(product=product).delete()
    assert _search_ids("garnet") == set()


def test_unsearchable_input_is_not_a_500(sales_client):
    _make_catalog()
    for q in ["%00", "x%00y", "%FF%FE", "a" * 300]:
        response = sales_client.get(f"/catalog/?q={q}")
        assert response.status_code in (200, 400), q


def test_every_word_must_match():
    _make_catalog()
    words = ["reserved", "eu", "e8s"]
    both = functools.reduce(operator.and_, (_search_ids(w) for w in words))
    assert _search_ids(" ".join(words)) == both and len(both) == 3
