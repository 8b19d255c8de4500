"""The catalog's version token (``CatalogVersion``), changed by the database on every write to the
tables the SKU tables read, whoever writes (sync services, the shell, a test).

SQLite: a row trigger per table and kind of write gives the row a new random token. A migration
that rebuilds one of these tables on SQLite drops its triggers and must create them again (as
``0006`` does for the search index); ``tests/catalog/test_listing_cache.py`` fails when they are
missing. PostgreSQL: a BEFORE ... FOR EACH STATEMENT trigger per table, so a writer takes the
version row's lock before any catalog row lock (catalog writers cannot deadlock on it) and the new
token becomes visible with the rows, at commit.
"""

from django.db import migrations, models

TABLES = ["catalog_product", "catalog_sku", "catalog_availability", "catalog_customeroffer"]
# Update, else insert: a conflict clause inside a trigger gives way to the firing statement's own
# (a bulk upsert's), so the trigger never relies on one.
BUMP_SQLITE = (
    "UPDATE catalog_catalogversion SET token = lower(hex(randomblob(8))) WHERE id = 1; "
    "INSERT INTO catalog_catalogversion(id, token) SELECT 1, lower(hex(randomblob(8))) "
    "WHERE NOT EXISTS (SELECT 1 FROM catalog_catalogversion WHERE id = 1)"
)
SQLITE_FORWARD = [
    f"CREATE TRIGGER {table}_version_{event.lower()} AFTER {event} ON {table} "
    f"BEGIN {BUMP_SQLITE}; END"
    for table in TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {table}_version_{event.lower()}"
    for table in TABLES
    for event in ("INSERT", "UPDATE", "DELETE")
]
POSTGRESQL_FORWARD = [
    "CREATE FUNCTION catalog_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO catalog_catalogversion(id, token) VALUES (1, md5(random()::text)) "
    "ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token; RETURN NULL; END $$",
    *(
        f"CREATE TRIGGER {table}_version BEFORE INSERT OR UPDATE OR DELETE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump()"
        for table in TABLES
    ),
]
POSTGRESQL_BACKWARD = [
    *(f"DROP TRIGGER IF EXISTS {table}_version ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS catalog_version_bump()",
]
FIRST = "INSERT INTO catalog_catalogversion(id, token) VALUES (1, 'initial')"


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_sku_product_title")]

    operations = [
        migrations.CreateModel(
            name="CatalogVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(max_length=64)),
            ],
        ),
        migrations.RunSQL(FIRST, migrations.RunSQL.noop),
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD}),
        ),
    ]
