# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RunSQL('DROP INDEX "order_number_idx"', reverse_sql="SELECT 1"),
    ]
