# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="order",
            name="region",
            field=models.CharField(db_index=True, max_length=10, null=True),
        ),
    ]
