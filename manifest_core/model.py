"""The core data model: immutable values shared by the CLI, Django checks and the language server.

Positions follow one convention everywhere inside the core: ``line`` is 1-based and ``column`` is a
0-based offset in code points (Python ``str`` indices) within that line. Output formats convert at
the edge (text and JSON print 1-based columns; the language server converts to UTF-16).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NamedTuple

#: A migration node, as Django keys it: ``(app_label, migration_name)``.
Key = tuple[str, str]

#: Django's default for the settings used by ``swappable_dependency()``.
DEFAULT_SWAPPABLE = {"AUTH_USER_MODEL": "auth.User"}


class Severity(enum.IntEnum):
    """How serious a problem is. ``check`` fails at ``error`` unless told otherwise."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[value.upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {value!r} (choose from {choices})") from None


class Span(NamedTuple):
    """A range of source text: start inclusive, end exclusive. Orders by position."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int = 0) -> Span:
        return cls(line, column, line, column)

    @classmethod
    def whole_line(cls, line: int, length: int) -> Span:
        return cls(line, 0, line, length)


@dataclass(frozen=True)
class Location:
    """A place in a file of the repository (``path`` is relative to the root, with ``/``)."""

    path: str
    span: Span | None = None


@dataclass(frozen=True)
class Problem:
    """A finding about the repository, located in a file, with a stable code and a fix hint."""

    code: str
    name: str
    severity: Severity
    message: str
    path: str
    span: Span | None = None
    hint: str = ""
    related: tuple[Location, ...] = ()
    #: The label of the app the problem is about, where it is about one app.
    app: str | None = None

    @property
    def line(self) -> int:
        return self.span.line if self.span else 1

    @property
    def column(self) -> int:
        return self.span.column if self.span else 0

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)


class RefKind(enum.Enum):
    """How a dependency-like reference was written."""

    LITERAL = "literal"  #: ``("app", "0001_initial")``
    SWAPPABLE = "swappable"  #: ``migrations.swappable_dependency(settings.AUTH_USER_MODEL)``


@dataclass(frozen=True)
class Ref:
    """A reference to a migration node as written in a migration file.

    For ``swappable_dependency(settings.X)`` the app is not known until the setting is resolved:
    ``app`` is empty, ``name`` is ``"__first__"`` and ``setting`` names the setting. For
    ``swappable_dependency("app.Model")`` the app is taken from the literal directly.
    """

    app: str
    name: str
    span: Span | None = None
    app_span: Span | None = None
    name_span: Span | None = None
    kind: RefKind = RefKind.LITERAL
    setting: str | None = None

    @property
    def key(self) -> Key:
        return (self.app, self.name)


class ReadMethod(enum.Enum):
    """Which reader produced a record: useful to know how much to trust it."""

    FAST = "fast"  #: the regex fast path (only for files it fully understands)
    AST = "ast"  #: a full ``ast`` parse of the module
    TOLERANT = "tolerant"  #: the module does not parse; attributes recovered one by one
    NONE = "none"  #: the file could not be read or decoded at all


@dataclass(frozen=True)
class MigrationFile:
    """What the static reader learned about one migration module, before labels are known."""

    path: str
    name: str
    dependencies: tuple[Ref, ...] = ()
    replaces: tuple[Ref, ...] = ()
    run_before: tuple[Ref, ...] = ()
    initial: bool | None = None
    #: Span of the ``Migration`` name in its ``class Migration`` statement, if one was found.
    class_span: Span | None = None
    #: ``True`` when the module defines a top-level ``Migration`` class with at least one base.
    has_migration_class: bool = False
    method: ReadMethod = ReadMethod.AST
    problems: tuple[Problem, ...] = ()

    def decl(self) -> Decl:
        """The declarations of this file, as the graph and the cache hold them."""
        return Decl(
            path=self.path,
            name=self.name,
            dependencies=tuple(dep_key(r) for r in self.dependencies),
            replaces=tuple(dep_key(r) for r in self.replaces),
            run_before=tuple(dep_key(r) for r in self.run_before),
            initial=self.initial,
            class_span=self.class_span,
            has_migration_class=self.has_migration_class,
            method=self.method.value,
            problems=self.problems,
        )


#: A reference as the graph sees it: ``(app_label, name, setting)``. ``setting`` is empty for a
#: literal pair, and names the setting of ``swappable_dependency(settings.X)`` (then the app is
#: empty and the name is ``"__first__"`` until the setting is resolved).
DepKey = tuple[str, str, str]


class Decl(NamedTuple):
    """What the graph needs from one migration file, without source positions.

    It is cheap to read (the declarations reader finds it with a few string searches), to compare
    and to cache, which is what keeps ``check`` fast on tens of thousands of migrations.
    """

    path: str
    name: str
    dependencies: tuple[DepKey, ...] = ()
    replaces: tuple[DepKey, ...] = ()
    run_before: tuple[DepKey, ...] = ()
    initial: bool | None = None
    class_span: Span | None = None
    has_migration_class: bool = False
    method: str = "ast"  #: a :class:`ReadMethod` value
    problems: tuple[Problem, ...] = ()


def dep_key(ref: Ref) -> DepKey:
    return (ref.app, ref.name, ref.setting or "")


class Migration(NamedTuple):
    """A migration file's declarations placed in its app: the unit the graph is built from."""

    app: str
    decl: Decl

    @property
    def name(self) -> str:
        return self.decl.name

    @property
    def key(self) -> Key:
        return (self.app, self.decl.name)

    @property
    def path(self) -> str:
        return self.decl.path


@dataclass(frozen=True)
class Head:
    """A leaf migration of an app, with where its class statement sits."""

    name: str
    path: str
    span: Span | None = None


@dataclass(frozen=True)
class AppSummary:
    """What ``check``, ``update`` and ``show`` need to know about one app."""

    label: str
    path: str
    heads: tuple[Head, ...]
    migration_count: int

    @property
    def head_names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.heads)


@dataclass(frozen=True)
class ProjectSummary:
    """Every app's heads plus the problems found while reading and building the graph."""

    apps: tuple[AppSummary, ...]
    problems: tuple[Problem, ...] = ()
    skipped: tuple[str, ...] = field(default=())

    def app(self, label: str) -> AppSummary | None:
        for app in self.apps:
            if app.label == label:
                return app
        return None
