"""Reading migration sources and editing their string literals, with exact ranges.

Every change ``resolve`` makes to a migration file is a :class:`~manifest_core.plan.TextEdit` of
one string literal (a migration name inside a reference), so quotes, comments and formatting
survive. The only other edit inserts a dependency into a ``dependencies`` list literal, for a
moving migration that had no dependency in its own app.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass

from manifest_core.model import MigrationFile, Ref, Span
from manifest_core.project import Project
from manifest_core.reader import REF_ATTRIBUTES
from manifest_core.text import DecodeError, LineIndex, decode_source, parse_module

_LITERAL_RE = re.compile(
    r"""^(?P<prefix>[rRuU]?)(?P<quote>'''|\"\"\"|'|")(?P<body>.*)(?P=quote)$""", re.S
)


def source_text(project: Project, path: str) -> str | None:
    """A file's text as the project sees it (an editor's buffer, else the disk), or ``None``."""
    if path in project.overlays:
        return project.overlays[path]
    try:
        with open(os.path.join(project.root, path), "rb") as handle:
            return decode_source(handle.read())
    except (OSError, DecodeError):
        return None


def span_text(text: str, span: Span) -> str:
    index = LineIndex(text)
    return text[index.offset(span.line, span.column) : index.offset(span.end_line, span.end_column)]


def replacement_literal(written: str, value: str, new_value: str) -> str | None:
    """``written`` (the source of a literal holding ``value``) rewritten to hold ``new_value``.

    ``None`` when the literal is not plain (escapes, implicit concatenation, bytes or f-strings):
    such a reference is reported instead of being rewritten.
    """
    match = _LITERAL_RE.match(written)
    if match is None or match.group("body") != value or "\\" in value:
        return None
    if any(q in match.group("body") for q in ("'", '"')):
        return None
    return f"{match.group('prefix')}{match.group('quote')}{new_value}{match.group('quote')}"


def all_refs(file: MigrationFile) -> list[tuple[str, int, Ref]]:
    """``(attribute, index, reference)`` for every reference the file writes."""
    found = []
    for attr in REF_ATTRIBUTES:
        for index, ref in enumerate(getattr(file, attr)):
            found.append((attr, index, ref))
    return found


def fingerprint(text: str, file: MigrationFile) -> str:
    """The text with every reference's literals blanked: the same for a migration, renumbered."""
    index = LineIndex(text)
    cuts = []
    for _, _, ref in all_refs(file):
        for span in (ref.app_span, ref.name_span):
            if span is not None:
                cuts.append(
                    (
                        index.offset(span.line, span.column),
                        index.offset(span.end_line, span.end_column),
                    )
                )
    for start, end in sorted(cuts, reverse=True):
        text = text[:start] + "\0" + text[end:]
    return text


def quote_style(text: str) -> str:
    """The quote a module writes its tuples' strings with: ``"`` (black) or ``'`` (Django)."""
    return '"' if re.search(r"\(\s*\"", text) and not re.search(r"\(\s*'", text) else "'"


@dataclass(frozen=True)
class Insertion:
    """Where and what to insert to add one dependency to a ``dependencies`` literal."""

    span: Span  #: an empty span: the insertion point
    text: str


def dependency_insertion(text: str, app: str, name: str) -> Insertion | None:
    """How to add ``(app, name)`` to the ``Migration.dependencies`` list or tuple literal.

    ``None`` when the class has no such literal (the dependencies are computed, inherited, or
    absent): the caller reports that it cannot add the dependency.
    """
    try:
        tree = parse_module(text)
    except (SyntaxError, ValueError):
        return None
    value: ast.expr | None = None
    attr_line = 0
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Migration":
            for item in stmt.body:
                assigned: ast.expr | None
                if isinstance(item, ast.Assign):
                    targets, assigned = item.targets, item.value
                elif isinstance(item, ast.AnnAssign):
                    targets, assigned = [item.target], item.value
                else:
                    continue
                if any(isinstance(t, ast.Name) and t.id == "dependencies" for t in targets):
                    value = assigned
                    attr_line = item.lineno
    if not isinstance(value, (ast.List, ast.Tuple)) or value.end_lineno is None:
        return None
    index = LineIndex(text)
    quote = quote_style(text)
    item_text = f"({quote}{app}{quote}, {quote}{name}{quote})"
    lines = text.splitlines()

    def position(line: int, byte_column: int) -> tuple[int, int]:
        return line, index.utf8_to_column(line, byte_column)

    if not value.elts:
        start = position(value.lineno, value.col_offset)
        if isinstance(value, ast.Tuple) and text[index.offset(*start)] != "(":
            return None
        after_open = Span(start[0], start[1] + 1, start[0], start[1] + 1)
        if value.end_lineno > value.lineno:
            indent = re.match(r"[ \t]*", lines[attr_line - 1])
            base = indent.group(0) if indent else ""
            step = "    " if " " in base or not base else "\t"
            return Insertion(after_open, f"\n{base}{step}{item_text},")
        trailing = "," if isinstance(value, ast.Tuple) else ""
        return Insertion(after_open, item_text + trailing)
    last = value.elts[-1]
    if last.end_lineno is None or last.end_col_offset is None:
        return None
    end_line, end_column = position(last.end_lineno, last.end_col_offset)
    offset = index.offset(end_line, end_column)
    rest = text[offset:]
    comma = re.match(r"[ \t]*,", rest)
    multiline = value.end_lineno > last.end_lineno or last.lineno > value.lineno
    if comma:
        offset += comma.end()
    point = Span(*index.position(offset), *index.position(offset))
    if multiline:
        indent = re.match(r"[ \t]*", lines[last.lineno - 1])
        pad = indent.group(0) if indent else "        "
        return Insertion(point, f"{'' if comma else ','}\n{pad}{item_text},")
    return Insertion(point, f"{'' if comma else ','} {item_text}")
