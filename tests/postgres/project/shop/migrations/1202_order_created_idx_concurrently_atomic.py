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
        AddIndexConcurrently(
            model_name="order", index=models.Index(fields=["created_at"], name="order_created_idx")
        ),
    ]
