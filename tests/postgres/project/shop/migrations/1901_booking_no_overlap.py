# mypy: ignore-errors
# ruff: noqa

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddConstraint(
            model_name="booking",
            constraint=ExclusionConstraint(
                expressions=[("span", RangeOperators.OVERLAPS)], name="booking_no_overlap"
            ),
        ),
    ]
