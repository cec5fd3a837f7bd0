# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0303_order_status_check_validate")]
    operations = [
        migrations.AlterField(
            model_name="order", name="status", field=models.CharField(max_length=20)
        ),
        migrations.RemoveConstraint(model_name="order", name="order_status_not_null"),
    ]
