# mypy: ignore-errors
# ruff: noqa

from django.db.models.functions import Now
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="order", name="placed_at", field=models.DateTimeField(db_default=Now())
        ),
    ]
