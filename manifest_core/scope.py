"""Which apps count: the one rule every face applies (CLI, Django checks and hooks, editor).

**An app counts when its migrations folder is inside the repository and not excluded.** The
folders are the ones discovery finds (:mod:`manifest_core.discovery`: every ``migrations``
package, plus the folders named in ``migrations.toml`` and in ``labels``), minus the
``exclude`` patterns and nested git repositories. Whether the app is in ``INSTALLED_APPS`` does
not matter: a test-only app counts for ``python -m manifest_core`` and for ``manage.py`` alike.

The Django side *refines* what it knows better (an installed app's label from its ``AppConfig``,
its folder from ``MIGRATION_MODULES``, its leaves from ``MigrationLoader``) with
:func:`refine`, which never adds or drops an app because of ``INSTALLED_APPS``.

This module also knows which folders look like tests or fixtures, so that a problem in one of
them suggests the ``exclude`` line rather than ``resolve``. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Iterable, Mapping, Sequence

from .model import AppSummary, Problem, ProjectSummary, Severity

#: Folder names that hold tests or test data (compared case-insensitively).
_TEST_NAMES = frozenset(
    {
        "test",
        "tests",
        "testing",
        "testapp",
        "testapps",
        "test_app",
        "test_apps",
        "testproject",
        "test_project",
        "testdata",
        "test_data",
        "fixture",
        "fixtures",
        "testutils",
        "test_utils",
    }
)
_TEST_NAME_RE = re.compile(r"^(?:tests?_.+|.+_tests|testapp\w*|.+_fixtures?)$", re.I)

TABLE_LINE = "[tool.django-migration-manifest]"


def app_folder(migrations_path: str) -> str:
    """The app's folder for its migrations folder: ``a/b/migrations`` -> ``a/b``."""
    parent, _, name = migrations_path.rpartition("/")
    return parent if name == "migrations" and parent else migrations_path


def looks_like_test_data(path: str) -> bool:
    """Whether a folder (relative, ``/``-separated) lives under tests or fixtures."""
    return any(part.lower() in _TEST_NAMES or _TEST_NAME_RE.match(part) for part in path.split("/"))


def exclude_line(folders: Iterable[str], existing: Sequence[str] = ()) -> str:
    """The ``exclude = [...]`` line that adds ``folders`` to the ``existing`` patterns."""
    patterns = list(existing)
    for folder in folders:
        if folder not in patterns:
            patterns.append(folder)
    return "exclude = [" + ", ".join(_toml_string(p) for p in patterns) + "]"


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def fixture_apps(problems: Iterable[Problem], summary: ProjectSummary) -> dict[str, str]:
    """``{label: app folder}`` for the apps with a problem whose folder looks like test data."""
    found: dict[str, str] = {}
    for problem in problems:
        app = _app_of(problem, summary)
        in_app = app is not None and problem.path.startswith(app.path + "/")
        if app is not None and in_app and looks_like_test_data(app.path):
            found[app.label] = app_folder(app.path)
    return dict(sorted(found.items()))


def _app_of(problem: Problem, summary: ProjectSummary) -> AppSummary | None:
    if problem.app is not None:
        app = summary.app(problem.app)
        if app is not None:
            return app
    for app in summary.apps:
        if problem.path.startswith(app.path + "/"):
            return app
    return None


def guide(
    problems: Sequence[Problem], summary: ProjectSummary, exclude: Sequence[str] = ()
) -> list[Problem]:
    """The problems, with the hint of each error in a test-data app's migrations saying how to
    exclude it (an entry missing from the manifest keeps its hint: ``update`` adds it).

    Such an app is a linter's or a test suite's data, often broken on purpose: ``resolve`` or
    ``--strategy merge`` would edit it, so the hint names the ``exclude`` line instead.
    """
    result = []
    for problem in problems:
        app = _app_of(problem, summary)
        if (
            app is not None
            and problem.severity >= Severity.ERROR
            and problem.path.startswith(app.path + "/")  # in its migrations, not the manifest
            and looks_like_test_data(app.path)
        ):
            folder = app_folder(app.path)
            hint = (
                f"app {app.label!r} lives in {folder}, which looks like tests or fixtures: leave "
                f"it out with `{exclude_line([folder], exclude)}` under {TABLE_LINE} in "
                "pyproject.toml"
            )
            problem = dataclasses.replace(problem, hint=hint)
        result.append(problem)
    return result


def refine(
    static: ProjectSummary,
    refined: Mapping[str, AppSummary],
    *,
    dropped: Collection[str] = (),
) -> ProjectSummary:
    """The apps that count: ``static``'s, with ``refined`` ones taking over what they know.

    ``refined`` (by label) is what a face knows better about some apps: Django's label, folder
    and leaves of an installed app. A static app is replaced by the refined app at the same
    folder or with the same label; every other static app is kept as it is, with its problems.
    ``dropped`` names folders (or labels) a face was told explicitly to leave out.
    """
    taken_paths = {app.path for app in refined.values()}
    dropped_set = set(dropped)
    kept: list[AppSummary] = []
    for app in static.apps:
        if app.path in taken_paths or app.label in refined:
            continue
        if app.path in dropped_set or app.label in dropped_set:
            continue
        kept.append(app)
    kept_paths = tuple(app.path + "/" for app in kept)
    kept_labels = {app.label for app in kept}
    problems = tuple(
        p
        for p in static.problems
        if (p.app is not None and p.app in kept_labels)
        or (p.app is None and p.path.startswith(kept_paths))
    )
    apps = sorted((*refined.values(), *kept), key=lambda a: a.label)
    return ProjectSummary(apps=tuple(apps), problems=problems, skipped=static.skipped)


def no_apps_sentence(root: str) -> str:
    """What every command says in a repository without Django migrations."""
    return f"No Django migrations found in {root}; nothing to check."


def exclude_advice(apps: Mapping[str, str], existing: Sequence[str] = ()) -> list[str]:
    """Lines that say how to leave out the test-data ``apps`` (``{label: folder}``)."""
    if not apps:
        return []
    named = ", ".join(f"{label!r} ({folder})" for label, folder in apps.items())
    noun = "app" if len(apps) == 1 else "apps"
    return [
        f"The {noun} {named} {'looks' if len(apps) == 1 else 'look'} like tests or fixtures. "
        f"To leave {'it' if len(apps) == 1 else 'them'} out, add under {TABLE_LINE} in "
        "pyproject.toml:",
        f"    {exclude_line(apps.values(), existing)}",
    ]
