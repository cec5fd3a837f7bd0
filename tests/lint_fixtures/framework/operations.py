# mypy: ignore-errors
# ruff: noqa
"""The project's own operation classes."""

from django.db import migrations
from django.db.migrations.operations import RemoveField


class LoggedAddIndex(migrations.AddIndex):
    """Only describes itself differently: it is an AddIndex."""

    def describe(self):
        return "Create index (logged) " + super().describe()


class SafeRemoveField(RemoveField):
    """Removes the field from the models only, until a later release drops the column."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        pass
