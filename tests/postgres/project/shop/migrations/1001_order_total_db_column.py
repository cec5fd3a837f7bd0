# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AlterField(
            model_name="order",
            name="total",
            field=models.IntegerField(db_column="total_cents", default=0),
        ),
    ]
