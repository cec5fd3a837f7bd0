# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AlterField(
            model_name="event",
            name="amount",
            field=models.DecimalField(decimal_places=2, max_digits=12),
        ),
    ]
