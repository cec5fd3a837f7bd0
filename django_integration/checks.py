"""System checks: ``migration_manifest.E001``... validate ``migrations.toml`` against Django.

The comparison is the core's (:func:`manifest_core.checks.check_manifest`); the truth it compares
against is Django's (:mod:`django_integration.view`). Every message has a stable ID and a hint
with the command that fixes it.

How severe the findings are depends on the command that runs the checks:

* ``manage.py check`` (and so Django's test runner): errors, as listed below.
* ``makemigrations``, ``squashmigrations``, ``optimizemigration`` and ``update_migration_manifest``:
  not run at all. Those commands rewrite the manifest themselves, and must work while it is
  conflicted (``makemigrations --merge`` is how a conflict gets fixed).
* Every other command (``runserver``, ``migrate``, your own commands): the same messages as
  warnings. A stale manifest is repository hygiene; it must never stop a deployment's ``migrate``.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .texts import RESOLVE_HINT, SETTING, UPDATE_COMMAND

if TYPE_CHECKING:
    from manifest_core.model import Problem

    from .conf import ManifestSettings
    from .view import DjangoView

# The core and Django's loader are imported when the checks run, not when Django starts: every
# management command loads this module.

TAG = "migration_manifest"


class Mode(enum.Enum):
    STRICT = "strict"  #: ``manage.py check``: findings are errors
    SOFT = "soft"  #: any other command: findings are warnings
    SKIP = "skip"  #: a command that rewrites the manifest: no findings


_mode: contextvars.ContextVar[Mode] = contextvars.ContextVar("migration_manifest_mode")


@contextlib.contextmanager
def checks_mode(mode: Mode) -> Iterator[None]:
    """Run the block with the manifest checks in ``mode`` (the hooks set it per command)."""
    token = _mode.set(mode)
    try:
        yield
    finally:
        _mode.reset(token)


def current_mode() -> Mode:
    return _mode.get(Mode.SOFT)


@dataclass(frozen=True)
class CheckId:
    id: str
    title: str
    hint: str


E001 = CheckId("E001", "migrations.toml is missing", f"Run `{UPDATE_COMMAND}` to create it.")
E002 = CheckId(
    "E002",
    "git conflict markers in migrations.toml",
    "Two branches changed the same app's entry. If both added migrations to it, "
    f"{RESOLVE_HINT}; otherwise run `{UPDATE_COMMAND}`. Each rewrites migrations.toml.",
)
E003 = CheckId(
    "E003",
    "migrations.toml is not valid TOML or not in the expected shape",
    f"Correct the file, or run `{UPDATE_COMMAND}` to rewrite it.",
)
E004 = CheckId("E004", "an app is missing from migrations.toml", f"Run `{UPDATE_COMMAND}`.")
E005 = CheckId(
    "E005",
    "migrations.toml names an unknown app",
    f"Run `{UPDATE_COMMAND}` to remove the entry.",
)
E006 = CheckId(
    "E006",
    "an app's head in migrations.toml is not its latest migration",
    f"Run `{UPDATE_COMMAND}` (makemigrations also updates migrations.toml).",
)
E007 = CheckId(
    "E007",
    "an app's path in migrations.toml is not where its migrations are",
    f"Run `{UPDATE_COMMAND}`.",
)
E008 = CheckId(
    "E008",
    "an app has more than one leaf migration",
    f"{RESOLVE_HINT[:1].upper()}{RESOLVE_HINT[1:]}; either updates migrations.toml.",
)
E009 = CheckId(
    "E009",
    "the static reader disagrees with Django's MigrationLoader",
    "`python -m manifest_core` reads migrations without importing them and should always agree "
    "with Django. Check the labels and exclude settings under [tool.django-migration-manifest] in "
    "pyproject.toml; if they are right, please report this message as a bug in "
    f"django-migration-manifest. `{UPDATE_COMMAND}` still writes Django's view.",
)
E010 = CheckId(
    "E010",
    "the configuration is invalid",
    f"Fix the {SETTING} setting or the [tool.django-migration-manifest] table named above.",
)
E011 = CheckId(
    "E011",
    "Django's MigrationLoader cannot load the migrations",
    "Fix the migration named above; `python -m manifest_core check` points at problems in "
    "migration files.",
)
W001 = CheckId(
    "W001",
    "MIGRATION_MANIFEST leaves out an app that the static tools count",
    "`python -m manifest_core` does not read the Django settings. Exclude the folder under "
    "[tool.django-migration-manifest] exclude in pyproject.toml so both leave it out.",
)
W002 = CheckId(
    "W002",
    "pyproject.toml and the Django settings disagree",
    "Make [tool.django-migration-manifest] in pyproject.toml match the Django settings, so "
    "`python -m manifest_core` reads the project as Django does.",
)

#: Every check, by ID (``migration_manifest.<id>``), for the documentation and the tests.
ALL: dict[str, CheckId] = {
    c.id: c for c in (E001, E002, E003, E004, E005, E006, E007, E008, E009, E010, E011, W001, W002)
}


@functools.cache
def by_code() -> dict[str, CheckId]:
    """The core's problem codes and the check each one becomes."""
    from manifest_core import codes

    return {
        codes.MANIFEST_MISSING.code: E001,
        codes.MANIFEST_CONFLICT.code: E002,
        codes.MANIFEST_INVALID.code: E003,
        codes.MANIFEST_DUPLICATE.code: E003,
        codes.PATH_OUTSIDE_ROOT.code: E003,
        codes.APP_NOT_IN_MANIFEST.code: E004,
        codes.UNKNOWN_APP.code: E005,
        codes.STALE_HEAD.code: E006,
        codes.WRONG_PATH.code: E007,
        codes.MULTIPLE_LEAVES.code: E008,
    }


@dataclass(frozen=True)
class Finding:
    """One check result before it becomes a Django ``CheckMessage``."""

    check: CheckId
    message: str
    obj: str
    #: The app it concerns, so ``manage.py check <app_label>`` can leave others out.
    label: str | None = None
    #: A hint for this case, instead of the check's own.
    hint: str | None = None


def check_migration_manifest(app_configs: Sequence[Any] | None = None, **kwargs: Any) -> list[Any]:
    """The registered check (tag ``migration_manifest``); see the module docstring."""
    from django.core.checks import Error, Warning

    mode = current_mode()
    if mode is Mode.SKIP:
        return []
    findings = collect_findings()
    if app_configs is not None:
        wanted = {config.label for config in app_configs}
        findings = [f for f in findings if f.label is None or f.label in wanted]
    messages = []
    for finding in findings:
        error = mode is Mode.STRICT and finding.check.id.startswith("E")
        kind: Callable[..., Any] = Error if error else Warning
        messages.append(
            kind(
                finding.message,
                hint=finding.hint or finding.check.hint,
                obj=finding.obj,
                id=f"{TAG}.{finding.check.id}",
            )
        )
    return messages


def collect_findings() -> list[Finding]:
    """Every finding for the current settings, in a stable order."""
    from manifest_core.checks import check_manifest
    from manifest_core.project import read_manifest
    from manifest_core.scope import guide

    from .conf import ConfigurationError, load_settings
    from .view import LoaderError, load_view

    mapped = by_code()
    try:
        conf = load_settings()
    except ConfigurationError as exc:
        return [Finding(E010, str(exc), SETTING)]
    findings = config_findings(conf)
    manifest = read_manifest(conf.root, conf.config)
    try:
        view = load_view(conf)
    except ConfigurationError as exc:
        return [*findings, Finding(E010, str(exc), SETTING)]
    except LoaderError as exc:
        # Without Django's view only the file itself can be checked.
        problems = [p for p in manifest.problems if p.code in mapped]
        findings.extend(_finding(p, manifest.entries, None) for p in problems)
        findings.append(Finding(E011, str(exc), "MigrationLoader"))
        return findings
    summary = view.summary()
    problems = check_manifest(manifest, summary)
    # an app in a tests or fixtures folder: the hint names the exclude line, not resolve
    guided = guide(problems, summary, conf.config.exclude)
    for problem, guided_problem in zip(problems, guided, strict=True):
        if problem.code in mapped:
            hint = guided_problem.hint if guided_problem is not problem else None
            findings.append(_finding(problem, manifest.entries, view, hint))
    findings.extend(static_findings(view))
    return findings


def config_findings(conf: ManifestSettings) -> list[Finding]:
    """W002: settings the static tools read from pyproject.toml that differ from Django's."""
    from django.conf import settings

    findings = []
    if conf.manifest != conf.static_manifest:
        findings.append(
            Finding(
                W002,
                f"{SETTING}['manifest'] is {conf.manifest!r}, but `python -m manifest_core` "
                f"reads {conf.static_manifest!r} (set manifest = {conf.manifest!r} under "
                "[tool.django-migration-manifest] in pyproject.toml).",
                "pyproject.toml",
            )
        )
    for name, static in sorted(conf.config.swappable.items()):
        value = getattr(settings, name, None)
        if isinstance(value, str) and value.lower() != static.lower():
            findings.append(
                Finding(
                    W002,
                    f"settings.{name} is {value!r}, but `python -m manifest_core` reads "
                    f"swappable_dependency(settings.{name}) as {static!r} (set {name} = "
                    f"{value!r} under [tool.django-migration-manifest.swappable] in "
                    "pyproject.toml).",
                    "pyproject.toml",
                )
            )
    return findings


def _finding(
    problem: Problem, entries: Any, view: DjangoView | None, hint: str | None = None
) -> Finding:
    check = by_code()[problem.code]
    where = problem.path if problem.span is None else f"{problem.path}:{problem.line}"
    label = problem.app
    message = problem.message
    if check is E005 and view is not None and label is not None:
        message = _unknown_app_message(label, message, view)
    if check is E003 and message.startswith("cannot be read"):
        # not text (or not a file): the update refuses to edit what it cannot read
        hint = f"Delete or move it, then run `{UPDATE_COMMAND}` to write it again."
    return Finding(check, f"{message}.", where, label, hint)


def _unknown_app_message(label: str, message: str, view: DjangoView) -> str:
    if label in view.apps:
        return f"[apps.{label}] names an app that has no migrations"
    reason = view.left_out.get(label)
    if reason is not None:
        return f"[apps.{label}] names an app that is not first-party: {reason}"
    return message  # no migrations on disk, installed or not


def static_findings(view: DjangoView) -> list[Finding]:
    """E009 and W001: compare the static reader's view with Django's.

    The static reader is given the manifest Django's view implies, so that an out-of-date file
    (already reported above) does not hide folders the manifest would name.
    """
    from manifest_core.config import ConfigError
    from manifest_core.scope import app_folder, exclude_line

    conf = view.settings
    exc = view.static_error
    if isinstance(exc, ConfigError):
        return [Finding(E010, f"{exc}.", "pyproject.toml")]
    if exc is not None or view.static is None:  # the guard must never crash manage.py check
        return [
            Finding(
                E009,
                f"the static reader failed: {type(exc).__name__}: {exc}.",
                conf.manifest,
            )
        ]
    summary = view.static
    findings = []
    static_by_path = {app.path: app for app in summary.apps}
    static_by_label = {app.label: app for app in summary.apps}
    for app in sorted(view.apps.values(), key=lambda a: a.label):
        if not app.heads:
            continue  # a migrations package with no migrations yet: nothing to compare
        static = static_by_path.get(app.path)
        differences = []
        if static is None:
            other = static_by_label.get(app.label)
            if other is not None:
                differences.append(f"the static reader reads it from {other.path!r}")
            else:
                differences.append("the static reader does not find this folder")
        else:
            if static.label != app.label:
                differences.append(f"the static reader reads this folder as app {static.label!r}")
            if sorted(static.head_names) != sorted(app.head_names):
                django_heads = ", ".join(sorted(app.head_names)) or "none"
                static_heads = ", ".join(sorted(static.head_names)) or "none"
                differences.append(
                    f"Django's leaf migrations are {django_heads}, the static reader's are "
                    f"{static_heads}"
                )
        if differences:
            findings.append(
                Finding(
                    E009,
                    f"app {app.label!r} ({app.path}): {'; '.join(differences)}.",
                    app.path,
                    app.label,
                )
            )
    counted = {app.path for app in view.summary().apps}
    for static in summary.apps:
        if static.path in counted or static.label in view.apps or not static.heads:
            continue
        # left out by MIGRATION_MANIFEST, which the static tools do not read
        reason = view.left_out.get(static.label) or f"{SETTING} leaves it out"
        line = exclude_line([app_folder(static.path)], conf.config.exclude)
        findings.append(
            Finding(
                W001,
                f"the static reader records {static.path!r} as app {static.label!r}, which is "
                f"not counted here: {reason}.",
                static.path,
                hint=(
                    "`python -m manifest_core` does not read the Django settings, so it counts "
                    f"this app. Add `{line}` under [tool.django-migration-manifest] in "
                    "pyproject.toml so both leave it out."
                ),
            )
        )
    return findings
