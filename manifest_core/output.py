"""Render problems for people (text), programs (JSON) and GitHub Actions (annotations)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .model import Problem, Severity


def problem_json(problem: Problem) -> dict[str, Any]:
    span = problem.span
    return {
        "code": problem.code,
        "name": problem.name,
        "severity": problem.severity.label,
        "path": problem.path,
        "line": problem.line,
        "column": problem.column + 1,
        "end_line": span.end_line if span else problem.line,
        "end_column": (span.end_column + 1) if span else problem.column + 1,
        "message": problem.message,
        "hint": problem.hint,
        "related": [
            {"path": loc.path, "line": loc.span.line if loc.span else 1} for loc in problem.related
        ],
        "app": problem.app,
    }


def problem_text(problem: Problem) -> str:
    lines = [
        f"{problem.path}:{problem.line}:{problem.column + 1}: "
        f"{problem.severity.label}[{problem.code}]: {problem.message}"
    ]
    for loc in problem.related:
        lines.append(f"    see: {loc.path}:{loc.span.line if loc.span else 1}")
    if problem.hint:
        lines.append(f"    hint: {problem.hint}")
    return "\n".join(lines)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def problem_github(problem: Problem) -> str:
    """A GitHub Actions workflow command that annotates the file and line."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}[
        problem.severity
    ]
    span = problem.span
    props = [f"file={_escape_property(problem.path)}", f"line={problem.line}"]
    if span is not None:
        props += [
            f"col={span.column + 1}",
            f"endLine={span.end_line}",
            f"endColumn={span.end_column + 1}",
        ]
    props.append(f"title={_escape_property(f'{problem.code} {problem.name}')}")
    message = problem.message + (f"\nhint: {problem.hint}" if problem.hint else "")
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


def count_line(problems: Sequence[Problem]) -> str:
    counts = {s: sum(1 for p in problems if p.severity is s) for s in Severity}
    parts = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        n = counts[severity]
        if n:
            noun = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}[
                severity
            ]
            parts.append(f"{n} {noun}{'s' if n != 1 else ''}")
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


def render_problems(problems: Iterable[Problem], fmt: str) -> list[str]:
    if fmt == "github":
        return [problem_github(p) for p in problems]
    return [problem_text(p) for p in problems]
