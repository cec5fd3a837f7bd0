"""``check``: compare ``migrations.toml`` with the migrations on disk. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable

from . import codes
from .manifest import Manifest
from .model import AppSummary, Location, Problem, ProjectSummary, Severity, Span


def multiple_leaves(app: AppSummary) -> Problem:
    """The problem for an app whose graph has more than one leaf, on its first leaf."""
    first, *others = app.heads
    names = ", ".join(h.name for h in app.heads)
    return codes.MULTIPLE_LEAVES.problem(
        first.path,
        first.span,
        f"app {app.label!r} has {len(app.heads)} leaf migrations ({names}); "
        "Django refuses to migrate until they are merged or renumbered",
        related=tuple(Location(h.path, h.span) for h in others),
        app=app.label,
    )


def check_manifest(manifest: Manifest, summary: ProjectSummary) -> list[Problem]:
    """Every problem with the repository's migrations and its manifest, sorted by location.

    A repository with no Django app and no manifest has nothing to check: ``migrations.toml`` is
    not reported missing there.
    """
    problems = list(summary.problems)
    apps = {app.label: app for app in summary.apps if app.heads}
    problems.extend(multiple_leaves(app) for app in apps.values() if len(app.heads) > 1)
    problems.extend(manifest.problems)
    if not manifest.exists and not summary.apps:
        # no Django app in the repository (an Alembic project, a folder of repositories): no
        # manifest is needed, so its absence is no problem
        return sorted(problems, key=Problem.sort_key)
    if not manifest.exists or not manifest.text.strip():
        if not any(p.path == manifest.path for p in manifest.problems):
            problems.append(
                codes.MANIFEST_MISSING.problem(
                    manifest.path, None, f"{manifest.path} does not exist"
                )
            )
        return sorted(problems, key=Problem.sort_key)
    conflicted = manifest.conflicted_labels()
    recorded = manifest.entries
    unseen = _unseen(problems)
    for label in sorted(set(apps) - set(recorded) - conflicted):
        if manifest.theirs is not None and label in manifest.theirs:
            continue
        app = apps[label]
        problems.append(
            codes.APP_NOT_IN_MANIFEST.problem(
                manifest.path,
                Span.point(manifest.insertion_line(label)),
                f"app {label!r} ({app.path}) has migrations but no [apps.{label}] entry",
                app=label,
            )
        )
    for label in sorted(set(recorded) - set(apps) - conflicted):
        entry = recorded[label]
        if unseen(entry.path):
            continue  # its folder cannot be read: reported there, never taken for "empty"
        problems.append(
            codes.UNKNOWN_APP.problem(
                manifest.path,
                Span.point(entry.line),
                f"[apps.{label}] names an app with no migrations on disk"
                + (f" (nothing at {entry.path})" if entry.path else ""),
                app=label,
            )
        )
    for label in sorted(set(recorded) & set(apps) - conflicted):
        entry, app = recorded[label], apps[label]
        if len(app.heads) > 1 or unseen(app.path):
            continue
        head = app.heads[0]
        if entry.head is not None and entry.head != head.name:
            problems.append(
                codes.STALE_HEAD.problem(
                    manifest.path,
                    Span.point(entry.head_line or entry.line),
                    f"apps.{label}.head is {entry.head!r} but the app's latest migration "
                    f"is {head.name!r} ({head.path})",
                    related=(Location(head.path, head.span),),
                    app=label,
                )
            )
        if entry.path is not None and entry.path != app.path:
            problems.append(
                codes.WRONG_PATH.problem(
                    manifest.path,
                    Span.point(entry.path_line or entry.line),
                    f"apps.{label}.path is {entry.path!r} but the app's migrations are in "
                    f"{app.path!r}",
                    app=label,
                )
            )
    return sorted(problems, key=Problem.sort_key)


_UNSEEN_CODES = frozenset(
    {codes.UNREADABLE_FOLDER.code, codes.UNREADABLE_FILE.code, codes.UNDECODABLE_FILE_NAME.code}
)


def _unseen(problems: list[Problem]) -> Callable[[str | None], bool]:
    """Whether a folder holds (or lies in) something that could not be read: its head is
    unknown, so comparing it with the manifest would only add a misleading second error."""
    blind = [
        p.path.rstrip("/")
        for p in problems
        if p.code in _UNSEEN_CODES and p.severity >= Severity.ERROR
    ]

    def unseen(folder: str | None) -> bool:
        if not folder or not blind:
            return False
        return any(
            path == folder or path.startswith(folder + "/") or folder.startswith(path + "/")
            for path in blind
        )

    return unseen


def manifest_apps(summary: ProjectSummary) -> dict[str, tuple[str, str]]:
    """``{label: (head, path)}`` for every app with exactly one head: what ``update`` writes."""
    return {app.label: (app.heads[0].name, app.path) for app in summary.apps if len(app.heads) == 1}
