# mypy: ignore-errors
# ruff: noqa
"""The project's own migration base class, as large projects write one."""

from django.db import migrations


class CheckedMigration(migrations.Migration):
    # Index builds run CONCURRENTLY, so migrations run outside a transaction.
    atomic = False
    # Set on the migrations run after the new code is deployed.
    is_post_deployment = False
