# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RenameField(model_name="order", old_name="price", new_name="unit_price"),
    ]
