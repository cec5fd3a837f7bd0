"""``manage.py update_migration_manifest``: write migrations.toml from Django's registry.

The Django-aware twin of ``python -m manifest_core update``: labels, folders and heads come from
the installed apps and Django's ``MigrationLoader`` instead of the static reader.

Exit codes: 0 written or already up to date (or a dry run); 1 the manifest is out of date
(``--check``), cannot be written (an app has several leaves, the file is read-only) or Django
cannot load the migrations; 2 a usage or configuration error.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.management.base import BaseCommand, CommandError

from django_integration.conf import ConfigurationError, load_settings
from django_integration.sync import SyncError, plan_sync, recover, sync
from django_integration.texts import UPDATE_COMMAND
from django_integration.view import LoaderError, load_view


class Command(BaseCommand):
    help = (
        "Write migrations.toml, the record of every first-party app's latest migration, from "
        "Django's app registry and migration loader."
    )
    # The manifest checks must not stop the command that repairs the manifest.
    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the changes as a diff; write nothing.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Exit with status 1 if migrations.toml is out of date; write nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run, check = options["dry_run"], options["check"]
        try:
            conf = load_settings()
            if dry_run or check:
                self._note_pending(conf.root, conf.config.cache_dir)
            else:
                recovered = recover(conf.root, conf.config.cache_dir)
                if recovered:
                    self.stderr.write(recovered)
            view = load_view(conf, fresh=True)
        except ConfigurationError as exc:
            raise CommandError(str(exc), returncode=2) from None
        except LoaderError as exc:
            raise CommandError(str(exc)) from None
        except SyncError as exc:
            raise CommandError(str(exc), returncode=exc.exit_code) from None
        result = plan_sync(view)
        if result.refused:
            raise CommandError(f"{result.path} was not written: {result.refused}.")
        if not result.changed:
            self.stdout.write(f"{result.path} is already up to date.")
            return
        if check:
            self.stdout.write(f"{result.path} is out of date:")
            for change in result.changes:
                self.stdout.write(f"  {change}")
            raise CommandError(f"{result.path} is out of date; run `{UPDATE_COMMAND}`.")
        if dry_run:
            self.stdout.write(result.diff(), ending="")
            self.stdout.write(f"Dry run: {result.path} was not written.")
            return
        try:
            result = sync(view)
        except SyncError as exc:
            raise CommandError(str(exc), returncode=exc.exit_code) from None
        for line in result.report():
            self.stdout.write(line)

    def _note_pending(self, root: str, cache_dir: str) -> None:
        from manifest_core.journal_path import pending, pending_note

        folder = pending(root, cache_dir)
        if folder is not None:
            self.stderr.write(pending_note(folder))
