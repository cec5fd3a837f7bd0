"""Django's view of the first-party migrations: labels, folders and leaves, from Django itself.

Which apps count is the core's rule (:mod:`manifest_core.scope`): the migration folders inside
the repository, minus ``exclude``, whether or not they are in ``INSTALLED_APPS``. Django refines
what it knows better about the installed ones: labels from the ``AppConfig``s, folders from the
migration modules Django imports (``MIGRATION_MODULES`` honoured), leaves from Django's own
``MigrationLoader``. An installed app is first-party when its migrations package lives inside the
repository root and not in ``site-packages`` or ``dist-packages`` (so installing or upgrading a
third-party app never changes the manifest). An app that is not installed (a test-only app) is
read statically, exactly as ``python -m manifest_core`` reads it, so the two never undo each
other's manifest.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from manifest_core.checks import manifest_apps
from manifest_core.config import compile_patterns
from manifest_core.model import AppSummary, Head, ProjectSummary
from manifest_core.scope import refine

from .conf import ConfigurationError, ManifestSettings
from .texts import SETTING

THIRD_PARTY_FOLDERS = frozenset({"site-packages", "dist-packages"})


class LoaderError(Exception):
    """Django's ``MigrationLoader`` failed; the message names the exception and the file."""


@dataclass(frozen=True)
class DjangoApp(AppSummary):
    """A first-party app as Django sees it, with its migrations module. Paths are relative to
    the root, ``/``-separated."""

    module: str = ""


@dataclass(frozen=True)
class DjangoView:
    settings: ManifestSettings
    apps: Mapping[str, DjangoApp]
    #: Installed apps that are not first-party, with the reason, e.g. ``"is in site-packages"``.
    left_out: Mapping[str, str] = field(default_factory=dict)
    #: The static reader's view of the repository (the core's rule), or ``None`` if it failed.
    static: ProjectSummary | None = None
    #: Why the static reader failed, when it did.
    static_error: Exception | None = None
    #: Labels and folders ``MIGRATION_MANIFEST`` ``apps``/``exclude`` leave out explicitly.
    dropped: frozenset[str] = frozenset()
    #: Whether ``MIGRATION_MANIFEST["apps"]`` lists the apps exactly (no app is added to it).
    listed_only: bool = False

    def summary(self) -> ProjectSummary:
        """The apps that count, in the core's terms (for ``check_manifest`` and ``update``).

        The core's rule with Django's refinements: every installed first-party app as Django
        sees it, plus every other migrations folder the static reader counts (test-only apps).
        """
        django = ProjectSummary(apps=tuple(sorted(self.apps.values(), key=lambda a: a.label)))
        if self.static is None or self.listed_only:
            return django
        return refine(self.static, self.apps, dropped=self.dropped)

    def entries(self) -> dict[str, tuple[str, str]]:
        """``{label: (head, path)}`` for every app with one leaf: what the manifest records."""
        return manifest_apps(self.summary())


def load_view(conf: ManifestSettings, *, fresh: bool = False) -> DjangoView:
    """Django's view of the first-party apps. ``fresh`` re-imports migration modules first.

    Raises :class:`ConfigurationError` for settings naming unknown apps, :class:`LoaderError`
    when Django's ``MigrationLoader`` fails.
    """
    from django.apps import apps as registry
    from django.db.migrations.loader import MigrationLoader

    installed = {config.label for config in registry.get_app_configs()}
    for key, labels in (("apps", conf.apps or ()), ("exclude", conf.exclude)):
        missing = [label for label in labels if label not in installed]
        if missing:
            what = "is not an installed app label" if len(missing) == 1 else "are not installed"
            raise ConfigurationError(
                f"{SETTING}[{key!r}] names {', '.join(map(repr, missing))}, which {what}."
            )
    if fresh:
        _forget_migration_modules(conf.root, installed)
    try:
        loader = MigrationLoader(None, ignore_no_migrations=True)
    except Exception as exc:  # any failure to load is reported, never a traceback
        description = _describe_exception(exc, conf.root).rstrip(".")
        raise LoaderError(f"Django cannot load the migrations: {description}.") from None
    exclude = compile_patterns(conf.config.exclude)
    leaves: dict[str, list[tuple[str, str]]] = {}
    for label, name in loader.graph.leaf_nodes():
        leaves.setdefault(label, []).append((label, name))
    counts: dict[str, int] = {}
    for label, _ in loader.disk_migrations:
        counts[label] = counts.get(label, 0) + 1
    apps: dict[str, DjangoApp] = {}
    left_out: dict[str, str] = {}
    dropped: set[str] = set()
    for config in registry.get_app_configs():
        label = config.label
        module_name, _ = MigrationLoader.migrations_module(label)
        if module_name is None:
            left_out[label] = "its migrations are disabled (MIGRATION_MODULES maps it to None)"
            continue
        if label not in loader.migrated_apps:
            left_out[label] = "it has no migrations package"
            continue
        listed = conf.apps is not None and label in conf.apps
        if conf.apps is not None and not listed:
            left_out[label] = f"it is not listed in {SETTING}['apps']"
            dropped.add(label)
            continue
        folder = _package_folder(sys.modules[module_name])
        relative = _relative(folder, conf.root)
        if label in conf.exclude:
            left_out[label] = f"{SETTING}['exclude'] leaves it out"
            dropped.update((label, relative) if relative else (label,))
            continue
        if relative is None:
            if listed:
                raise ConfigurationError(
                    f"{SETTING}['apps'] lists {label!r}, but its migrations ({folder}) are "
                    f"outside the repository root {conf.root}."
                )
            left_out[label] = f"its migrations are outside the repository ({folder})"
            continue
        if not listed:
            if THIRD_PARTY_FOLDERS & set(relative.split("/")):
                left_out[label] = f"its migrations are in an installed package ({relative})"
                continue
            if exclude is not None and exclude.match(relative):
                left_out[label] = (
                    "the exclude patterns of [tool.django-migration-manifest] in pyproject.toml "
                    f"leave out {relative}"
                )
                continue
        heads = tuple(
            Head(name, _migration_file(f"{module_name}.{name}", conf.root))
            for _, name in sorted(leaves.get(label, ()))
        )
        apps[label] = DjangoApp(label, relative, heads, counts.get(label, 0), module=module_name)
    static, static_error = _static_summary(conf, apps)
    return DjangoView(
        conf,
        apps,
        left_out,
        static=static,
        static_error=static_error,
        dropped=frozenset(dropped),
        listed_only=conf.apps is not None,
    )


def _static_summary(
    conf: ManifestSettings, apps: Mapping[str, DjangoApp]
) -> tuple[ProjectSummary | None, Exception | None]:
    """The static reader's view, told the labels and folders Django uses for its apps (so an
    out-of-date manifest does not hide a folder Django's view names)."""
    from manifest_core.manifest import parse_manifest, render_manifest
    from manifest_core.project import load_summary

    django = ProjectSummary(apps=tuple(sorted(apps.values(), key=lambda a: a.label)))
    expected = parse_manifest(render_manifest(manifest_apps(django)), conf.manifest)
    try:
        return load_summary(conf.root, config=conf.config, manifest=expected), None
    except Exception as exc:  # reported by the checks (E009/E010); never a traceback
        return None, exc


def _package_folder(module: Any) -> str:
    file = getattr(module, "__file__", None)
    folder = os.path.dirname(file) if file else next(iter(module.__path__))
    return os.path.realpath(str(folder))


def _relative(path: str, root: str) -> str | None:
    """``path`` relative to ``root`` with ``/``, or ``None`` when it is outside."""
    if not path.startswith(root.rstrip(os.sep) + os.sep):
        return None
    return os.path.relpath(path, root).replace(os.sep, "/")


def _migration_file(module_name: str, root: str) -> str:
    module = sys.modules.get(module_name)
    file = getattr(module, "__file__", None)
    if not file:
        return module_name
    return _relative(os.path.realpath(str(file)), root) or module_name


def _forget_migration_modules(root: str, labels: set[str]) -> None:
    """Drop first-party migration modules from ``sys.modules`` so the loader reads the disk again.

    A command may have rewritten a migration in place (``optimizemigration``, ``makemigrations
    --update``); Django's loader would otherwise see the module it imported before the write.
    """
    from django.db.migrations.loader import MigrationLoader

    importlib.invalidate_caches()
    prefix = root.rstrip(os.sep) + os.sep
    for label in labels:
        module_name, _ = MigrationLoader.migrations_module(label)
        if module_name is None:
            continue
        for name in [n for n in sys.modules if n.startswith(module_name + ".")]:
            file = getattr(sys.modules[name], "__file__", None)
            if file and os.path.realpath(file).startswith(prefix):
                del sys.modules[name]


def _describe_exception(exc: BaseException, root: str) -> str:
    if isinstance(exc, SyntaxError) and exc.filename:
        where = _relative(os.path.realpath(exc.filename), root) or exc.filename
        return f"{type(exc).__name__}: {exc.msg} ({where}, line {exc.lineno})"
    return f"{type(exc).__name__}: {exc}"
