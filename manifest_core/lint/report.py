"""Render lint results: text for people, JSON for programs, GitHub annotations, SARIF 2.1.0.

Positions: lines are 1-based everywhere; columns are 1-based in every output (code points, as
SARIF's ``columnKind: unicodeCodePoints`` says), end columns exclusive.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from manifest_core import HOMEPAGE, __version__
from manifest_core.model import Severity, Span
from manifest_core.output import problem_github
from manifest_core.plan import Plan

from .findings import Finding, SuppressedFinding
from .rule import Rule
from .rules import RULES
from .runner import LintReport

TOOL_NAME = "django-migration-manifest lint"
INFORMATION_URI = HOMEPAGE
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _range(span: Span) -> dict[str, int]:
    return {
        "line": span.line,
        "column": span.column + 1,
        "end_line": span.end_line,
        "end_column": span.end_column + 1,
    }


def finding_json(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": finding.code,
        "name": finding.name,
        "severity": finding.severity.label,
        "path": finding.path,
        **_range(finding.span),
        "message": finding.message,
        "hint": finding.hint,
        "url": finding.url,
        "migration": finding.migration,
        "operation": finding.operation,
        "operation_range": _range(finding.operation_span) if finding.operation_span else None,
        "fix": finding.fix.to_json() if finding.fix is not None else None,
    }
    return data


def summary_counts(report: LintReport) -> dict[str, int]:
    findings = report.findings
    return {
        "migrations": sum(1 for r in report.results if r.linted),
        "operations": report.operations,
        "errors": sum(1 for f in findings if f.severity is Severity.ERROR),
        "warnings": sum(1 for f in findings if f.severity is Severity.WARNING),
        "notes": sum(1 for f in findings if f.severity is Severity.INFO),
        "suppressed": len(report.suppressed),
    }


def render_json(report: LintReport, failed: bool) -> dict[str, Any]:
    return {
        "ok": not failed,
        "baseline": report.baseline,
        "linted": [r.path for r in report.results],
        "skipped": list(report.skipped),
        "summary": summary_counts(report),
        "findings": [finding_json(f) for f in report.findings],
        "suppressed": [
            {
                **finding_json(s.finding),
                "suppression": {
                    "line": s.suppression.span.line,
                    "rules": list(s.suppression.rules),
                    "reason": s.suppression.reason,
                },
            }
            for s in report.suppressed
        ],
    }


# --- text ------------------------------------------------------------------------------------


def _wrap(label: str, text: str, width: int = 100) -> list[str]:
    indent = " " * (4 + len(label) + 2)
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=f"    {label}: ",
        subsequent_indent=indent,
        break_on_hyphens=False,
    )


def finding_text(finding: Finding, *, verbose: bool = True, advice: bool = True) -> list[str]:
    """A finding as text: its line, then (``verbose``) its fix and, with ``advice``, the rule's
    safe alternative and documentation link, which a run prints once per rule."""
    head = (
        f"{finding.path}:{finding.line}:{finding.column + 1}: {finding.severity.label}"
        f"[{finding.code}] {finding.name}: {finding.message}"
    )
    lines = [head]
    if verbose:
        if advice:
            lines += _wrap("safe", finding.hint)
        fix = finding.fix
        if fix is not None:
            lines += _wrap("fix", fix.title + (f" ({'; '.join(fix.notes)})" if fix.notes else ""))
        if advice:
            lines.append(f"    docs: {finding.url}")
    return lines


def render_text(report: LintReport, *, show_suppressed: bool = False) -> list[str]:
    lines: list[str] = []
    advised: set[str] = set()
    for finding in report.findings:
        lines += finding_text(finding, advice=finding.code not in advised)
        advised.add(finding.code)
    if show_suppressed:
        for item in report.suppressed:
            f = item.finding
            lines.append(
                f"{f.path}:{f.line}:{f.column + 1}: suppressed[{f.code}] {f.name}: "
                f"{item.suppression.reason}"
            )
    lines.append(summary_line(report))
    return lines


def summary_line(report: LintReport) -> str:
    counts = summary_counts(report)
    migrations = counts["migrations"]
    what = f"{migrations} migration{'s' if migrations != 1 else ''}"
    parts = []
    for key, noun in (("errors", "error"), ("warnings", "warning"), ("notes", "note")):
        n = counts[key]
        if n:
            parts.append(f"{n} {noun}{'s' if n != 1 else ''}")
    found = _join(parts) if parts else "no findings"
    suppressed = counts["suppressed"]
    tail = f" ({suppressed} suppressed)" if suppressed else ""
    operations = counts["operations"]
    ops = f"{operations} operation{'s' if operations != 1 else ''}"
    return f"Linted {what}, {ops}: {found}{tail}."


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def render_github(findings: Iterable[Finding]) -> list[str]:
    lines = []
    for finding in findings:
        problem = finding.to_problem()
        lines.append(problem_github(problem))
    return lines


# --- SARIF -----------------------------------------------------------------------------------

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _region(span: Span) -> dict[str, int]:
    return {
        "startLine": span.line,
        "startColumn": span.column + 1,
        "endLine": span.end_line,
        "endColumn": span.end_column + 1,
    }


def _sarif_rule(rule: Rule, level: Severity) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {
            "text": rule.safe,
            "markdown": f"**{rule.name}**: {rule.summary}\n\n{rule.why}\n\n**Safe alternative:** "
            f"{rule.safe}\n\n[Documentation]({rule.url})",
        },
        "helpUri": rule.url,
        "defaultConfiguration": {"level": _LEVELS[level]},
        "properties": {"tags": ["migrations", "postgresql"], "name": rule.name},
    }


def _sarif_fix(plan: Plan) -> dict[str, Any]:
    changes: dict[str, list[dict[str, Any]]] = {}
    for edit in plan.edits:
        changes.setdefault(edit.path, []).append(
            {
                "deletedRegion": _region(edit.span),
                "insertedContent": {"text": edit.new_text},
            }
        )
    return {
        "description": {"text": plan.title},
        "artifactChanges": [
            {"artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"}, "replacements": reps}
            for path, reps in changes.items()
        ],
    }


def _sarif_result(
    finding: Finding, index: dict[str, int], suppressed: SuppressedFinding | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                    "region": _region(finding.span),
                }
            }
        ],
        "properties": {"name": finding.name, "migration": finding.migration},
    }
    fixes = [_sarif_fix(plan) for plan in finding.fixes if not plan.title.startswith("Suppress ")]
    if fixes:
        result["fixes"] = fixes
    if suppressed is not None:
        result["suppressions"] = [
            {"kind": "inSource", "justification": suppressed.suppression.reason}
        ]
    return result


def render_sarif(
    report: LintReport, severity_of: dict[str, Severity], root: str | None = None
) -> dict[str, Any]:
    index = {rule.code: i for i, rule in enumerate(RULES)}
    results = [_sarif_result(f, index) for f in report.findings]
    results += [_sarif_result(s.finding, index, s) for s in report.suppressed]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": TOOL_NAME,
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [
                            _sarif_rule(rule, severity_of.get(rule.code, rule.severity))
                            for rule in RULES
                        ],
                    }
                },
                "originalUriBaseIds": {
                    "%SRCROOT%": {
                        **({"uri": Path(root).resolve().as_uri() + "/"} if root else {}),
                        "description": {"text": "the repository root"},
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


# --- writing JSON fast --------------------------------------------------------------------------


def write_json(out: TextIO, data: object, depth: int = 2) -> None:
    """Write ``data`` as indented JSON down to ``depth``, each deeper value on one line.

    Deep values go through the C encoder, so a report with thousands of findings (one per line)
    is written in a fraction of the time ``json.dump(indent=2)`` takes, and still reads well.
    """
    out.write(_render(data, depth, 0))
    out.write("\n")


def _render(value: object, depth: int, level: int) -> str:
    pad = "  " * (level + 1)
    if level < depth and isinstance(value, dict) and value:
        items = [f"{pad}{json.dumps(k)}: {_render(v, depth, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * level + "}"
    if level < depth and isinstance(value, list) and value:
        items = [pad + _render(v, depth, level + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + "  " * level + "]"
    return json.dumps(value)
