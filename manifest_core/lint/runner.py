"""Lint a whole project: choose the migrations, lint them along the graph, collect the results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace

from manifest_core import gitinfo
from manifest_core.model import Key, ReadMethod, Severity, Span
from manifest_core.project import Project, gc_paused
from manifest_core.reader import migration_name

from .engine import PriorState, lint_parsed
from .findings import FileResult, Finding, SuppressedFinding
from .prior import LintSession
from .settings import LintSettings
from .source import ParsedMigration, ParseNote


@dataclass(frozen=True)
class LintReport:
    results: tuple[FileResult, ...]
    #: The git ref whose migrations count as deployed (``None``: not known).
    baseline: str | None = None
    #: Migrations new on this branch (not present at the baseline).
    new_migrations: frozenset[Key] = frozenset()
    #: Given paths that are not migrations of the project.
    skipped: tuple[str, ...] = field(default=())

    @property
    def findings(self) -> list[Finding]:
        found = [f for r in self.results for f in r.findings]
        found.sort(key=Finding.sort_key)
        return found

    @property
    def suppressed(self) -> list[SuppressedFinding]:
        return [s for r in self.results for s in r.suppressed]

    @property
    def operations(self) -> int:
        return sum(r.operations for r in self.results)

    def failed(self, level: Severity) -> bool:
        return any(f.severity >= level for f in self.findings)


def new_migrations(
    project: Project, ref: str, present: AbstractSet[str] | None = None
) -> frozenset[Key]:
    """Migrations whose file is not in ``ref``'s tree (new on this branch, committed or not).

    ``present`` is that tree's file list, when the caller already has it.
    """
    if present is None:
        present = gitinfo.files_at(project.root, ref)
    return frozenset(
        migration.key
        for app in project.apps.values()
        for migration in app.migrations
        if migration.path not in present
    )


def unreadable_files(project: Project) -> dict[str, str]:
    """Modules of the apps' migration packages that cannot be read at all, with the reason."""
    found = {}
    for path, decl in project.decls.items():
        if decl.method == ReadMethod.NONE.value:
            reasons = [p.message for p in decl.problems]
            found[path] = reasons[0] if reasons else "cannot be read"
    return found


def unreadable_result(path: str, reason: str) -> FileResult:
    """The note for a migration file that cannot even be decoded or opened."""
    parsed = ParsedMigration(
        path,
        migration_name(path),
        "",
        ok=False,
        notes=(ParseNote("unparsable", Span(1, 0, 1, 0), f"{reason}: it cannot be linted"),),
    )
    return lint_parsed(parsed, PriorState.empty(("", migration_name(path))))


def all_migrations(project: Project) -> list[Key]:
    keys = [m.key for app in project.apps.values() for m in app.migrations]
    return sorted(keys, key=lambda key: project.graph.migrations[key].path)


def lint_project(
    project: Project,
    settings: LintSettings | None = None,
    *,
    keys: Iterable[Key] | None = None,
    new: Iterable[Key] = (),
    explicit: bool = False,
    baseline: str | None = None,
    skipped: Iterable[str] = (),
    unreadable: Mapping[str, str] | None = None,
) -> LintReport:
    """Lint migrations ``keys`` of ``project`` (default: every migration), in path order.

    ``new`` are the migrations new on this branch: tables they create count as new (see the
    ``new-tables`` setting), and a squash replacing only new migrations is linted. ``explicit``
    lints squashed migrations even when the migrations they replace are deployed. ``unreadable``
    (path to reason) adds a note for each migration file that cannot be decoded or opened.
    """
    session = LintSession(project, settings, new_migrations=new)
    chosen = (
        all_migrations(project)
        if keys is None
        else sorted(set(keys), key=lambda key: project.graph.migrations[key].path)
    )
    # Each app's files and states are released once its last chosen migration is linted, so
    # memory follows the largest app, not the repository.
    last = {key[0]: position for position, key in enumerate(chosen)}
    results = []
    with gc_paused():
        for position, key in enumerate(chosen):
            results.append(replace(session.lint(key, explicit=explicit), state_after=None))
            if last[key[0]] == position:
                session.release(key[0])
    results += [unreadable_result(path, reason) for path, reason in (unreadable or {}).items()]
    results.sort(key=lambda result: result.path)
    return LintReport(tuple(results), baseline, frozenset(new), tuple(skipped))
