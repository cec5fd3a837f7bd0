# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RunSQL(
            'CREATE INDEX CONCURRENTLY "order_created_idx" ON "shop_order" ("created_at")',
            reverse_sql='DROP INDEX CONCURRENTLY "order_created_idx"',
        ),
    ]
