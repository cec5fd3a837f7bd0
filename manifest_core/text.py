"""Pure helpers for source text: decoding, positions and git conflict markers."""

from __future__ import annotations

import _thread  # threading's lock, without importing threading on every command
import ast
import codecs
import re
import warnings
from dataclasses import dataclass

from .model import Span

_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")


class DecodeError(ValueError):
    """Raised when bytes are not text Python would accept as source."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def decode_source(data: bytes) -> str:
    """Decode Python source bytes as Python does: a BOM, a PEP 263 cookie, else UTF-8.

    Binary content (NUL bytes) and undecodable bytes raise :class:`DecodeError` with the line.
    """
    if b"\x00" in data:
        raise DecodeError(
            "contains NUL bytes (a binary file?)", data.count(b"\n", 0, data.index(b"\x00")) + 1
        )
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    else:
        for line in data.split(b"\n", 2)[:2]:
            match = _CODING_RE.match(line)
            if match:
                encoding = match.group(1).decode("ascii")
                break
    try:
        return data.decode(encoding)
    except LookupError:
        raise DecodeError(f"declares an unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        where = data.count(b"\n", 0, exc.start) + 1
        raise DecodeError(f"is not valid {encoding} (byte {data[exc.start]:#04x})", where) from None


#: ``warnings.catch_warnings`` swaps the process's filters; threads (the language server's) must
#: take turns, or one restores what another saved and the filters stay changed.
_QUIET = _thread.allocate_lock()


class TooDeeplyNested(SyntaxError):
    """Source nested deeper than Python can compile (``RecursionError`` in the parser).

    Python itself cannot compile such a module, so Django cannot load it either. ``lineno`` is
    the first line of the statement with the most tokens: where the deep expression is.
    """


TOO_DEEP = "too deeply nested: Python cannot compile an expression this deep"


def parse_module(text: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse``, quietly: the warnings Python gives for the project's own code (an invalid
    escape such as ``"\\d"`` in a migration) are not ours to print, and under ``-W error`` they
    would turn valid code into a ``SyntaxError``. Raises ``SyntaxError`` (:class:`TooDeeplyNested`
    for an expression too deep to compile)."""
    with _QUIET, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text, filename=filename)
        except RecursionError:
            pass
    raise TooDeeplyNested(TOO_DEEP, (filename, deepest_statement_line(text), 1, None))


def deepest_statement_line(text: str) -> int:
    """The first line of the logical line with the most tokens (tokenizing never recurses)."""
    import io
    import tokenize

    best_line, best_count = 1, -1
    start, count = 1, 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                if count > best_count:
                    best_line, best_count = start, count
                count = 0
                continue
            if token.type in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
                continue
            if count == 0:
                start = token.start[0]
            count += 1
    except (tokenize.TokenError, SyntaxError):
        if count > best_count:
            best_line = start
    return best_line


def parse_expression(text: str) -> ast.expr:
    """One expression, parsed quietly (see :func:`parse_module`). Raises ``SyntaxError``."""
    with _QUIET, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text, mode="eval").body


def split_lines(text: str) -> list[str]:
    """Split like Python's tokenizer does (``\\r\\n``, ``\\r`` or ``\\n``), without line ends."""
    return _LINE_BREAK_RE.split(text)


class LineIndex:
    """Converts between string offsets and (line, column) positions of one text."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str) -> None:
        self._text = text
        starts = [0]
        starts.extend(m.end() for m in _LINE_BREAK_RE.finditer(text))
        self._starts = starts

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_text(self, line: int) -> str:
        """The text of 1-based ``line`` without its line break."""
        start = self._starts[line - 1]
        end = self._starts[line] if line < len(self._starts) else len(self._text)
        return self._text[start:end].rstrip("\r\n")

    def offset(self, line: int, column: int) -> int:
        """The string offset of a (1-based line, 0-based code point column) position."""
        if line < 1 or line > len(self._starts):
            raise IndexError(f"line {line} is outside the text (1..{len(self._starts)})")
        return self._starts[line - 1] + column

    def position(self, offset: int) -> tuple[int, int]:
        """The (1-based line, 0-based column) of a string offset."""
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self._starts[lo]

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(line, column, end_line, end_column)

    def utf8_to_column(self, line: int, byte_column: int) -> int:
        """Convert an ``ast`` column (UTF-8 bytes) on ``line`` to a code point column."""
        text = self.line_text(line)
        if text.isascii():
            return byte_column
        return len(text.encode("utf-8")[:byte_column].decode("utf-8", "replace"))


# --- git conflict markers -------------------------------------------------------------------

_MARKER_RE = re.compile(r"^(<{7}|\|{7}|={7}|>{7})(?: (.*))?$")


@dataclass(frozen=True)
class ConflictHunk:
    """One conflicted region. Lines are 1-based lines of the conflicted file."""

    start: int  #: the ``<<<<<<<`` line
    base: int | None  #: the ``|||||||`` line (diff3 and zdiff3 styles only)
    middle: int  #: the ``=======`` line
    end: int  #: the ``>>>>>>>`` line
    ours_label: str
    base_label: str | None
    theirs_label: str


@dataclass(frozen=True)
class SideText:
    """One side of a conflicted file, with the original line of each of its lines."""

    text: str
    line_map: tuple[int, ...]  #: ``line_map[i]`` is the original line of side line ``i + 1``

    def original_line(self, line: int) -> int:
        if 1 <= line <= len(self.line_map):
            return self.line_map[line - 1]
        return self.line_map[-1] if self.line_map else 1


@dataclass(frozen=True)
class ConflictedText:
    """A text split into its conflict hunks and the three versions they encode."""

    hunks: tuple[ConflictHunk, ...]
    ours: SideText
    theirs: SideText
    base: SideText | None  #: only when every hunk carries a base section
    malformed_line: int | None = None  #: first marker line that breaks the structure


def find_conflicts(text: str) -> ConflictedText | None:
    """Split a text with git conflict markers into its sides; ``None`` when it has no markers.

    Understands the ``merge`` (two-way), ``diff3`` and ``zdiff3`` marker styles. A structure it
    cannot follow (a missing ``=======`` or ``>>>>>>>``) is reported via ``malformed_line``; the
    sides are then built as far as the markers allow.
    """
    if "<<<<<<<" not in text and ">>>>>>>" not in text and "=======" not in text:
        return None
    lines = split_lines(text)
    if not any(line.startswith("<<<<<<<") and _MARKER_RE.match(line) for line in lines):
        return None
    hunks: list[ConflictHunk] = []
    ours: list[str] = []
    theirs: list[str] = []
    base: list[str] = []
    ours_map: list[int] = []
    theirs_map: list[int] = []
    base_map: list[int] = []
    every_hunk_has_base = True
    malformed: int | None = None
    state = "outside"
    start = base_line = middle = 0
    labels: dict[str, str | None] = {}
    for number, line in enumerate(lines, start=1):
        match = _MARKER_RE.match(line)
        marker = match.group(1)[0] if match else ""
        label = match.group(2) if match else None
        if state == "outside":
            if marker == "<":
                state, start, base_line, labels = "ours", number, 0, {"ours": label}
                continue
            if marker in ("|", "=", ">") and malformed is None:
                malformed = number
            ours.append(line)
            theirs.append(line)
            base.append(line)
            ours_map.append(number)
            theirs_map.append(number)
            base_map.append(number)
        elif state == "ours":
            if marker == "|":
                state, base_line, labels["base"] = "base", number, label
            elif marker == "=":
                state, middle = "theirs", number
                every_hunk_has_base = False
            elif marker in ("<", ">"):
                malformed = malformed or number
            else:
                ours.append(line)
                ours_map.append(number)
        elif state == "base":
            if marker == "=":
                state, middle = "theirs", number
            elif marker in ("<", ">", "|"):
                malformed = malformed or number
            else:
                base.append(line)
                base_map.append(number)
        elif state == "theirs":
            if marker == ">":
                hunks.append(
                    ConflictHunk(
                        start=start,
                        base=base_line or None,
                        middle=middle,
                        end=number,
                        ours_label=labels.get("ours") or "",
                        base_label=labels.get("base"),
                        theirs_label=label or "",
                    )
                )
                state = "outside"
            elif marker in ("<", "|", "="):
                malformed = malformed or number
            else:
                theirs.append(line)
                theirs_map.append(number)
    if state != "outside":
        malformed = malformed or start
    return ConflictedText(
        hunks=tuple(hunks),
        ours=SideText("\n".join(ours), tuple(ours_map)),
        theirs=SideText("\n".join(theirs), tuple(theirs_map)),
        base=SideText("\n".join(base), tuple(base_map)) if hunks and every_hunk_has_base else None,
        malformed_line=malformed,
    )
