"""The result of planning a resolution: the plan (data), what it does per app, and why."""

from __future__ import annotations

from dataclasses import dataclass

from manifest_core.model import Problem, Severity
from manifest_core.plan import Plan

RENUMBER, MERGE = "renumber", "merge"
#: Not a strategy one chooses: migrations that depended on a squashed-away migration follow it.
SQUASH = "follow-squash"
STRATEGIES = (RENUMBER, MERGE)
SIDES = ("ours", "theirs")


@dataclass(frozen=True)
class AppResolution:
    """How one app is resolved."""

    label: str
    #: ``renumber``, ``merge``, ``repair`` (references to an earlier rename) or ``follow-squash``
    #: (dependencies on migrations that exist only in a squash's ``replaces``)
    strategy: str
    leaves: tuple[str, ...]  #: the app's leaves before
    head: str  #: the app's single leaf after
    kept: str | None = None  #: renumber: the leaf that stays where it is
    kept_side: str | None = None
    moved_side: str | None = None
    reason: str = ""  #: why this side moves
    moved: tuple[str, ...] = ()  #: migrations placed after ``kept`` (old names, in order)
    renames: tuple[tuple[str, str], ...] = ()  #: (old name, new name)
    created: str | None = None  #: merge: the merge migration's name
    #: Migrations an earlier resolve renamed (old name, name on disk now): ``repair`` only.
    earlier: tuple[tuple[str, str], ...] = ()
    #: Where a database that applied ``moved`` must roll back to: a migration name or ``zero``.
    migrate_target: str | None = None
    #: ``follow-squash``: which dependencies name squashed-away migrations, and the squash.
    detail: str = ""


@dataclass(frozen=True)
class Resolution:
    """Everything ``resolve`` decided. ``plan`` is empty whenever ``problems`` has an error."""

    plan: Plan
    apps: tuple[AppResolution, ...] = ()
    problems: tuple[Problem, ...] = ()
    #: One line per app whose migrations.toml entry changes.
    manifest_changes: tuple[str, ...] = ()
    #: ``manage.py migrate`` commands for databases that applied migrations that move.
    migrate_commands: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: True when there was nothing to resolve (no conflict anywhere, or none in the apps asked
    #: for).
    nothing_to_do: bool = False
    #: Edits that rewrite references, as (path, line, old name, new name), for the report.
    references: tuple[tuple[str, int, str, str], ...] = ()

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity >= Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity < Severity.ERROR)

    @property
    def ok(self) -> bool:
        """A plan that resolves something, and nothing that stops it."""
        return not self.errors and not self.plan.empty
