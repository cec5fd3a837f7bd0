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
    dependencies = [("shop", "0302_order_status_check_not_valid")]
    operations = [
        ValidateConstraint(model_name="order", name="order_status_not_null"),
    ]
