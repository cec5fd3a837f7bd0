"""Positions at the protocol edge: core spans (1-based lines, code point columns) to LSP ranges.

The core counts columns in code points; LSP counts them in the negotiated position encoding's
code units (UTF-16 unless the client offers ``utf-8`` or ``utf-32``). Lines break at ``\\r\\n``,
``\\r`` and ``\\n``, as in both the core and the LSP specification.
"""

from __future__ import annotations

from lsprotocol import types

from manifest_core.model import Span
from manifest_core.text import split_lines

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def _units(text: str, encoding: str) -> int:
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


class Lines:
    """One text's lines, converting between core positions and LSP positions."""

    __slots__ = ("encoding", "lines")

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.lines = split_lines(text)
        self.encoding = str(encoding)

    def line(self, line: int) -> str:
        """1-based ``line`` without its line break ("" past the end)."""
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1]
        return ""

    def position(self, line: int, column: int) -> types.Position:
        """The LSP position of a (1-based line, code point column), clamped to the text."""
        if line < 1:
            return types.Position(0, 0)
        if line > len(self.lines):
            last = len(self.lines)
            return types.Position(last - 1, _units(self.lines[-1], self.encoding))
        text = self.lines[line - 1]
        column = max(0, min(column, len(text)))
        return types.Position(line - 1, _units(text[:column], self.encoding))

    def range(self, span: Span | None) -> types.Range:
        """The LSP range of a span; a missing span is the first line, a point at the start
        of a line is that whole line (manifest problems name lines)."""
        if span is None:
            span = Span.point(1)
        if (span.line, span.column) == (span.end_line, span.end_column) and span.column == 0:
            text = self.line(span.line)
            start = len(text) - len(text.lstrip())
            if text.strip():
                return types.Range(
                    self.position(span.line, start), self.position(span.line, len(text))
                )
        return types.Range(
            self.position(span.line, span.column), self.position(span.end_line, span.end_column)
        )

    def to_core(self, position: types.Position) -> tuple[int, int]:
        """The (1-based line, code point column) of an LSP position, clamped to the text."""
        index = min(max(position.line, 0), len(self.lines) - 1)
        text = self.lines[index]
        if self.encoding == UTF32 or text.isascii():
            return index + 1, min(position.character, len(text))
        units = 0
        for column, char in enumerate(text):
            if units >= position.character:
                return index + 1, column
            if self.encoding == UTF8:
                units += len(char.encode("utf-8", "surrogatepass"))
            else:
                units += 2 if ord(char) > 0xFFFF else 1
        return index + 1, len(text)

    def span(self, range_: types.Range) -> Span:
        line, column = self.to_core(range_.start)
        end_line, end_column = self.to_core(range_.end)
        return Span(line, column, end_line, end_column)


def contains(span: Span | None, line: int, column: int) -> bool:
    """Whether a core position lies inside ``span`` (end inclusive, for a cursor after it)."""
    if span is None:
        return False
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


def overlaps(span: Span | None, other: Span) -> bool:
    if span is None:
        return False
    return (span.line, span.column) <= (other.end_line, other.end_column) and (
        other.line,
        other.column,
    ) <= (span.end_line, span.end_column)
