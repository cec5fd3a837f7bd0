# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RunSQL(
            'ALTER TABLE "shop_order" ADD CONSTRAINT "order_total_positive" CHECK ("total" >= 0)',
            reverse_sql='ALTER TABLE "shop_order" DROP CONSTRAINT "order_total_positive"',
        ),
    ]
