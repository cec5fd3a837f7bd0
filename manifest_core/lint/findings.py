"""Findings: what ``lint`` reports, as frozen values with exact spans."""

from __future__ import annotations

from dataclasses import dataclass

from manifest_core.model import Key, Problem, Severity, Span
from manifest_core.plan import Plan

from .suppress import Suppression


@dataclass(frozen=True)
class Finding:
    """One finding of one rule, on one operation (or keyword) of one migration file.

    ``span`` is what the finding concerns: an operation, one of its keyword arguments, or a
    statement inside a ``RunSQL`` literal; ``operation_span`` is the whole operation, when there
    is one. ``hint`` is the rule's safe alternative. ``fixes`` are mechanical fixes, the last one
    always being "suppress it here, with a reason", when the finding can be suppressed.
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
    fixes: tuple[Plan, ...] = ()

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    @property
    def fix(self) -> Plan | None:
        """The first mechanical fix that is not a suppression, if any."""
        for plan in self.fixes:
            if not plan.title.startswith("Suppress "):
                return plan
        return None

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
