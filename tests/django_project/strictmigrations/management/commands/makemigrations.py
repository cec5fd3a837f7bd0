"""A ``makemigrations`` override, shaped like django-migration-linter's: it subclasses Django's
command, does its own work and calls ``super().handle()``."""

from typing import Any

from django.core.management.commands import makemigrations


class Command(makemigrations.Command):
    def handle(self, *app_labels: Any, **options: Any) -> None:
        self.stdout.write("strictmigrations: checking the new migrations")
        super().handle(*app_labels, **options)
