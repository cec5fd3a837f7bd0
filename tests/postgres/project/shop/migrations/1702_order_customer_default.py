# mypy: ignore-errors
# ruff: noqa

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="order",
            name="customer",
            field=models.ForeignKey(
                db_index=False,
                default=1,
                on_delete=django.db.models.deletion.CASCADE,
                to="shop.customer",
            ),
            preserve_default=False,
        ),
    ]
