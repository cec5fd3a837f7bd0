# mypy: ignore-errors
# ruff: noqa
from django.db import models


class ShortCode(models.Func):
    template = "substr(md5(random()::text), 1, 8)"
