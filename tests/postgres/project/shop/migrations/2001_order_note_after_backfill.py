# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


def reassign_sellers(apps, schema_editor):
    Order = apps.get_model("shop", "Order")
    Order.objects.filter(pk=2).update(seller_id=1)


class Migration(migrations.Migration):
    dependencies = [("shop", "1703_order_seller_constraint")]
    operations = [
        migrations.RunPython(reassign_sellers, migrations.RunPython.noop),
        migrations.AddField(model_name="order", name="note", field=models.TextField(null=True)),
    ]
