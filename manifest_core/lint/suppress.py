"""Inline suppressions: ``# migration-manifest: ignore[<rule>, ...] -- <reason>``.

A suppression applies to the findings of the operation it sits on:

* a comment *after code* applies to that line: the operation starting there, or the finding
  (such as a keyword) on that line;
* a comment *on its own line* applies to the next line that is not a comment, so several
  suppressions can be stacked above one operation.

Rules are named by name (``add-index``) or code (``ML011``). The reason is required: a
suppression without one (or still saying ``<reason>``) suppresses nothing and is reported itself
(``suppression-without-reason``). Unknown rule names are reported (``unknown-rule-in-suppression``)
and so are suppressions that silence nothing (``unused-suppression``).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from manifest_core.model import Span

from .rule import REASON_PLACEHOLDER

MARKER = "migration-manifest:"
_SUPPRESSION_RE = re.compile(r"#\s*migration-manifest:\s*ignore\s*\[(?P<rules>[^\]]*)\]")
_MARKER_RE = re.compile(r"#\s*migration-manifest:")


@dataclass(frozen=True)
class Suppression:
    """One suppression comment. ``target`` is the line it applies to."""

    span: Span
    target: int
    rules: tuple[str, ...]
    reason: str
    #: ``False`` for a comment that says ``migration-manifest:`` but is not a valid suppression.
    valid: bool = True

    @property
    def has_reason(self) -> bool:
        reason = self.reason.strip()
        return bool(reason) and reason != REASON_PLACEHOLDER


def find_suppressions(text: str) -> list[Suppression]:
    """Every ``migration-manifest:`` comment of a module, in order. Never raises."""
    if MARKER not in text:
        return []
    comments: list[tuple[int, int, int, str, bool]] = []
    code_lines: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                line, column = token.start
                comments.append((line, column, token.end[1], token.string, False))
            elif token.type not in (
                tokenize.NL,
                tokenize.NEWLINE,
                tokenize.INDENT,
                tokenize.DEDENT,
                tokenize.ENDMARKER,
            ):
                for line in range(token.start[0], token.end[0] + 1):
                    code_lines.add(line)
    except (tokenize.TokenError, SyntaxError):
        return []
    comment_lines = {c[0] for c in comments}
    last_line = text.count("\n") + 1
    found: list[Suppression] = []
    for line, column, end, string, _ in comments:
        if not _MARKER_RE.match(string):
            continue
        trailing = line in code_lines
        target = line
        if not trailing:
            target = line + 1
            while target <= last_line and target in comment_lines and target not in code_lines:
                target += 1
        span = Span(line, column, line, end)
        match = _SUPPRESSION_RE.match(string)
        reason = _reason(string[match.end() :]) if match else None
        if match is None or reason is None:
            found.append(Suppression(span, target, (), "", valid=False))
            continue
        rules = tuple(r.strip() for r in match.group("rules").split(",") if r.strip())
        found.append(Suppression(span, target, rules, reason))
    return found


def _reason(rest: str) -> str | None:
    """The reason after ``ignore[...]``: ``-- <reason>``, up to a further ``  # comment``.

    Empty when there is none; ``None`` when something else follows the brackets.
    """
    rest = rest.strip()
    if not rest or rest.startswith("#"):
        return ""
    if not rest.startswith("--"):
        return None
    reason = rest[2:]
    comment = reason.find("  #")
    if comment >= 0:
        reason = reason[:comment]
    return reason.strip()
