# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AlterField(
            model_name="event",
            name="code",
            field=models.CharField(db_collation="C", db_index=True, max_length=100),
        ),
    ]
