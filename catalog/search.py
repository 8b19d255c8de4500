"""Catalog search: a word matches a SKU whose lower-cased titles and description contain it, or
whose SKU id or product id it is (any case).

The substring test is answered by an index made for it: on SQLite an FTS5 table with the trigram
tokenizer over ``Sku.search_text`` (``catalog_sku_fts``, kept in step with ``catalog_sku`` by
triggers), on PostgreSQL a pg_trgm GIN index on the column, which serves ``LIKE '%word%'``. Both are
created by migration ``0005_sku_search_index``; on SQLite a migration that rebuilds ``catalog_sku``
(adding a column does) drops the triggers and must create them again, as ``0006`` does. The
matches are those of the plain ``LIKE`` query (``plain_word_q``) for every word; the tests compare
the two.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from catalog.models import Sku

MAX_WORDS = 8
TRIGRAM = 3  # FTS5's trigram tokenizer finds substrings of at least this many characters
FTS_IDS = "SELECT rowid FROM catalog_sku_fts WHERE catalog_sku_fts MATCH %s"


def search_words(q: str) -> list[str]:
    return q.lower().split()[:MAX_WORDS]


def plain_word_q(word: str) -> Q:
    """The match without an index (a scan of every SKU's text)."""
    return (
        Q(search_text__contains=word) | Q(sku_id__iexact=word) | Q(product__product_id__iexact=word)
    )


def fts_phrase(word: str) -> str:
    """``word`` as one FTS5 phrase: quoted, inner quotes doubled, so no character is an operator."""
    return '"' + word.replace('"', '""') + '"'


def _ids(qs) -> Q:
    return Q(pk__in=qs.values("pk"))


def word_q(word: str) -> Q:
    """The match of one search word, as sets of SKU ids that indexes answer: the text through the
    search index, the ids through the unique ones."""
    skus = Sku.objects.order_by()
    by_sku = skus.filter(sku_id__iexact=word)
    by_product = skus.filter(product__product_id__iexact=word)
    if connection.vendor == "postgresql":
        # One id set (a union) whose text part the trigram index answers; OR-ed conditions would
        # make PostgreSQL test every row instead.
        parts = [skus.filter(search_text__contains=word), by_sku, by_product]
        compiled = [qs.values("pk").query.sql_with_params() for qs in parts]
        sql = " UNION ".join(f"({part_sql})" for part_sql, _ in compiled)
        return Q(pk__in=RawSQL(sql, tuple(p for _, params in compiled for p in params)))
    if len(word) >= TRIGRAM:
        text = Q(pk__in=RawSQL(FTS_IDS, (fts_phrase(word),)))
    else:  # too short for the trigram index: tested on the rows the other words found
        text = Q(search_text__contains=word)
    return text | _ids(by_sku) | _ids(by_product)
