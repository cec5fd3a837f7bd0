# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "1703_order_seller_constraint")]
    operations = [
        migrations.AddField(model_name="order", name="note", field=models.TextField(null=True)),
    ]
