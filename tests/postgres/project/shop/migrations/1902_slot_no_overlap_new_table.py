# mypy: ignore-errors
# ruff: noqa
import django.contrib.postgres.fields.ranges
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.CreateModel(
            name="Slot",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("span", django.contrib.postgres.fields.ranges.IntegerRangeField()),
            ],
            options={
                "constraints": [
                    ExclusionConstraint(
                        expressions=[("span", RangeOperators.OVERLAPS)], name="slot_no_overlap"
                    )
                ]
            },
        ),
    ]
