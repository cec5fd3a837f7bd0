"""Parse one migration module's text into what the linter needs: its operations, with spans.

One ``ast.parse`` of the text, then a walk of the module's top level (imports, constants, the
``Migration`` class) and of the ``operations`` list. Nothing is imported or executed. A module
that does not parse, or whose ``operations`` are not a literal list, yields a
:class:`ParsedMigration` with ``notes`` saying why, never an exception.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field

from manifest_core.model import DepKey, Span
from manifest_core.reader import migration_name
from manifest_core.text import LineIndex, find_conflicts, parse_module

from .framework import class_flags
from .operations import Operation, bind, classify
from .values import MISSING, Call, Evaluator, Name

#: Django's own ``Migration`` base class, as imported.
_DJANGO_MIGRATION = frozenset(
    {"django.db.migrations.Migration", "django.db.migrations.migration.Migration"}
)
#: Class-level attributes of ``Migration`` the linter reads.
_ATTRIBUTES = ("operations", "atomic", "dependencies", "replaces", "initial")


@dataclass(frozen=True)
class ParseNote:
    """A reason part of a migration could not be read: ``kind`` is ``unparsable`` (nothing can
    be linted), ``unlintable`` (its operations, or some of them, cannot be read: the migration is
    not linted, or not wholly) or ``unreadable`` (one value)."""

    kind: str
    span: Span | None
    message: str


@dataclass(frozen=True)
class ParsedMigration:
    path: str
    name: str
    text: str = field(repr=False, compare=False)
    #: ``False`` when the module does not parse (see ``notes``): nothing else is known.
    ok: bool = True
    operations: tuple[Operation, ...] = ()
    #: ``Migration.atomic``: ``True`` (the default), ``False``, or ``None`` when not a literal.
    atomic: bool | None = True
    #: The ``atomic = ...`` statement, if the class has one.
    atomic_span: Span | None = None
    #: The ``Migration`` name in ``class Migration(...)``.
    class_span: Span | None = None
    #: Where ``atomic = False`` would go: (line, column, indentation, needs a blank line after).
    class_body: tuple[int, int, str, bool] | None = None
    dependencies: tuple[DepKey, ...] = ()
    replaces: tuple[tuple[str, str], ...] = ()
    #: Names bound by imports: ``models`` -> ``django.db.models``.
    imports: tuple[tuple[str, str], ...] = ()
    #: The last line of the last top-level import (0 when there is none).
    last_import_line: int = 0
    #: Each top-level ``from <module> import ...``: (first line, module), in order.
    from_imports: tuple[tuple[int, str], ...] = ()
    #: A one-line ``from django.contrib.postgres.operations import ...``: its span and names.
    postgres_import: tuple[Span, tuple[str, ...]] | None = None
    #: Class-level ``name = True|False`` of ``Migration`` and the base classes the linter could
    #: follow (``atomic``, a post-deploy marker such as ``is_post_deployment``...).
    flags: tuple[tuple[str, bool], ...] = ()
    #: Base classes of ``Migration`` defined outside the module, other than Django's
    #: ``Migration``, as qualified names (``project.migrations.CheckedMigration``): a
    #: :class:`~.prior.LintSession` follows them into the repository.
    bases: tuple[str, ...] = ()
    notes: tuple[ParseNote, ...] = ()
    line_index: LineIndex | None = field(default=None, repr=False, compare=False)

    def flag(self, name: str) -> bool | None:
        for key, value in self.flags:
            if key == name:
                return value
        return None

    def imported(self, name: str) -> str | None:
        for key, value in self.imports:
            if key == name:
                return value
        return None

    @property
    def index(self) -> LineIndex:
        """Offsets and positions in ``text`` (built once)."""
        if self.line_index is None:
            object.__setattr__(self, "line_index", LineIndex(self.text))
        assert self.line_index is not None
        return self.line_index


def parse_source(path: str, text: str) -> ParsedMigration:
    """Read a migration module's text. Never raises."""
    name = migration_name(path)
    conflicts = find_conflicts(text)
    if conflicts is not None:
        line = conflicts.hunks[0].start if conflicts.hunks else conflicts.malformed_line or 1
        note = ParseNote(
            "unparsable",
            Span(line, 0, line, 7),
            "contains git conflict markers: finish the merge before it can be linted",
        )
        return ParsedMigration(path, name, text, ok=False, notes=(note,))
    try:
        tree = parse_module(text, path)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        column = max((getattr(exc, "offset", None) or 1) - 1, 0)
        reason = getattr(exc, "msg", None) or str(exc)
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        note = ParseNote(
            "unparsable",
            Span(line, column, line, column),
            f"does not parse on Python {version} ({reason}): its operations cannot be linted",
        )
        return ParsedMigration(path, name, text, ok=False, notes=(note,))
    deep = _too_deep(tree)
    if deep is not None:
        line = getattr(deep, "lineno", 1)
        note = ParseNote(
            "unparsable",
            Span(line, 0, line, 0),
            f"nested more than {MAX_DEPTH} levels deep: too deep to lint, its operations "
            "cannot be linted",
        )
        return ParsedMigration(path, name, text, ok=False, notes=(note,))
    return _ModuleReader(path, name, text, tree).read()


#: Deeper syntax trees are not linted: the readers and rules recurse, and a real migration
#: nests a few dozen levels at most.
MAX_DEPTH = 100


def _too_deep(tree: ast.AST) -> ast.AST | None:
    """The outermost node (with a line) of a branch nested deeper than :data:`MAX_DEPTH`."""
    children = ast.iter_child_nodes
    stack: list[tuple[ast.AST, int, ast.AST]] = [(tree, 0, tree)]
    while stack:
        node, depth, statement = stack.pop()
        if depth > MAX_DEPTH:
            return statement
        if isinstance(node, ast.stmt):
            statement = node
        depth += 1
        for child in children(node):
            stack.append((child, depth, statement))
    return None


class _ModuleReader:
    def __init__(self, path: str, name: str, text: str, tree: ast.Module) -> None:
        self.path = path
        self.name = name
        self.text = text
        self.tree = tree
        self.index = LineIndex(text)
        self.notes: list[ParseNote] = []

    def read(self) -> ParsedMigration:
        imports: dict[str, str] = {}
        constants: dict[str, ast.expr] = {}
        assigned_twice: set[str] = set()
        local: set[str] = set()
        classes: dict[str, ast.ClassDef] = {}
        migration: ast.ClassDef | None = None
        last_import_line = 0
        from_imports: list[tuple[int, str]] = []
        postgres_import: tuple[Span, tuple[str, ...]] | None = None
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        imports[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".", 1)[0]
                        imports[head] = head
                last_import_line = stmt.end_lineno or stmt.lineno
            elif isinstance(stmt, ast.ImportFrom):
                module = "." * stmt.level + (stmt.module or "")
                from_imports.append((stmt.lineno, module))
                for alias in stmt.names:
                    if alias.name != "*":
                        imports[alias.asname or alias.name] = f"{module}.{alias.name}"
                last_import_line = stmt.end_lineno or stmt.lineno
                if (
                    module == "django.contrib.postgres.operations"
                    and stmt.lineno == stmt.end_lineno
                    and all(a.asname is None and a.name != "*" for a in stmt.names)
                ):
                    span = Span(
                        stmt.lineno,
                        self.index.utf8_to_column(stmt.lineno, stmt.col_offset),
                        stmt.lineno,
                        self.index.utf8_to_column(stmt.lineno, stmt.end_col_offset or 0),
                    )
                    postgres_import = (span, tuple(a.name for a in stmt.names))
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name) and stmt.value is not None:
                        if target.id in constants or target.id in local:
                            assigned_twice.add(target.id)
                        constants[target.id] = stmt.value
                        imports.pop(target.id, None)
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                local.add(stmt.name)
                imports.pop(stmt.name, None)
                if isinstance(stmt, ast.ClassDef):
                    classes[stmt.name] = stmt
                    if stmt.name == "Migration":
                        migration = stmt
        for name in assigned_twice:
            constants.pop(name, None)
        if migration is not None:
            constants.update(_class_constants(migration))
        self.evaluator = Evaluator(self.text, self.index, imports, constants, frozenset(local))
        if migration is None:
            self.notes.append(
                ParseNote(
                    "unlintable",
                    Span(1, 0, 1, 0),
                    "defines no Migration class the linter can read: nothing to lint",
                )
            )
            return ParsedMigration(
                self.path,
                self.name,
                self.text,
                imports=tuple(sorted(imports.items())),
                last_import_line=last_import_line,
                from_imports=tuple(from_imports),
                postgres_import=postgres_import,
                notes=tuple(self.notes),
                line_index=self.index,
            )
        attributes = self._class_attributes(migration, classes, frozenset())
        operations: tuple[Operation, ...] = ()
        if "operations" in attributes:
            operations = self._operations(attributes["operations"])
        atomic: bool | None = True
        atomic_span: Span | None = None
        if "atomic" in attributes:
            atomic_stmt = attributes["atomic"]
            node = _assigned_value(atomic_stmt)
            atomic_span = self.evaluator.span(atomic_stmt[0])
            value = self.evaluator.value(node[0]) if len(node) == 1 else MISSING
            if isinstance(value, bool):
                atomic = value
            else:
                atomic = None
                self.notes.append(
                    ParseNote(
                        "unreadable",
                        atomic_span,
                        "Migration.atomic is not True or False: "
                        "rules that depend on it treat the migration as atomic",
                    )
                )
        dependencies: tuple[DepKey, ...] = ()
        if "dependencies" in attributes:
            dependencies = self._dependencies(_assigned_value(attributes["dependencies"]))
        replaces: tuple[tuple[str, str], ...] = ()
        if "replaces" in attributes:
            replaces = tuple(
                (d[0], d[1]) for d in self._dependencies(_assigned_value(attributes["replaces"]))
            )
        flags, bases = self._flags(migration, classes, frozenset())
        return ParsedMigration(
            self.path,
            self.name,
            self.text,
            imports=tuple(sorted(imports.items())),
            last_import_line=last_import_line,
            from_imports=tuple(from_imports),
            postgres_import=postgres_import,
            flags=tuple(flags.items()),
            bases=tuple(bases),
            operations=operations,
            atomic=atomic,
            atomic_span=atomic_span,
            class_span=self._class_span(migration),
            class_body=self._class_body(migration),
            dependencies=dependencies,
            replaces=replaces,
            notes=tuple(self.notes),
            line_index=self.index,
        )

    # -- the Migration class --
    def _class_attributes(
        self, node: ast.ClassDef, classes: dict[str, ast.ClassDef], seen: frozenset[str]
    ) -> dict[str, list[ast.stmt]]:
        """For each attribute, the statements that set it (an assignment, then any ``+=``)."""
        found: dict[str, list[ast.stmt]] = {}
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in classes and base.id not in seen:
                found.update(self._class_attributes(classes[base.id], classes, seen | {node.name}))
        for stmt in node.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name) and target.id in _ATTRIBUTES:
                        found[target.id] = [stmt]
            elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
                target = stmt.target
                if not isinstance(target, ast.Name) or target.id not in _ATTRIBUTES:
                    continue
                if isinstance(stmt, ast.AugAssign):
                    found.setdefault(target.id, []).append(stmt)
                elif stmt.value is not None:
                    found[target.id] = [stmt]
        return found

    def _flags(
        self, node: ast.ClassDef, classes: dict[str, ast.ClassDef], seen: frozenset[str]
    ) -> tuple[dict[str, bool], list[str]]:
        """Class-level boolean literals, the class's own over its bases', and the bases defined
        elsewhere (to follow into the repository)."""
        flags: dict[str, bool] = {}
        external: list[str] = []
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in classes and base.id not in seen:
                found, more = self._flags(classes[base.id], classes, seen | {node.name})
                for key, value in found.items():
                    flags.setdefault(key, value)
                external += more
                continue
            dotted = self.evaluator.dotted(base)
            if dotted is None:
                continue
            qualname = self.evaluator.resolve(dotted)
            if qualname not in _DJANGO_MIGRATION:
                external.append(qualname)
        return {**flags, **class_flags(node)}, external

    def _class_span(self, node: ast.ClassDef) -> Span:
        line = node.lineno
        text = self.index.line_text(line)
        column = text.find("Migration")
        column = column if column >= 0 else 0
        return Span(line, column, line, column + len("Migration"))

    def _class_body(self, node: ast.ClassDef) -> tuple[int, int, str, bool] | None:
        body = node.body
        first = 0
        if (
            body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            first = 1
        if first >= len(body):
            return None
        stmt = body[first]
        if stmt.lineno == node.lineno:
            return None  # ``class Migration(...): operations = []`` on one line
        line_text = self.index.line_text(stmt.lineno)
        indent = line_text[: len(line_text) - len(line_text.lstrip())]
        if line_text.lstrip() != line_text[len(indent) :] or not indent:
            return None
        multi_line = (stmt.end_lineno or stmt.lineno) > stmt.lineno
        return (stmt.lineno, 0, indent, multi_line)

    # -- operations --
    def _operations(self, statements: list[ast.stmt]) -> tuple[Operation, ...]:
        nodes: list[ast.expr] = []
        for stmt in statements:
            value = _assigned_value([stmt])
            if not value:
                continue
            if isinstance(stmt, ast.AugAssign) and not isinstance(stmt.op, ast.Add):
                self._unreadable_operations(stmt)
                return ()
            elements = self._elements(value[0])
            if elements is None:
                self._unreadable_operations(value[0])
                return ()
            nodes.extend(elements)
        return tuple(self._operation(node) for node in nodes)

    def _unreadable_operations(self, node: ast.AST) -> None:
        self.notes.append(
            ParseNote(
                "unlintable",
                self.evaluator.span(node),
                "Migration.operations is not a literal list: its operations cannot be linted",
            )
        )

    def _elements(
        self, node: ast.expr, seen: frozenset[str] = frozenset()
    ) -> list[ast.expr] | None:
        if isinstance(node, (ast.List, ast.Tuple)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return None
            return list(node.elts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left = self._elements(node.left, seen)
            right = self._elements(node.right, seen)
            if left is None or right is None:
                return None
            return left + right
        if isinstance(node, ast.Name) and node.id not in seen:
            constant = self.evaluator.constants.get(node.id)
            if constant is not None:
                return self._elements(constant, seen | {node.id})
        return None

    def _operation(self, node: ast.expr) -> Operation:
        span = self.evaluator.span(node) or Span(1, 0, 1, 0)
        if not isinstance(node, ast.Call):
            return Operation(
                kind="", family="unknown", call=None, span=span, text=self.evaluator.source(node)
            )
        call = self.evaluator.call(node)
        family, kind = classify(call)
        if family == "unknown":
            return Operation(kind=kind, family=family, call=call, span=span, text=call.written)
        params, problem = bind(call, family, kind)
        database: tuple[Operation, ...] = ()
        state: tuple[Operation, ...] = ()
        if kind == "SeparateDatabaseAndState":
            database = self._nested(node, "database_operations", 0)
            state = self._nested(node, "state_operations", 1)
        elif kind == "RunSQL":
            state = self._nested(node, "state_operations", 2)
        return Operation(
            kind=kind,
            family=family,
            call=call,
            span=span,
            params=params,
            database_operations=database,
            state_operations=state,
            binding_problem=problem,
            text=call.written,
        )

    def _nested(self, node: ast.Call, name: str, position: int) -> tuple[Operation, ...]:
        value: ast.expr | None = None
        for keyword in node.keywords:
            if keyword.arg == name:
                value = keyword.value
        if value is None and position < len(node.args):
            value = node.args[position]
        if value is None or (isinstance(value, ast.Constant) and value.value is None):
            return ()
        elements = self._elements(value)
        if elements is None:
            self.notes.append(
                ParseNote(
                    "unlintable",
                    self.evaluator.span(value),
                    f"{name} is not a literal list: its operations cannot be linted",
                )
            )
            return ()
        return tuple(self._operation(e) for e in elements)

    # -- dependencies --
    def _dependencies(self, values: list[ast.expr]) -> tuple[DepKey, ...]:
        result: list[DepKey] = []
        for node in values:
            value = self.evaluator.value(node)
            items = value if isinstance(value, tuple) else ()
            for item in items:
                if (
                    isinstance(item, tuple)
                    and len(item) == 2
                    and isinstance(item[0], str)
                    and isinstance(item[1], str)
                ):
                    result.append((item[0], item[1], ""))
                elif isinstance(item, Call) and item.name == "swappable_dependency" and item.args:
                    arg = item.args[0]
                    if isinstance(arg, Name) and arg.written.startswith("settings."):
                        result.append(("", "__first__", arg.written.split(".", 1)[1]))
                    elif isinstance(arg, str):
                        result.append((arg.split(".", 1)[0], "__first__", ""))
        return tuple(result)


def _class_constants(node: ast.ClassDef) -> dict[str, ast.expr]:
    """Names the class body assigns exactly once (``state_operations = [...]``): the class's own
    expressions, such as its ``operations``, see them before the module's names."""
    found: dict[str, ast.expr] = {}
    twice: set[str] = set()
    for stmt in node.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(stmt, ast.Assign):
            targets, value = list(stmt.targets), stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            targets, value = [stmt.target], stmt.value
        elif isinstance(stmt, ast.AugAssign):
            targets = [stmt.target]
        for target in targets:
            if not isinstance(target, ast.Name) or target.id in _ATTRIBUTES:
                continue
            if target.id in found or value is None:
                twice.add(target.id)
            if value is not None:
                found[target.id] = value
    for name in twice:
        found.pop(name, None)
    return found


def _assigned_value(statements: list[ast.stmt]) -> list[ast.expr]:
    values: list[ast.expr] = []
    for stmt in statements:
        value = getattr(stmt, "value", None)
        if isinstance(value, ast.expr):
            values.append(value)
    return values
