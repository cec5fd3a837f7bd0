"""A fix, as data: text edits with exact ranges, file renames and new files.

Every command that changes the repository first builds a :class:`Plan`. The CLI applies it to disk
(:mod:`manifest_core.fsops`); the language server sends the same plan as an LSP ``WorkspaceEdit``.

Order of application, which both faces follow:

1. ``edits``, addressed by each file's path *before* any rename;
2. ``renames``;
3. ``creates``, which must not overwrite anything.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .model import Span
from .text import LineIndex


@dataclass(frozen=True)
class TextEdit:
    """Replace ``span`` of ``path`` with ``new_text``. ``old_text``, if given, must be there."""

    path: str
    span: Span
    new_text: str
    old_text: str | None = None


@dataclass(frozen=True)
class FileRename:
    old_path: str
    new_path: str


@dataclass(frozen=True)
class FileCreate:
    path: str
    content: str


@dataclass(frozen=True)
class Plan:
    title: str
    edits: tuple[TextEdit, ...] = ()
    renames: tuple[FileRename, ...] = ()
    creates: tuple[FileCreate, ...] = ()
    #: Things the user must know (warnings, commands to run), printed with the plan.
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.edits or self.renames or self.creates)

    def touched_paths(self) -> list[str]:
        paths = {e.path for e in self.edits}
        paths.update(r.old_path for r in self.renames)
        paths.update(r.new_path for r in self.renames)
        paths.update(c.path for c in self.creates)
        return sorted(paths)

    def merged(self, other: Plan, title: str | None = None) -> Plan:
        return Plan(
            title=title or self.title,
            edits=self.edits + other.edits,
            renames=self.renames + other.renames,
            creates=self.creates + other.creates,
            notes=self.notes + other.notes,
        )

    def describe(self) -> list[str]:
        """One line per change, for ``--dry-run``."""
        lines = []
        for rename in self.renames:
            lines.append(f"rename  {rename.old_path} -> {rename.new_path}")
        for edit in sorted(self.edits, key=lambda e: (e.path, e.span)):
            where = f"{edit.path}:{edit.span.line}:{edit.span.column + 1}"
            if (
                edit.old_text is not None
                and "\n" not in edit.old_text
                and "\n" not in edit.new_text
            ):
                lines.append(f"edit    {where}: {edit.old_text} -> {edit.new_text}")
            else:
                lines.append(f"edit    {where}: replace {_lines(edit.span)} line(s)")
        for create in self.creates:
            lines.append(f"create  {create.path} ({len(create.content.splitlines())} lines)")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "renames": [{"from": r.old_path, "to": r.new_path} for r in self.renames],
            "edits": [
                {
                    "path": e.path,
                    "range": {
                        "start": {"line": e.span.line, "column": e.span.column + 1},
                        "end": {"line": e.span.end_line, "column": e.span.end_column + 1},
                    },
                    "old_text": e.old_text,
                    "new_text": e.new_text,
                }
                for e in self.edits
            ],
            "creates": [{"path": c.path, "content": c.content} for c in self.creates],
            "notes": list(self.notes),
        }


def _lines(span: Span) -> int:
    return span.end_line - span.line + 1


class EditError(ValueError):
    """A plan does not fit the text it is applied to (stale plan or overlapping edits)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """Apply one file's edits to its text. Edits must not overlap."""
    index = LineIndex(text)
    located = []
    for edit in edits:
        line = edit.span.line
        try:
            start = index.offset(line, edit.span.column)
            end = index.offset(edit.span.end_line, edit.span.end_column)
        except IndexError:
            raise EditError("the edit is out of range", line) from None
        if end < start or end > len(text):
            raise EditError("the edit has an invalid range", line)
        if edit.old_text is not None and text[start:end] != edit.old_text:
            raise EditError(
                f"expected {edit.old_text!r} but found {text[start:end]!r}; "
                "the file changed since the plan was made",
                line,
            )
        located.append((start, end, edit.new_text))
    located.sort()
    for (_, prev_end, _), (start, _, _) in itertools.pairwise(located):
        if start < prev_end:
            raise EditError("edits overlap")
    for start, end, new_text in reversed(located):
        text = text[:start] + new_text + text[end:]
    return text


def whole_text_span(text: str) -> Span:
    """The span covering all of ``text`` (to replace a file's content in one edit)."""
    return LineIndex(text).span(0, len(text))
