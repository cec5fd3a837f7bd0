# mypy: ignore-errors
# ruff: noqa

from django.contrib.postgres.functions import RandomUUID
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="order", name="public_id", field=models.UUIDField(db_default=RandomUUID())
        ),
    ]
