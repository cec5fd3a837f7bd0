"""The static migration reader: what a migration file declares, without importing it.

Three readers share one result type, :class:`~manifest_core.model.MigrationFile`:

* the **fast path** understands files shaped like ``makemigrations`` output with a few regular
  expressions. It declines (returns ``None``) on anything it does not fully understand;
* the **ast path** parses the module and evaluates the ``Migration`` class body statically. It is
  the reference: the fast path must agree with it wherever the fast path answers;
* the **tolerant path** runs when the module does not parse (for example syntax newer than the
  running Python). It recovers ``dependencies``, ``replaces``, ``run_before`` and ``initial`` one
  attribute at a time, so a project on a newer Python never loses a head.
"""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

from . import codes
from .model import MigrationFile, Problem, ReadMethod, Ref, RefKind, Span
from .text import DecodeError, LineIndex, decode_source, find_conflicts, offset_span

REF_ATTRIBUTES = ("dependencies", "replaces", "run_before")
ATTRIBUTES = (*REF_ATTRIBUTES, "initial")
_SWAPPABLE_FUNCS = frozenset({"swappable_dependency"})


def read_migration(path: str, data: bytes) -> MigrationFile:
    """Read a migration file's bytes. Never raises: problems are recorded on the result."""
    name = migration_name(path)
    try:
        text = decode_source(data)
    except DecodeError as exc:
        problem = codes.UNDECODABLE_FILE.problem(
            path, Span.point(exc.line), f"cannot be read as Python source: it {exc}"
        )
        return MigrationFile(path=path, name=name, method=ReadMethod.NONE, problems=(problem,))
    return parse_migration(path, text)


def migration_name(path: str) -> str:
    """The migration name Django gives a module: its file name without ``.py``."""
    base = path.rsplit("/", 1)[-1]
    return base[:-3] if base.endswith(".py") else base


def parse_migration(path: str, text: str) -> MigrationFile:
    """Parse a migration module's text (see the module docstring for the three readers)."""
    name = migration_name(path)
    conflicts = find_conflicts(text)
    if conflicts is not None:
        first = conflicts.hunks[0].start if conflicts.hunks else conflicts.malformed_line or 1
        problem = codes.MIGRATION_CONFLICT_MARKERS.problem(
            path,
            Span.point(first),
            "contains git conflict markers; the graph uses the first side of each conflict",
        )
        ours = _parse_text(path, name, conflicts.ours.text)
        return replace(
            _remap_lines(ours, conflicts.ours.original_line),
            problems=(problem, *_remap_problems(ours.problems, conflicts.ours.original_line)),
        )
    return _parse_text(path, name, text)


def _parse_text(path: str, name: str, text: str) -> MigrationFile:
    fast = parse_fast(path, name, text)
    if fast is not None:
        return fast
    try:
        tree = ast.parse(text, filename=path)
    except (SyntaxError, ValueError) as exc:
        return _parse_tolerant(path, name, text, exc)
    return _AstReader(path, name, text, tree).read()


# --- the fast path ----------------------------------------------------------------------------

#: ``dependencies = ``, ``replaces: list[...] = `` and the like (not ``==``).
_ATTR_NAMES = "dependencies|replaces|run_before|initial"
_ATTR_ASSIGN = r"(?P<attr>" + _ATTR_NAMES + r")[ \t]*(?::[^=\n]*)?=(?!=)[ \t]*"
_SCAN_RE = re.compile(
    r"^(?:"
    r"(?P<klass>class)[ \t]+(?P<cname>\w+)"
    r"|(?P<rebind>Migration\b|@|(?:from|import)\b[^\n]*\bMigration\b)"
    r"|(?P<indent>[ \t]+)(?:" + _ATTR_ASSIGN + r"|(?P<other>" + _ATTR_NAMES + r")\b)"
    r")",
    re.M,
)
_HEADER_RE = re.compile(r"[ \t]*\((?P<bases>[^()\n]*)\)[ \t]*:[ \t]*(?:#[^\n]*)?\r?\n")
_BODY_INDENT_RE = re.compile(r"^(?:[ \t]*(?:#[^\n]*)?\r?\n)*(?P<indent>[ \t]+)\S", re.M)
_CLASS_END_RE = re.compile(r"^[^\s#]", re.M)
_TOKEN_RE = re.compile(
    r"""(?P<ws>[ \t\r\n]+|\#[^\n]*)
    |(?P<str>(?P<q>['"])(?P<s>[^'"\\\n]*)(?P=q))
    |(?P<swap>(?:migrations\.)?swappable_dependency
        \([ \t]*settings\.(?P<setting>[A-Za-z_]\w*)[ \t]*\))
    |(?P<punct>[\[\](),])""",
    re.X,
)
_CONSTANT_RE = re.compile(r"(?P<value>True|False|None)[ \t]*(?:#[^\n]*)?(?:\r?\n|\Z)")
_LINE_END_RE = re.compile(r"[ \t]*(?:#[^\n]*)?(?:\r?\n|\Z)")


class _Decline(Exception):
    """The fast path does not understand this file; the ast path will read it."""


def parse_fast(path: str, name: str, text: str) -> MigrationFile | None:
    """Read a ``makemigrations``-shaped file with regular expressions, or return ``None``."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    try:
        return _parse_fast(path, name, text)
    except _Decline:
        return None


def _parse_fast(path: str, name: str, text: str) -> MigrationFile:
    header = None
    assignments: list[re.Match[str]] = []
    for match in _SCAN_RE.finditer(text):
        if match.group("klass"):
            if header is not None or match.group("cname") != "Migration":
                raise _Decline
            header = match
        elif match.group("rebind") or match.group("other"):
            raise _Decline  # rebinding, decorators, ``+=``, ``.append()``, unpacking...
        elif header is not None:
            assignments.append(match)
        # an assignment before the class is some function's local: not ours, but unusual
        else:
            raise _Decline
    if header is None:
        raise _Decline
    head = _HEADER_RE.match(text, header.end())
    if head is None:
        raise _Decline
    body_start = head.end()
    indent_match = _BODY_INDENT_RE.match(text, body_start)
    if indent_match is None:
        raise _Decline
    indent = indent_match.group("indent")
    end_match = _CLASS_END_RE.search(text, body_start)
    class_end = end_match.start() if end_match else len(text)
    values: dict[str, object] = {}
    for match in assignments:
        attr = match.group("attr")
        if (
            match.start() >= class_end
            or match.group("indent") != indent
            or attr in values
            or text.find('"""', body_start, match.start()) != -1
            or text.find("'''", body_start, match.start()) != -1
        ):
            raise _Decline
        if attr == "initial":
            constant = _CONSTANT_RE.match(text, match.end())
            if constant is None:
                raise _Decline
            values[attr] = {"True": True, "False": False, "None": None}[constant.group("value")]
        else:
            values[attr] = _fast_refs(text, match.end())
    line = text.count("\n", 0, header.start()) + 1
    column = header.start("cname") - header.start()
    return MigrationFile(
        path=path,
        name=name,
        dependencies=_as_refs(values.get("dependencies", ())),
        replaces=_as_refs(values.get("replaces", ())),
        run_before=_as_refs(values.get("run_before", ())),
        initial=_as_initial(values.get("initial")),
        class_span=Span(line, column, line, column + len("Migration")),
        has_migration_class=bool(head.group("bases").strip()),
        method=ReadMethod.FAST,
    )


def _as_refs(value: object) -> tuple[Ref, ...]:
    assert isinstance(value, tuple)
    return value


def _as_initial(value: object) -> bool | None:
    assert value is None or isinstance(value, bool)
    return value


def _fast_refs(text: str, pos: int) -> tuple[Ref, ...]:
    """Read ``[("app", "name"), swappable_dependency(settings.X), ...]`` starting at ``pos``."""
    tokens = _fast_tokens(text, pos)
    kind, _, _, _ = next(tokens)
    if kind not in ("[", "("):
        raise _Decline
    closer = "]" if kind == "[" else ")"
    refs: list[Ref] = []
    trailing_comma = False
    while True:
        kind, item_start, item_end, setting = next(tokens)
        if kind == closer:
            close_end = item_end
            break
        if kind == "swap":
            refs.append(
                Ref(
                    app="",
                    name="__first__",
                    span=offset_span(text, item_start, item_end),
                    kind=RefKind.SWAPPABLE,
                    setting=setting,
                )
            )
        elif kind == "(":
            refs.append(_fast_pair(text, tokens, item_start))
        else:
            raise _Decline
        kind, _, close_end, _ = next(tokens)
        trailing_comma = kind == ","
        if kind == closer:
            break
        if kind != ",":
            raise _Decline
    if closer == ")" and len(refs) == 1 and not trailing_comma:
        raise _Decline  # ``((a, b))`` is a parenthesised pair, not a tuple of pairs
    if _LINE_END_RE.match(text, close_end) is None:
        raise _Decline
    return tuple(refs)


def _fast_pair(text: str, it: Iterator[tuple[str, int, int, str]], start: int) -> Ref:
    first = next(it)
    comma = next(it)
    second = next(it)
    if first[0] != "str" or comma[0] != "," or second[0] != "str":
        raise _Decline
    close = next(it)
    if close[0] == ",":
        close = next(it)
    if close[0] != ")":
        raise _Decline
    return Ref(
        app=text[first[1] + 1 : first[2] - 1],
        name=text[second[1] + 1 : second[2] - 1],
        span=offset_span(text, start, close[2]),
        app_span=offset_span(text, first[1], first[2]),
        name_span=offset_span(text, second[1], second[2]),
    )


def _fast_tokens(text: str, pos: int) -> Iterator[tuple[str, int, int, str]]:
    """Significant tokens from ``pos``: (kind, start, end, setting). Ends by declining."""
    while True:
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            raise _Decline
        pos = match.end()
        if match.group("ws") is not None:
            continue
        if match.group("str") is not None:
            yield "str", match.start(), match.end(), ""
        elif match.group("swap") is not None:
            yield "swap", match.start(), match.end(), match.group("setting")
        else:
            yield match.group("punct"), match.start(), match.end(), ""


# --- the ast path -----------------------------------------------------------------------------


class _Unreadable(Exception):
    def __init__(self, node: ast.AST, reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


@dataclass
class _ClassValues:
    values: dict[str, tuple[Ref, ...] | bool | None]
    problems: list[Problem]


class _Evaluator:
    """Evaluates the literal forms Django migrations use, with exact source spans."""

    def __init__(
        self,
        path: str,
        index: LineIndex,
        constants: dict[str, ast.expr],
        line_offset: int = 0,
        first_line_column: int = 0,
    ) -> None:
        self.path = path
        self.index = index
        self.constants = constants
        self.line_offset = line_offset
        self.first_line_column = first_line_column

    def span(self, node: ast.AST) -> Span | None:
        lineno = getattr(node, "lineno", None)
        end_lineno = getattr(node, "end_lineno", None)
        if lineno is None or end_lineno is None:
            return None
        column = self.index.utf8_to_column(lineno, getattr(node, "col_offset", 0))
        end_column = self.index.utf8_to_column(end_lineno, getattr(node, "end_col_offset", 0))
        if lineno == 1:
            column += self.first_line_column
        if end_lineno == 1:
            end_column += self.first_line_column
        return Span(lineno + self.line_offset, column, end_lineno + self.line_offset, end_column)

    def string(self, node: ast.expr, seen: frozenset[str] = frozenset()) -> str:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.string(node.left, seen) + self.string(node.right, seen)
        if isinstance(node, ast.Name) and node.id in self.constants and node.id not in seen:
            return self.string(self.constants[node.id], seen | {node.id})
        raise _Unreadable(node, "is not a string literal")

    def literal_span(self, node: ast.expr) -> Span | None:
        """The span of a string only when it is one plain literal (so it can be edited)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return self.span(node)
        return None

    def sequence(self, node: ast.expr, seen: frozenset[str] = frozenset()) -> list[ast.expr]:
        if isinstance(node, (ast.List, ast.Tuple)):
            return list(node.elts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.sequence(node.left, seen) + self.sequence(node.right, seen)
        if isinstance(node, ast.Name) and node.id in self.constants and node.id not in seen:
            return self.sequence(self.constants[node.id], seen | {node.id})
        raise _Unreadable(node, "is not a list or tuple literal")

    def ref(self, node: ast.expr) -> Ref:
        if isinstance(node, ast.Call) and _call_name(node.func) in _SWAPPABLE_FUNCS:
            if len(node.args) != 1 or node.keywords:
                raise _Unreadable(
                    node, "is a swappable_dependency() call with unexpected arguments"
                )
            arg = node.args[0]
            if (
                isinstance(arg, ast.Attribute)
                and isinstance(arg.value, ast.Name)
                and arg.value.id == "settings"
            ):
                return Ref(
                    app="",
                    name="__first__",
                    span=self.span(node),
                    kind=RefKind.SWAPPABLE,
                    setting=arg.attr,
                )
            value = self.string(arg)
            return Ref(
                app=value.split(".", 1)[0],
                name="__first__",
                span=self.span(node),
                kind=RefKind.SWAPPABLE,
            )
        if isinstance(node, ast.Name) and node.id in self.constants:
            resolved = self.ref(self.constants[node.id])
            return replace(resolved, span=self.span(node), app_span=None, name_span=None)
        if isinstance(node, (ast.Tuple, ast.List)):
            if len(node.elts) != 2:
                raise _Unreadable(node, f"has {len(node.elts)} items; expected (app_label, name)")
            app_node, name_node = node.elts
            return Ref(
                app=self.string(app_node),
                name=self.string(name_node),
                span=self.span(node),
                app_span=self.literal_span(app_node),
                name_span=self.literal_span(name_node),
            )
        raise _Unreadable(node, "is not an (app_label, name) pair")

    def refs(self, attr: str, node: ast.expr, problems: list[Problem]) -> tuple[Ref, ...]:
        try:
            items = self.sequence(node)
        except _Unreadable as exc:
            problems.append(self.unreadable(attr, exc))
            return ()
        refs: list[Ref] = []
        for item in items:
            try:
                refs.append(self.ref(item))
            except _Unreadable as exc:
                problems.append(self.unreadable(attr, exc))
        return tuple(refs)

    def initial(self, node: ast.expr, problems: list[Problem]) -> bool | None:
        if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, bool)):
            return node.value
        problems.append(self.unreadable("initial", _Unreadable(node, "is not True, False or None")))
        return None

    def unreadable(self, attr: str, exc: _Unreadable) -> Problem:
        return codes.UNREADABLE_VALUE.problem(
            self.path,
            self.span(exc.node),
            f"Migration.{attr}: this value {exc.reason}; it is left out of the graph",
        )


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


class _AstReader:
    def __init__(self, path: str, name: str, text: str, tree: ast.Module) -> None:
        self.path = path
        self.name = name
        self.index = LineIndex(text)
        self.tree = tree
        self.problems: list[Problem] = []
        self.classes: dict[str, ast.ClassDef] = {}
        self.constants: dict[str, ast.expr] = {}

    def read(self) -> MigrationFile:
        migration: ast.ClassDef | None = None
        imported: ast.stmt | None = None
        for stmt in self.tree.body:
            if isinstance(stmt, ast.ClassDef):
                self.classes[stmt.name] = stmt
                if stmt.name == "Migration":
                    migration, imported = stmt, None
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name) and stmt.value is not None:
                        self.constants[target.id] = stmt.value
                        if target.id == "Migration":
                            migration, imported = None, stmt
            elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
                for alias in stmt.names:
                    if (alias.asname or alias.name.split(".")[0]) == "Migration":
                        migration, imported = None, stmt
        evaluator = _Evaluator(self.path, self.index, self.constants)
        if migration is None:
            if imported is not None:
                self.problems.append(
                    codes.UNREADABLE_VALUE.problem(
                        self.path,
                        evaluator.span(imported),
                        "Migration is bound to something defined elsewhere; "
                        "its dependencies cannot be read statically",
                    )
                )
            return MigrationFile(
                path=self.path,
                name=self.name,
                method=ReadMethod.AST,
                has_migration_class=imported is not None,
                problems=tuple(self.problems),
            )
        values = self._class_values(migration, evaluator, frozenset())
        self.problems.extend(values.problems)
        return MigrationFile(
            path=self.path,
            name=self.name,
            dependencies=_refs_value(values.values.get("dependencies")),
            replaces=_refs_value(values.values.get("replaces")),
            run_before=_refs_value(values.values.get("run_before")),
            initial=_initial_value(values.values.get("initial")),
            class_span=self._class_name_span(migration),
            has_migration_class=bool(migration.bases),
            method=ReadMethod.AST,
            problems=tuple(self.problems),
        )

    def _class_name_span(self, node: ast.ClassDef) -> Span:
        line = node.lineno
        text = self.index.line_text(line)
        match = re.search(r"\bclass\s+(Migration)\b", text)
        column = match.start(1) if match else self.index.utf8_to_column(line, node.col_offset)
        return Span(line, column, line, column + len(node.name))

    def _class_values(
        self, node: ast.ClassDef, evaluator: _Evaluator, seen: frozenset[str]
    ) -> _ClassValues:
        result = _ClassValues(values={}, problems=[])
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in self.classes and base.id not in seen:
                inherited = self._class_values(self.classes[base.id], evaluator, seen | {node.name})
                result.values.update(inherited.values)
                result.problems.extend(inherited.problems)
        for stmt in node.body:
            self._class_statement(stmt, evaluator, result)
        return result

    def _class_statement(self, stmt: ast.stmt, evaluator: _Evaluator, result: _ClassValues) -> None:
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        elif isinstance(stmt, ast.AugAssign):
            attr = stmt.target.id if isinstance(stmt.target, ast.Name) else ""
            if attr in REF_ATTRIBUTES and isinstance(stmt.op, ast.Add):
                previous = _refs_value(result.values.get(attr))
                result.values[attr] = previous + evaluator.refs(attr, stmt.value, result.problems)
            elif attr in ATTRIBUTES:
                result.problems.append(
                    evaluator.unreadable(attr, _Unreadable(stmt, "is an unsupported update"))
                )
            return
        else:
            for attr in sorted(_assigned_names(stmt) & set(ATTRIBUTES)):
                result.problems.append(
                    evaluator.unreadable(attr, _Unreadable(stmt, "is set inside a statement"))
                )
            return
        for target in targets:
            if not isinstance(target, ast.Name) or target.id not in ATTRIBUTES:
                continue
            if target.id == "initial":
                result.values["initial"] = evaluator.initial(value, result.problems)
            else:
                result.values[target.id] = evaluator.refs(target.id, value, result.problems)


def _assigned_names(stmt: ast.stmt) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(stmt):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _refs_value(value: object) -> tuple[Ref, ...]:
    return value if isinstance(value, tuple) else ()


def _initial_value(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


# --- the tolerant path ------------------------------------------------------------------------

_TOLERANT_CLASS_RE = re.compile(r"^class[ \t]+(Migration)\b(?P<rest>[^\n]*)", re.M)
_TOLERANT_ATTR_RE = re.compile(r"^(?P<indent>[ \t]+)" + _ATTR_ASSIGN, re.M)


def _parse_tolerant(
    path: str, name: str, text: str, error: SyntaxError | ValueError
) -> MigrationFile:
    line = getattr(error, "lineno", None) or 1
    column = max((getattr(error, "offset", None) or 1) - 1, 0)
    reason = getattr(error, "msg", None) or str(error)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    problems: list[Problem] = [
        codes.SYNTAX_ERROR.problem(
            path,
            Span.point(line, column),
            f"does not parse on Python {version} ({reason}); "
            "its dependencies were read attribute by attribute",
        )
    ]
    classes = list(_TOLERANT_CLASS_RE.finditer(text))
    if not classes:
        return MigrationFile(
            path=path, name=name, method=ReadMethod.TOLERANT, problems=tuple(problems)
        )
    header = classes[-1]
    index = LineIndex(text)
    class_line, class_column = index.position(header.start(1))
    values: dict[str, tuple[Ref, ...] | bool | None] = {}
    body_indent: str | None = None
    for match in _TOLERANT_ATTR_RE.finditer(text, header.end()):
        body_indent = body_indent or match.group("indent")
        attr = match.group("attr")
        if match.group("indent") != body_indent or attr in values:
            continue
        snippet = _logical_line_rest(text, match.end())
        if snippet is None:
            continue
        value_line, value_column = index.position(match.end())
        try:
            expr = ast.parse("(" + snippet + ")", mode="eval").body
        except (SyntaxError, ValueError):
            problems.append(
                codes.UNREADABLE_VALUE.problem(
                    path,
                    Span.point(value_line, value_column),
                    f"Migration.{attr}: this value does not parse; it is left out of the graph",
                )
            )
            continue
        evaluator = _Evaluator(
            path,
            LineIndex(snippet),
            {},
            line_offset=value_line - 1,
            first_line_column=value_column - 1,
        )
        _shift_first_line(expr)
        if attr == "initial":
            values[attr] = evaluator.initial(expr, problems)
        else:
            values[attr] = evaluator.refs(attr, expr, problems)
    rest = header.group("rest").lstrip()
    return MigrationFile(
        path=path,
        name=name,
        dependencies=_refs_value(values.get("dependencies")),
        replaces=_refs_value(values.get("replaces")),
        run_before=_refs_value(values.get("run_before")),
        initial=_initial_value(values.get("initial")),
        class_span=Span(class_line, class_column, class_line, class_column + len("Migration")),
        has_migration_class=rest.startswith("(") and not rest[1:].lstrip().startswith(")"),
        method=ReadMethod.TOLERANT,
        problems=tuple(problems),
    )


def _shift_first_line(expr: ast.AST) -> None:
    """Undo the ``(`` the tolerant reader wraps a value in, so columns on line 1 line up."""
    for node in ast.walk(expr):
        if getattr(node, "lineno", None) == 1:
            node.col_offset -= 1  # type: ignore[attr-defined]
        if getattr(node, "end_lineno", None) == 1:
            node.end_col_offset -= 1  # type: ignore[attr-defined]


def _logical_line_rest(text: str, start: int) -> str | None:
    """The source from ``start`` to the end of its logical line, found with ``tokenize``."""
    depth = 0
    readline = io.StringIO(text[start:]).readline
    try:
        for token in tokenize.generate_tokens(readline):
            if token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
            elif (
                token.type in (tokenize.NEWLINE, tokenize.ENDMARKER)
                or (token.type == tokenize.NL and depth <= 0)
                or (token.type == tokenize.COMMENT and depth <= 0)
            ):
                end_line, end_column = token.start
                return _cut(text[start:], end_line, end_column)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return None


def _cut(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    kept = [*lines[: line - 1], lines[line - 1][:column]]
    return "\n".join(kept).rstrip()


# --- conflict-marker helpers ------------------------------------------------------------------


def _remap_lines(file: MigrationFile, original_line: Callable[[int], int]) -> MigrationFile:
    def span(value: Span | None) -> Span | None:
        if value is None:
            return None
        return Span(
            original_line(value.line), value.column, original_line(value.end_line), value.end_column
        )

    def refs(values: Sequence[Ref]) -> tuple[Ref, ...]:
        return tuple(
            replace(r, span=span(r.span), app_span=span(r.app_span), name_span=span(r.name_span))
            for r in values
        )

    return replace(
        file,
        dependencies=refs(file.dependencies),
        replaces=refs(file.replaces),
        run_before=refs(file.run_before),
        class_span=span(file.class_span),
    )


def _remap_problems(
    problems: Sequence[Problem], original_line: Callable[[int], int]
) -> tuple[Problem, ...]:
    result = []
    for problem in problems:
        span = problem.span
        if span is not None:
            span = Span(
                original_line(span.line), span.column, original_line(span.end_line), span.end_column
            )
        result.append(replace(problem, span=span))
    return tuple(result)
