"""Problems and lint findings as LSP diagnostics, for one client's capabilities."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls import uris

from manifest_core import HOMEPAGE
from manifest_core.lint import Finding
from manifest_core.model import Problem, Severity

from . import NAME
from .positions import UTF16, Lines
from .project import FileReport

SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}

#: Where each family of problem codes is documented.
_DOCS = {
    "MM0": f"{HOMEPAGE}#problems-reported",
    "MM1": f"{HOMEPAGE}#problems-reported",
    "MM2": f"{HOMEPAGE}/blob/main/docs/resolve.md#problems-reported",
}


def path_uri(root: str, path: str) -> str:
    uri = uris.from_fs_path(os.path.join(root, path))
    assert uri is not None
    return str(uri)


@dataclass(frozen=True)
class Renderer:
    """How to write diagnostics for one client: its position encoding and what it supports."""

    root: str
    encoding: str = UTF16
    related_information: bool = True
    code_description: bool = True
    data: bool = True
    #: The URIs the client uses for its open documents, by path (used as they are).
    uris: tuple[tuple[str, str], ...] = ()

    def uri(self, path: str) -> str:
        for known, uri in self.uris:
            if known == path:
                return uri
        return path_uri(self.root, path)

    def diagnostics(
        self, report: FileReport, text_of: Callable[[str], str | None]
    ) -> list[types.Diagnostic]:
        lines = Lines(report.text or "", self.encoding)
        cache: dict[str, Lines] = {report.path: lines}

        def lines_of(path: str) -> Lines:
            if path not in cache:
                cache[path] = Lines(text_of(path) or "", self.encoding)
            return cache[path]

        found = [
            self.problem(p, lines, lines_of) for p in sorted(report.problems, key=Problem.sort_key)
        ]
        found += [self.finding(f, lines) for f in sorted(report.findings, key=Finding.sort_key)]
        return found

    def problem(
        self, problem: Problem, lines: Lines, lines_of: Callable[[str], Lines]
    ) -> types.Diagnostic:
        message = problem.message
        if problem.hint:
            message += f"\n{problem.hint}"
        related = None
        if problem.related:
            if self.related_information:
                related = [
                    types.DiagnosticRelatedInformation(
                        location=types.Location(
                            self.uri(location.path), lines_of(location.path).range(location.span)
                        ),
                        message=_related_message(
                            problem,
                            location.path,
                            lines_of(location.path).line(location.span.line)
                            if location.span is not None
                            else "",
                        ),
                    )
                    for location in problem.related
                ]
            else:
                others = ", ".join(
                    f"{location.path}:{location.span.line if location.span else 1}"
                    for location in problem.related
                )
                message += f"\nsee {others}"
        docs = _DOCS.get(problem.code[:3])
        return types.Diagnostic(
            range=lines.range(problem.span),
            message=message,
            severity=SEVERITY[problem.severity],
            code=problem.code,
            code_description=(
                types.CodeDescription(href=docs) if docs and self.code_description else None
            ),
            source=NAME,
            related_information=related,
            data={"kind": "problem", "code": problem.code, "name": problem.name}
            if self.data
            else None,
        )

    def finding(self, finding: Finding, lines: Lines) -> types.Diagnostic:
        return types.Diagnostic(
            range=lines.range(finding.span),
            message=f"{finding.name}: {finding.message}",
            severity=SEVERITY[finding.severity],
            code=finding.code,
            code_description=(
                types.CodeDescription(href=finding.url) if self.code_description else None
            ),
            source=NAME,
            data={"kind": "lint", "code": finding.code, "name": finding.name}
            if self.data
            else None,
        )


def _related_message(problem: Problem, path: str, line: str) -> str:
    """What a related location is, in words (the line's text is 1-based ``line``'s)."""
    name = os.path.splitext(path.rsplit("/", 1)[-1])[0]
    if problem.code == "MM002":
        marker = line.strip()
        return f"the end of the conflict: {marker}" if marker else "the end of the conflict"
    if problem.code == "MM009":
        return f"the other leaf: {name}"
    if problem.code == "MM007":
        if path.endswith(".toml"):
            return "the head the manifest records"
        return f"the app's latest migration: {name}"
    return name


def fingerprint(diagnostics: list[types.Diagnostic], converter: Any) -> str:
    """A stable digest of a diagnostics list (to skip resending it, and as a result id)."""
    data = json.dumps(converter.unstructure(diagnostics), sort_keys=True)
    return hashlib.blake2b(data.encode(), digest_size=12).hexdigest()
