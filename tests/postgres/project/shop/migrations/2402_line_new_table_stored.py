# mypy: ignore-errors
# ruff: noqa
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="Line",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("price", models.IntegerField()),
                ("quantity", models.IntegerField()),
                (
                    "total",
                    models.GeneratedField(
                        db_persist=True,
                        expression=models.F("price") * models.F("quantity"),
                        output_field=models.IntegerField(),
                    ),
                ),
            ],
        ),
    ]
