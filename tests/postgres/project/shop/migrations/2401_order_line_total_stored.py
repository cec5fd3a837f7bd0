# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="order",
            name="line_total",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.F("price") * models.F("quantity"),
                output_field=models.IntegerField(),
            ),
        ),
    ]
