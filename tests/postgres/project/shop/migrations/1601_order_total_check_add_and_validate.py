# mypy: ignore-errors
# ruff: noqa

from django.contrib.postgres.operations import (
    AddConstraintNotValid,
    AddIndexConcurrently,
    RemoveIndexConcurrently,
    ValidateConstraint,
)
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        AddConstraintNotValid(
            model_name="order",
            constraint=models.CheckConstraint(
                condition=models.Q(total__gte=0), name="order_total_positive"
            ),
        ),
        ValidateConstraint(model_name="order", name="order_total_positive"),
    ]
