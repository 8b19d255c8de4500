"""Search index over ``Sku.search_text`` (see ``catalog.search``) and indexes for the SKU tables:
the narrow one they count and sort over, and the offer test (is a SKU offered and available in a
country).

SQLite: an FTS5 table with the trigram tokenizer, its content read from ``catalog_sku`` and kept in
step by triggers. PostgreSQL: the pg_trgm extension and a GIN index that serves ``LIKE '%word%'``.
"""

from django.db import migrations, models

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE catalog_sku_fts USING fts5("
    "search_text, content='catalog_sku', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER catalog_sku_fts_insert AFTER INSERT ON catalog_sku BEGIN "
    "INSERT INTO catalog_sku_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER catalog_sku_fts_delete AFTER DELETE ON catalog_sku BEGIN "
    "INSERT INTO catalog_sku_fts(catalog_sku_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER catalog_sku_fts_update AFTER UPDATE OF search_text ON catalog_sku BEGIN "
    "INSERT INTO catalog_sku_fts(catalog_sku_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO catalog_sku_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO catalog_sku_fts(catalog_sku_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS catalog_sku_fts_update",
    "DROP TRIGGER IF EXISTS catalog_sku_fts_delete",
    "DROP TRIGGER IF EXISTS catalog_sku_fts_insert",
    "DROP TABLE IF EXISTS catalog_sku_fts",
]
POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX catalog_sku_search_trgm ON catalog_sku USING gin (search_text gin_trgm_ops)",
]
POSTGRESQL_BACKWARD = ["DROP INDEX IF EXISTS catalog_sku_search_trgm"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_pricing_rules")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        ),
        migrations.AddIndex(
            model_name="sku",
            index=models.Index(
                fields=["is_available", "product", "title"], name="catalog_sku_list_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="availability",
            index=models.Index(
                fields=["sku", "country", "is_available"], name="catalog_ava_offered_idx"
            ),
        ),
    ]
