"""``migrations.toml``: render it byte for byte, and read it back whatever state it is in.

The file records each first-party app's head migration in its own table, separated by blank
lines. Git merges changes to different tables cleanly and stops on two changes to the same table,
which is exactly when two branches added migrations to the same app.

Reading never raises. Conflict markers, duplicate keys, malformed TOML and unexpected shapes are
reported as problems on their exact lines, and as much of the content as can be trusted is kept.
"""

from __future__ import annotations

import posixpath
import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from . import codes
from .model import Location, Problem, Span
from .text import ConflictedText, find_conflicts, split_lines

FORMAT_VERSION = 1

HEADER = """\
# migrations.toml: the latest migration of every Django app in this repository.
# Maintained by django-migration-manifest. Regenerate it with:
#
#     python -m manifest_core update
#
# A merge conflict in this file means two branches both added migrations to
# the same app. Do not pick a side by hand; run:
#
#     python -m manifest_core resolve
#
# It renumbers the incoming branch's migrations after the other branch's head
# (or, with --strategy merge, writes a merge migration) and rewrites this file.
"""


def render_manifest(apps: Mapping[str, tuple[str, str]]) -> str:
    """The manifest for ``{label: (head, path)}``: same input, same bytes, LF line endings."""
    import tomli_w  # only writers need it

    document = {
        "version": FORMAT_VERSION,
        "apps": {label: {"head": apps[label][0], "path": apps[label][1]} for label in sorted(apps)},
    }
    return HEADER + "\n" + tomli_w.dumps(document)


@dataclass(frozen=True)
class ManifestEntry:
    """One ``[apps.<label>]`` table. Lines are lines of the file as it is on disk."""

    label: str
    head: str | None
    path: str | None
    line: int
    head_line: int | None = None
    path_line: int | None = None


@dataclass(frozen=True)
class Manifest:
    """A parsed manifest. When conflicted, ``entries`` is the first ("ours") side."""

    path: str
    exists: bool
    text: str = ""
    entries: Mapping[str, ManifestEntry] = field(default_factory=dict)
    theirs: Mapping[str, ManifestEntry] | None = None
    base: Mapping[str, ManifestEntry] | None = None
    conflict: ConflictedText | None = None
    problems: tuple[Problem, ...] = ()
    line_count: int = 0
    #: The file starts with a UTF-8 byte order mark (tolerated; ``update`` drops it).
    bom: bool = False

    @property
    def conflicted(self) -> bool:
        return self.conflict is not None

    def conflicted_labels(self) -> set[str]:
        """Apps whose entries differ between the two sides of the conflict markers."""
        if self.theirs is None:
            return set()
        labels = set(self.entries) | set(self.theirs)
        return {
            label
            for label in labels
            if _entry_value(self.entries.get(label)) != _entry_value(self.theirs.get(label))
        }

    def path_labels(self) -> dict[str, str]:
        """``{folder: label}`` from every side of the file: how the reader learns labels."""
        result: dict[str, str] = {}
        for side in (self.base, self.theirs, self.entries):
            for entry in (side or {}).values():
                if entry.path:
                    result[entry.path] = entry.label
        return result

    def insertion_line(self, label: str) -> int:
        """The line where an ``[apps.<label>]`` table would go, for locating "missing app"."""
        labels, first_lines = self._by_label
        index = bisect_right(labels, label)
        return first_lines[index] if index < len(labels) else max(self.line_count, 1)

    @cached_property
    def _by_label(self) -> tuple[list[str], list[int]]:
        """The labels, sorted, and for each the first line of the entries from it onwards."""
        labels = sorted(self.entries)
        first_lines = [self.entries[label].line for label in labels]
        for index in range(len(first_lines) - 2, -1, -1):
            first_lines[index] = min(first_lines[index], first_lines[index + 1])
        return labels, first_lines


def _entry_value(entry: ManifestEntry | None) -> tuple[str | None, str | None] | None:
    return None if entry is None else (entry.head, entry.path)


def parse_manifest(text: str, path: str = "migrations.toml") -> Manifest:
    """Parse a manifest's text. Never raises; see the module docstring."""
    line_count = len(split_lines(text.rstrip("\n"))) if text else 0
    if not text.strip():
        problem = codes.MANIFEST_INVALID.problem(
            path,
            Span.point(1),
            f"{path} is empty",
            hint=f"run `{codes.UPDATE}` to write it",
        )
        return Manifest(path=path, exists=True, text=text, problems=(problem,), line_count=0)
    conflict = find_conflicts(text)
    if conflict is None:
        entries, problems = _parse_side(text, path, lambda line: line)
        return Manifest(
            path=path,
            exists=True,
            text=text,
            entries=entries,
            problems=tuple(problems),
            line_count=line_count,
        )
    ours, ours_problems = _parse_side(conflict.ours.text, path, conflict.ours.original_line)
    theirs, theirs_problems = _parse_side(conflict.theirs.text, path, conflict.theirs.original_line)
    base = None
    if conflict.base is not None:
        base, _ = _parse_side(conflict.base.text, path, conflict.base.original_line)
    problems = _conflict_problems(conflict, ours, theirs, path)
    if conflict.malformed_line is not None:
        theirs_problems = []  # a truncated side: its shape errors are only noise
    seen: set[tuple[str, int]] = set()
    for problem in (*ours_problems, *theirs_problems):
        if (problem.code, problem.line) not in seen:
            seen.add((problem.code, problem.line))
            problems.append(problem)
    return Manifest(
        path=path,
        exists=True,
        text=text,
        entries=ours,
        theirs=theirs,
        base=base,
        conflict=conflict,
        problems=tuple(problems),
        line_count=line_count,
    )


def _conflict_problems(
    conflict: ConflictedText,
    ours: Mapping[str, ManifestEntry],
    theirs: Mapping[str, ManifestEntry],
    path: str,
) -> list[Problem]:
    problems = []
    written = sorted(
        (line, e.label)
        for side in (ours, theirs)
        for e in side.values()
        for line in {e.line, e.head_line, e.path_line}
        if line
    )
    lines = [line for line, _ in written]
    for hunk in conflict.hunks:
        inside = written[bisect_left(lines, hunk.start) : bisect_right(lines, hunk.end)]
        labels = sorted({label for _, label in inside})
        described = []
        for label in labels:
            mine, other = ours.get(label), theirs.get(label)
            described.append(
                f"{label} ({_describe_head(mine)} vs {_describe_head(other)})"
                if _entry_value(mine) != _entry_value(other)
                else label
            )
        what = "; ".join(described) if described else "no app entries"
        problems.append(
            codes.MANIFEST_CONFLICT.problem(
                path,
                Span.whole_line(hunk.start, 7),
                f"git conflict markers (lines {hunk.start}-{hunk.end}): {what}",
                related=(Location(path, Span.whole_line(hunk.end, 7)),),
            )
        )
    if conflict.malformed_line is not None:
        problems.append(
            codes.MANIFEST_CONFLICT.problem(
                path,
                Span.whole_line(conflict.malformed_line, 7),
                "an incomplete set of git conflict markers (a <<<<<<<, ======= or >>>>>>> "
                "line is missing)",
            )
        )
    return problems


def _describe_head(entry: ManifestEntry | None) -> str:
    if entry is None:
        return "absent"
    return entry.head or "no head"


# --- one side, without markers -------------------------------------------------------------------

#: A table header; the closing bracket is optional so a typo does not shift every key after it.
_HEADER_RE = re.compile(r"^\s*\[(?!\[)\s*(?P<key>[^\]#]*?)\s*\]?\s*(?:#.*)?$")
_KEY_RE = re.compile(
    r"^\s*(?P<key>[A-Za-z0-9_\-]+|\"[^\"]*\"|'[^']*')\s*(?P<dots>(?:\.\s*[^=\s]+\s*)*)=\s*(?P<value>.*)$"
)
_STRING_VALUE_RE = re.compile(r"^(?:\"(?P<d>[^\"\\]*)\"|'(?P<s>[^']*)')\s*(?:#.*)?$")


@dataclass
class _Table:
    name: tuple[str, ...]
    line: int
    keys: dict[str, tuple[int, str]] = field(default_factory=dict)


def _split_dotted(key: str) -> tuple[str, ...]:
    parts = []
    for match in re.finditer(r"\s*(\"[^\"]*\"|'[^']*'|[^.\s]+)\s*(?:\.|$)", key):
        part = match.group(1)
        parts.append(part[1:-1] if part[:1] in "\"'" else part)
    return tuple(parts)


def _parse_side(
    text: str, path: str, original_line: Callable[[int], int]
) -> tuple[dict[str, ManifestEntry], list[Problem]]:
    """Entries and problems of a marker-free text, with lines mapped to the original file."""
    problems: list[Problem] = []
    lines = split_lines(text)
    tables: list[_Table] = [_Table(name=(), line=1)]
    seen_tables: dict[tuple[str, ...], int] = {}
    drop: set[int] = set()  # 1-based lines left out before the TOML parse (duplicates)
    dropping = False
    for number, line in enumerate(lines, start=1):
        header = _HEADER_RE.match(line)
        if header:
            name = _split_dotted(header.group("key"))
            first = seen_tables.get(name)
            dropping = first is not None
            if dropping:
                assert first is not None
                problems.append(
                    _duplicate(path, original_line, number, first, f"[{'.'.join(name)}]")
                )
                drop.add(number)
            else:
                seen_tables[name] = number
                tables.append(_Table(name=name, line=number))
            continue
        if dropping:
            drop.add(number)
            continue
        key = _KEY_RE.match(line)
        if key and not line.lstrip().startswith("#"):
            raw_key = key.group("key").strip("\"'")
            table = tables[-1]
            if key.group("dots"):
                raw_key = ".".join((raw_key, *_split_dotted(key.group("dots"))))
            if raw_key in table.keys:
                problems.append(
                    _duplicate(path, original_line, number, table.keys[raw_key][0], raw_key)
                )
                drop.add(number)
            else:
                table.keys[raw_key] = (number, key.group("value"))
    if not problems and "\r" not in text:
        simple = _simple_data(lines)
        if simple is not None:
            return _entries_from_data(simple, tables, path, original_line, problems), problems
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    kept = "\n".join("" if n in drop else line for n, line in enumerate(lines, start=1))
    try:
        data = tomllib.loads(kept)
    except tomllib.TOMLDecodeError as exc:
        error_line = _toml_error_line(exc)
        problems.append(
            codes.MANIFEST_INVALID.problem(
                path,
                Span.point(original_line(error_line)) if error_line else None,
                f"is not valid TOML: {_toml_error_text(exc)}",
            )
        )
        return _lenient_entries(tables, path, original_line, problems), problems
    return _entries_from_data(data, tables, path, original_line, problems), problems


# The shape ``update`` writes, read without a TOML parser (whose import alone costs a warm
# ``check`` a sixth of its time): comments, blank lines, ``version = <int>``, ``[apps.<bare key>]``
# tables and ``<bare key> = "<string without escapes>"`` in them. Any other line, and the file
# goes to the TOML parser, so both always give the same data.
_SIMPLE_COMMENT = r"(?:#[^\x00-\x08\x0a-\x1f\x7f]*)?"
_SIMPLE_BLANK_RE = re.compile(rf"[ \t]*{_SIMPLE_COMMENT}")
_SIMPLE_VERSION_RE = re.compile(rf"version[ \t]*=[ \t]*(0|[1-9][0-9]*)[ \t]*{_SIMPLE_COMMENT}")
_SIMPLE_TABLE_RE = re.compile(rf"\[apps\.([A-Za-z0-9_-]+)\][ \t]*{_SIMPLE_COMMENT}")
_SIMPLE_KEY_RE = re.compile(
    r"([A-Za-z0-9_-]+)[ \t]*=[ \t]*"
    r"(?:\"([^\"\\\x00-\x08\x0a-\x1f\x7f]*)\"|'([^'\x00-\x08\x0a-\x1f\x7f]*)')"
    rf"[ \t]*{_SIMPLE_COMMENT}"
)


def _simple_data(lines: list[str]) -> dict[str, object] | None:
    """The data of a manifest in the shape ``update`` writes; ``None`` for any other shape."""
    data: dict[str, object] = {}
    apps: dict[str, dict[str, str]] = {}
    table: dict[str, str] | None = None
    for line in lines:
        if _SIMPLE_BLANK_RE.fullmatch(line):
            continue
        key = _SIMPLE_KEY_RE.fullmatch(line)
        if key is not None and table is not None:
            if key[1] in table:
                return None
            table[key[1]] = key[2] if key[2] is not None else key[3]
            continue
        header = _SIMPLE_TABLE_RE.fullmatch(line)
        if header is not None:
            if header[1] in apps:
                return None
            table = apps[header[1]] = {}
            continue
        version = _SIMPLE_VERSION_RE.fullmatch(line)
        if version is None or table is not None or "version" in data:
            return None
        data["version"] = int(version[1])
    if apps:
        data["apps"] = apps
    return data


def _duplicate(
    path: str, original_line: Callable[[int], int], line: int, first: int, what: str
) -> Problem:
    return codes.MANIFEST_DUPLICATE.problem(
        path,
        Span.point(original_line(line)),
        f"{what} is declared twice (first on line {original_line(first)}); the first is used",
        related=(Location(path, Span.point(original_line(first))),),
    )


def _toml_error_line(exc: Exception) -> int | None:
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    match = re.search(r"at line (\d+)", str(exc))
    return int(match.group(1)) if match else None


def _toml_error_text(exc: Exception) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "invalid TOML"


class _TableIndex:
    """Where each app's entry was written, found by label in constant time.

    An app is an ``[apps.<label>]`` table, or else a dotted key: ``<label>.head`` in ``[apps]`` or
    ``apps.<label>.head`` at the top level (the first such key gives its line).
    """

    def __init__(self, tables: list[_Table]) -> None:
        self.tables: dict[str, _Table] = {}
        self.dotted: dict[str, int] = {}
        for table in tables:
            if len(table.name) == 2 and table.name[0] == "apps":
                self.tables.setdefault(table.name[1], table)
            elif table.name in ((), ("apps",)):
                top = table.name == ()
                for key, (line, _) in table.keys.items():
                    parts = key.split(".")
                    if top and (len(parts) < 2 or parts[0] != "apps"):
                        continue
                    self.dotted.setdefault(parts[1] if top else parts[0], line)

    def lines(self, label: str) -> tuple[int | None, int | None, int | None]:
        """The lines of the app's table (or first key), of its ``head`` and of its ``path``."""
        table = self.tables.get(label)
        if table is not None:
            head = table.keys.get("head")
            where = table.keys.get("path")
            return table.line, head[0] if head else None, where[0] if where else None
        line = self.dotted.get(label)
        return line, line, line


def _entries_from_data(
    data: Mapping[str, object],
    tables: list[_Table],
    path: str,
    original_line: Callable[[int], int],
    problems: list[Problem],
) -> dict[str, ManifestEntry]:
    def invalid(line: int | None, message: str) -> None:
        problems.append(
            codes.MANIFEST_INVALID.problem(
                path, Span.point(original_line(line)) if line else None, message
            )
        )

    for key in data:
        if key not in ("version", "apps"):
            line = next((t.keys[key][0] for t in tables if t.name == () and key in t.keys), None)
            line = line or next((t.line for t in tables if t.name[:1] == (key,)), None)
            invalid(
                line,
                f"unknown top-level key {key!r} (expected 'version' and [apps.<label>] tables)",
            )
    version = data.get("version", FORMAT_VERSION)
    if not isinstance(version, int) or version < 1:
        invalid(None, f"version must be a positive integer, not {version!r}")
    elif version > FORMAT_VERSION:
        invalid(
            None,
            f"format version {version} was written by a newer django-migration-manifest "
            f"(this one reads version {FORMAT_VERSION}); upgrade it",
        )
    apps = data.get("apps", {})
    if not isinstance(apps, dict):
        invalid(None, "'apps' must be a table of [apps.<label>] tables")
        return {}
    entries: dict[str, ManifestEntry] = {}
    index = _TableIndex(tables)
    for label, value in apps.items():
        line, head_line, path_line = index.lines(label)
        line = line or 1
        if not isinstance(value, dict):
            invalid(line, f"apps.{label} must be a table with 'head' and 'path'")
            continue
        head = value.get("head")
        where = value.get("path")
        for extra in sorted(set(value) - {"head", "path"}):
            invalid(line, f"apps.{label}: unknown key {extra!r} (expected 'head' and 'path')")
        if not isinstance(head, str) or not head:
            invalid(head_line or line, f"apps.{label}.head must be a migration name")
            head = None
        if not isinstance(where, str) or not where:
            invalid(path_line or line, f"apps.{label}.path must be the app's migrations folder")
            where = None
        elif not is_safe_relative_path(where):
            problems.append(
                codes.PATH_OUTSIDE_ROOT.problem(
                    path,
                    Span.point(original_line(path_line or line)),
                    f"apps.{label}.path {where!r} is not a relative path inside the repository",
                )
            )
            where = None
        else:
            where = posixpath.normpath(where)  # ``blog/../shop/migrations`` is shop's folder
        entries[label] = ManifestEntry(
            label=label,
            head=head,
            path=where,
            line=original_line(line),
            head_line=original_line(head_line) if head_line else None,
            path_line=original_line(path_line) if path_line else None,
        )
    return entries


def _lenient_entries(
    tables: list[_Table], path: str, original_line: Callable[[int], int], problems: list[Problem]
) -> dict[str, ManifestEntry]:
    """Best-effort entries from a file TOML rejects: only plain ``[apps.x]`` tables count."""
    entries: dict[str, ManifestEntry] = {}
    for table in tables:
        if len(table.name) != 2 or table.name[0] != "apps":
            continue
        values: dict[str, str | None] = {}
        for key in ("head", "path"):
            found = table.keys.get(key)
            match = _STRING_VALUE_RE.match(found[1].strip()) if found else None
            values[key] = (match.group("d") or match.group("s")) if match else None
        where = values["path"]
        if where is not None:
            where = posixpath.normpath(where) if is_safe_relative_path(where) else None
        head = table.keys.get("head")
        path_key = table.keys.get("path")
        entries[table.name[1]] = ManifestEntry(
            label=table.name[1],
            head=values["head"],
            path=where,
            line=original_line(table.line),
            head_line=original_line(head[0]) if head else None,
            path_line=original_line(path_key[0]) if path_key else None,
        )
    return entries


def is_safe_relative_path(value: str) -> bool:
    """Relative, ``/``-separated, and never climbing above the repository root."""
    if not value or "\\" in value or value.startswith("/") or re.match(r"^[A-Za-z]:", value):
        return False
    normal = posixpath.normpath(value)
    return normal != ".." and not normal.startswith("../") and normal != "."
