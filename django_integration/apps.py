"""The app configuration: registers the system checks and installs the write hooks."""

from __future__ import annotations

from django.apps import AppConfig


class MigrationManifestConfig(AppConfig):
    name = "django_integration"
    label = "migration_manifest"
    verbose_name = "Migration manifest"

    def ready(self) -> None:
        from django.core import checks

        from . import hooks
        from .checks import TAG, check_migration_manifest

        checks.register(check_migration_manifest, TAG)
        hooks.install()
