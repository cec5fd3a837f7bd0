"""Findings: what ``lint`` reports, as frozen values with exact spans."""

from __future__ import annotations

from dataclasses import dataclass, field

from manifest_core.model import Key, Problem, Severity, Span
from manifest_core.plan import Plan

from .state import AppState
from .suppress import Suppression


@dataclass(frozen=True)
class Finding:
    """One finding of one rule, on one operation (or keyword) of one migration file.

    ``span`` is what the finding concerns: an operation, one of its keyword arguments, or a
    statement inside a ``RunSQL`` literal; ``operation_span`` is the whole operation, when there
    is one. ``hint`` is the rule's safe alternative. ``fix`` is the mechanical fix, if there is
    one; :attr:`fixes` adds "suppress it here, with a reason" (built on demand: most findings
    are never suppressed, and a keystroke should not pay for it).
    """

    code: str
    name: str
    severity: Severity
    path: str
    span: Span
    message: str
    hint: str
    url: str
    migration: str = ""
    operation: str = ""
    operation_span: Span | None = None
    fix: Plan | None = None
    #: Where a suppression comment goes: (line, indentation, line break), if it can be added.
    suppression_point: tuple[int, str, str] | None = None

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    @property
    def fixes(self) -> tuple[Plan, ...]:
        """Every fix: the mechanical one (if any), then "suppress it here" (if possible)."""
        found: list[Plan] = [self.fix] if self.fix is not None else []
        suppress = self.suppression_fix
        if suppress is not None:
            found.append(suppress)
        return tuple(found)

    @property
    def suppression_fix(self) -> Plan | None:
        """Insert ``# migration-manifest: ignore[<name>] -- <reason>`` above the operation."""
        if self.suppression_point is None:
            return None
        from .fixes import suppression_plan

        line, indent, newline = self.suppression_point
        return suppression_plan(self.path, line, indent, newline, self.name)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.span.line, self.span.column, self.code, self.message)

    def to_problem(self) -> Problem:
        """The finding as a core :class:`~manifest_core.model.Problem` (for shared renderers)."""
        return Problem(
            code=self.code,
            name=self.name,
            severity=self.severity,
            message=self.message,
            path=self.path,
            span=self.span,
            hint=self.hint,
        )


@dataclass(frozen=True)
class SuppressedFinding:
    finding: Finding
    suppression: Suppression


@dataclass(frozen=True)
class FileResult:
    """The outcome of linting one migration file."""

    path: str
    migration: Key
    findings: tuple[Finding, ...] = ()
    suppressed: tuple[SuppressedFinding, ...] = ()
    #: ``False`` when the file could not be linted at all (it does not parse...).
    linted: bool = True
    #: Operations checked (nested ones included).
    operations: int = 0
    #: The app's model state after this migration, when every operation could be replayed.
    state_after: AppState | None = field(default=None, repr=False, compare=False)
