"""Write hooks: after ``makemigrations``, ``squashmigrations`` and ``optimizemigration`` write
migration files, bring ``migrations.toml`` up to date from Django's registry and loader.

The hooks wrap ``execute()`` of Django's own command classes. Every command that subclasses
them (django-migration-linter, django-linear-migrations and others override ``makemigrations``
that way) inherits the hook, whatever the order of ``INSTALLED_APPS`` and whether or not its
``handle()`` calls ``super().handle()``. Only a command that does not subclass Django's, or that
overrides ``execute()`` without calling ``super().execute()``, escapes them; ``manage.py check``
then reports the stale manifest.

After a successful run that may have written files (not ``--dry-run``, not ``--check``) the
manifest is regenerated as a whole, which covers ``--merge``, ``--update``, ``--empty``,
``--name``, squashes and whatever else was written. It is idempotent: an unchanged manifest is
never rewritten.

The same wrappers tell the system checks which command is running (see
:mod:`django_integration.checks`): ``check`` gets errors, these commands get no manifest checks
at all, so a conflicted manifest never blocks ``makemigrations --merge`` or ``squashmigrations``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from .checks import Mode, checks_mode

_MARK = "_migration_manifest_hook"

#: Django's command modules, and the options that make a run write nothing.
WRITE_COMMANDS: Mapping[str, tuple[str, ...]] = {
    "makemigrations": ("dry_run", "check_changes"),
    "squashmigrations": (),
    "optimizemigration": ("check",),
}


def install() -> None:
    """Wrap the commands' ``execute()``; calling it again changes nothing."""
    import importlib

    for name, dry_options in WRITE_COMMANDS.items():
        module = importlib.import_module(f"django.core.management.commands.{name}")
        _wrap(module.Command, Mode.SKIP, functools.partial(_after_write, name, dry_options))
    check = importlib.import_module("django.core.management.commands.check")
    _wrap(check.Command, Mode.STRICT, None)


def _wrap(cls: Any, mode: Mode, after: Callable[[Any, dict[str, Any]], None] | None) -> None:
    original = cls.execute
    if getattr(original, _MARK, False):
        return

    @functools.wraps(original)
    def execute(self: Any, *args: Any, **options: Any) -> Any:
        with checks_mode(mode):
            result = original(self, *args, **options)
        if after is not None:
            after(self, options)
        return result

    setattr(execute, _MARK, True)
    cls.execute = execute


def _after_write(
    name: str, dry_options: tuple[str, ...], command: Any, options: dict[str, Any]
) -> None:
    if any(options.get(option) for option in dry_options):
        return
    update_after_write(command, options, name)


def update_after_write(command: Any, options: Mapping[str, Any], name: str) -> None:
    """Regenerate the manifest after a command wrote migrations; report on its streams.

    Raises ``CommandError`` (exit code 1, no traceback) when the manifest cannot be written.
    """
    from django.core.management.base import CommandError

    from .conf import ConfigurationError, load_settings
    from .sync import SyncError, recover, sync
    from .texts import UPDATE_COMMAND
    from .view import LoaderError, load_view

    if in_test_environment():
        return
    try:
        conf = load_settings()
        if not conf.update_on_write:
            return
        recovered = recover(conf.root, conf.config.cache_dir)
        if recovered:
            command.stderr.write(recovered)
        result = sync(load_view(conf, fresh=True), label=f"manage.py {name}")
    except SyncError as exc:
        raise CommandError(
            f"{name} finished, but {exc.path} was not updated: {exc.reason}. "
            f"Once that is fixed, run `{UPDATE_COMMAND}`.",
            returncode=exc.exit_code,
        ) from None
    except (ConfigurationError, LoaderError) as exc:
        raise CommandError(
            f"{name} finished, but the migration manifest was not updated: {exc} "
            f"Once that is fixed, run `{UPDATE_COMMAND}`."
        ) from None
    out = command.stderr if options.get("scriptable") else command.stdout
    verbosity = int(options.get("verbosity", 1))
    if result.refused:
        command.stderr.write(f"{result.path} was not updated: {result.refused}.")
    elif result.written and verbosity >= 1:
        for line in result.report():
            out.write(line)


def in_test_environment() -> bool:
    """Whether Django's test environment is set up (the test runner, pytest-django).

    Tests that call ``makemigrations`` with temporary ``MIGRATION_MODULES`` must never rewrite
    the repository's manifest, so the hooks are off there.
    """
    from django.test import utils

    return hasattr(getattr(utils, "_TestState", None), "saved_data")
