# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RunSQL(
            'ALTER TABLE "shop_order" ADD CONSTRAINT "order_seller_fk" FOREIGN KEY ("seller_id") REFERENCES "shop_customer" ("id")',
            reverse_sql="SELECT 1",
        ),
    ]
