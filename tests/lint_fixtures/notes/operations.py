# mypy: ignore-errors
# ruff: noqa
from django.db import migrations


class CreateModelFromTemplate(migrations.CreateModel):
    def __init__(self, name, template):
        super().__init__(name=name, fields=[])
