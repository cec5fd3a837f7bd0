# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RunSQL(
            'ALTER TABLE "shop_order" ALTER COLUMN "total" TYPE bigint', reverse_sql="SELECT 1"
        ),
    ]
