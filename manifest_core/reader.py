"""The static migration reader: what a migration file declares, without importing it.

Two results, three readers:

* :func:`read_declarations` gives a :class:`~manifest_core.model.Decl`: only what the graph needs,
  no source positions. Its **fast path** understands files shaped like ``makemigrations`` output
  with a few string searches and declines anything it does not fully understand; it is what keeps
  ``check`` close to the cost of reading the files;
* :func:`parse_migration` gives a :class:`~manifest_core.model.MigrationFile`, with the exact span
  of every reference, for edits and diagnostics. The **ast path** parses the module and evaluates
  the ``Migration`` class body statically. It is the reference: the fast path must agree with it
  wherever the fast path answers;
* the **tolerant path** runs when the module does not parse (for example syntax newer than the
  running Python). It recovers ``dependencies``, ``replaces``, ``run_before`` and ``initial`` one
  attribute at a time, so a project on a newer Python never loses a head.
"""

from __future__ import annotations

import ast
import codecs
import io
import re
import sys
import tokenize
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from . import codes
from .model import Decl, DepKey, MigrationFile, Problem, ReadMethod, Ref, RefKind, Span
from .text import (
    TOO_DEEP,
    DecodeError,
    LineIndex,
    TooDeeplyNested,
    decode_source,
    deepest_statement_line,
    find_conflicts,
    parse_expression,
    parse_module,
)

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
    try:
        tree = parse_module(text, path)
    except (SyntaxError, ValueError) as exc:
        return _parse_tolerant(path, name, text, exc)
    try:
        return _AstReader(path, name, text, tree).read()
    except RecursionError:
        deep = TooDeeplyNested(TOO_DEEP, (path, deepest_statement_line(text), 1, None))
        return _parse_tolerant(path, name, text, deep)


# --- the declarations reader (the fast path) ---------------------------------------------------

#: Whitespace as the tokenizer takes it inside brackets; anything rarer (a form feed, a no-break
#: space) is left to the ast reader, which knows whether it parses.
_WS = r"[ \t\r\n]*"
_STR = r"""(?:'[^'\\\n\r]*'|"[^"\\\n\r]*")"""
_SETTING = r"[A-Za-z_][A-Za-z0-9_]*"
_ITEM = (
    rf"(?:\({_WS}{_STR}{_WS},{_WS}{_STR}{_WS},?{_WS}\)"
    rf"|(?:migrations\.)?swappable_dependency\({_WS}settings\.{_SETTING}{_WS}\))"
)
_LIST = rf"\[{_WS}(?:{_ITEM}{_WS},{_WS})*(?:{_ITEM}{_WS})?\]"
#: ``(a, b)`` with one item and no comma is a parenthesised pair, not a tuple: not matched.
_TUPLE = rf"\({_WS}(?:(?:{_ITEM}{_WS},{_WS})+(?:{_ITEM}{_WS})?)?\)"
_ASSIGN = r"[ \t]*(?::[^=\n]*)?=(?!=)[ \t]*"
_END_OF_LINE = r"[ \t]*(?:#[^\n]*)?(?:\r?\n|\Z)"
_ANNOTATION = r"[ \t]*(?::[ \t]*[A-Za-z_][A-Za-z0-9_.\[\], \t|]*)?"
_BLANK_LINES = r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*"
#: One class-level statement the fast path understands, and the blank or comment lines after it:
#: ``dependencies``, ``replaces`` or ``run_before`` set to a list or tuple of pairs; ``initial`` or
#: another plain name set to ``True``, ``False`` or ``None``. An annotation may only hold names,
#: subscripts and ``|`` (so the ``=`` is the assignment's); the statement ends its line.
_STATEMENT_RE = re.compile(
    rf"(?:(dependencies|replaces|run_before){_ANNOTATION}=(?!=)[ \t]*({_LIST}|{_TUPLE})"
    rf"|(initial){_ANNOTATION}=(?!=)[ \t]*(True|False|None)"
    r"|(?!(?:dependencies|replaces|run_before|initial)(?![A-Za-z0-9_]))[A-Za-z_][A-Za-z0-9_]*"
    rf"{_ANNOTATION}=(?!=)[ \t]*(?:True|False|None))"
    rf"{_END_OF_LINE}{_BLANK_LINES}"
)
_EXTRACT_RE = re.compile(
    rf"""\({_WS}(?:'([^'\\\n\r]*)'|"([^"\\\n\r]*)"){_WS},{_WS}"""
    rf"""(?:'([^'\\\n\r]*)'|"([^"\\\n\r]*)"){_WS},?{_WS}\)"""
    rf"|swappable_dependency\({_WS}settings\.({_SETTING}){_WS}\)"
)
#: The pairs of a value written with one kind of quote, as ``(app, name, "")`` (the empty group).
_DOUBLE_QUOTED_RE = re.compile(rf'\({_WS}"([^"\\\n\r]*)"{_WS},{_WS}"([^"\\\n\r]*)"{_WS},?{_WS}\)()')
_SINGLE_QUOTED_RE = re.compile(rf"\({_WS}'([^'\\\n\r]*)'{_WS},{_WS}'([^'\\\n\r]*)'{_WS},?{_WS}\)()")
#: The class statement, the blank and comment lines after it, and the indentation of its body.
_HEADER_RE = re.compile(
    r"class Migration\(([^()\n]*)\)[ \t]*:[ \t]*(?:#[^\n]*)?\r?\n"
    r"(?:[ \t]*(?:#[^\n]*)?\r?\n)*([ \t]+)(?=[^ \t\r\n#])"
)
_DOTTED = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+"
_BASES_RE = re.compile(rf"[ \t]*(?:{_DOTTED}[ \t]*(?:,[ \t]*{_DOTTED}[ \t]*)*,?[ \t]*)?")
_FAST = ReadMethod.FAST.value
_CONSTANTS: dict[str, bool | None] = {"True": True, "False": False, "None": None}
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_REF_SET = frozenset(REF_ATTRIBUTES)


def parse_declarations(path: str, name: str, text: str) -> Decl | None:
    """Read a ``makemigrations``-shaped file's declarations with a few C-speed searches, or decline.

    It answers only when it is certain to give what the ``ast`` reader gives:

    * one top-level ``class Migration(<dotted bases>):``, undecorated, and no string or line
      continuation before it that could hide it (no triple quote, no backslash at a line end);
    * its body opens with class-level statements it fully understands: blank and comment lines,
      ``dependencies``/``replaces``/``run_before`` set to a literal list or tuple of
      ``("app", "name")`` pairs and ``swappable_dependency(settings.X)`` calls, ``initial`` (or
      any other plain name) set to ``True``, ``False`` or ``None``, each at most once, all at the
      body's indentation;
    * after them, the words ``dependencies``, ``replaces``, ``run_before``, ``initial`` and
      ``Migration`` never occur again (``0001_initial`` is another word), so nothing later can
      rebind the class or change what it declares, whatever strings or brackets follow;
    * no conflict marker, and no carriage return other than in ``\\r\\n`` line ends.

    Anything else returns ``None`` and the ``ast`` reader decides. It reads only what the graph
    needs (the ``class Migration`` line, not the references' source spans). Like the ast reader
    on a file that parses, it does not check the rest of the file's syntax.
    """
    if text.startswith("class Migration("):
        header = 0
    else:
        header = text.find("\nclass Migration(") + 1
        if header == 0:
            return None
        # a decorator, or a string or line continuation that could hide the header
        if (
            text.startswith("@")
            or text.find("\n@", 0, header) != -1
            or text.find('"""', 0, header) != -1
            or text.find("'''", 0, header) != -1
            or text.find("\\\n", 0, header) != -1
            or text.find("\\\r", 0, header) != -1
        ):
            return None
    head = _HEADER_RE.match(text, header)
    if head is None:
        return None
    bases, indent = head.groups()
    # a base defined in this file could carry the attributes, and a keyword is no base: only
    # dotted names (such as ``migrations.Migration``) are left to the fast path
    if bases != "migrations.Migration" and _BASES_RE.fullmatch(bases) is None:
        return None
    width = len(indent)
    position = head.end()
    dependencies = replaces = run_before = None
    initial: bool | None = None
    seen_initial = False
    while not text.startswith("operations", position):  # where makemigrations' shape ends
        statement = _STATEMENT_RE.match(text, position)
        if statement is None:
            break
        attr, _, initial_word, constant = statement.groups()
        if attr is not None:
            value = _pairs(text, statement.start(2), statement.end(2))
            if attr == "dependencies" and dependencies is None:
                dependencies = value
            elif attr == "replaces" and replaces is None:
                replaces = value
            elif attr == "run_before" and run_before is None:
                run_before = value
            else:
                return None  # set twice
        elif initial_word is not None:
            if seen_initial:
                return None
            seen_initial = True
            initial = _CONSTANTS[constant]
        position = statement.end()
        if not text.startswith(indent, position):
            break
        position += width
        if text.startswith((" ", "\t"), position):
            break  # deeper: not a class-level statement
    rest = position
    for attr in ATTRIBUTES:
        length = len(attr)
        found = text.find(attr, rest)
        while found != -1:
            after = found + length
            if not (
                (found and text[found - 1] in _WORD) or (after < len(text) and text[after] in _WORD)
            ):
                return None
            found = text.find(attr, after)
    if text.find("Migration", rest) != -1 or "<<<<<<<" in text:
        return None
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    line = text.count("\n", 0, header) + 1
    return Decl(
        path,
        name,
        dependencies or (),
        replaces or (),
        run_before or (),
        initial,
        Span(line, 6, line, 15),
        bool(bases.strip()),
        _FAST,
    )


def _pairs(text: str, start: int, end: int) -> tuple[DepKey, ...]:
    """The references of a value the statement pattern matched, as the graph keys them."""
    if text.find("swappable_dependency", start, end) == -1:
        if text.find("'", start, end) == -1:
            return tuple(_DOUBLE_QUOTED_RE.findall(text, start, end))
        if text.find('"', start, end) == -1:
            return tuple(_SINGLE_QUOTED_RE.findall(text, start, end))
    return tuple(
        (a1 or a2, n1 or n2, "") if not setting else ("", "__first__", setting)
        for a1, a2, n1, n2, setting in _EXTRACT_RE.findall(text, start, end)
    )


def read_declarations(path: str, data: bytes) -> Decl:
    """The declarations of a migration file's bytes: the fast reader, else the full reader."""
    if (
        b"\x00" not in data
        and not data.startswith(codecs.BOM_UTF8)
        and data.find(b"coding", 0, 400) < 0
    ):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            fast = parse_declarations(path, migration_name(path), text)
            if fast is not None:
                return fast
            return parse_migration(path, text).decl()
    return read_migration(path, data).decl()


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
_TOLERANT_ATTR_RE = re.compile(
    r"^(?P<indent>[ \t]+)(?P<attr>dependencies|replaces|run_before|initial)" + _ASSIGN, re.M
)


def _parse_tolerant(
    path: str, name: str, text: str, error: SyntaxError | ValueError
) -> MigrationFile:
    line = getattr(error, "lineno", None) or 1
    column = max((getattr(error, "offset", None) or 1) - 1, 0)
    reason = getattr(error, "msg", None) or str(error)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    code = codes.TOO_DEEPLY_NESTED if isinstance(error, TooDeeplyNested) else codes.SYNTAX_ERROR
    problems: list[Problem] = [
        code.problem(
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
            expr = parse_expression("(" + snippet + ")")
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
