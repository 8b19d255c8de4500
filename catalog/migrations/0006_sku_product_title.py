"""SKUs keep their product's title, so the SKU tables walk an index in their default order (product
title, title) to the page they show instead of sorting every SKU."""

import importlib

from django.db import migrations, models

search_index = importlib.import_module("catalog.migrations.0005_sku_search_index")

FILL = (
    "UPDATE catalog_sku SET product_title = "
    "(SELECT title FROM catalog_product WHERE catalog_product.id = catalog_sku.product_id)"
)


def triggers_again(apps, schema_editor):
    """SQLite adds this column by rebuilding catalog_sku, which drops the search index's triggers:
    create them again and rebuild the index."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for sql in search_index.SQLITE_FORWARD:
        if sql.startswith("CREATE TRIGGER"):
            name = sql.split()[2]
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        if not sql.startswith("CREATE VIRTUAL TABLE"):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_sku_search_index")]

    operations = [
        migrations.RemoveIndex(model_name="sku", name="catalog_sku_list_idx"),
        migrations.AddField(
            model_name="sku",
            name="product_title",
            field=models.CharField(
                blank=True, default="", help_text="The product's title, to sort SKU tables by"
            ),
            preserve_default=False,
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.RunPython(triggers_again, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="sku",
            index=models.Index(
                fields=["product_title", "title", "is_available"], name="catalog_sku_sort_idx"
            ),
        ),
    ]
