"""Static values: what a migration's expressions evaluate to, without running them.

A migration's arguments are read as plain Python values (``str``, ``int``, ``bool``, ``None``,
``tuple`` for lists and tuples, ``frozenset`` for sets, :class:`Dict` for dicts) plus three kinds
of non-literal values:

* :class:`Call`: a call such as ``models.CharField(max_length=100)``, with its callee resolved
  through the module's imports (``qualname`` ``django.db.models.CharField``) and the exact span of
  the call, the callee and every argument;
* :class:`Name`: a reference such as ``migrations.RunPython.noop`` or ``timezone.now``;
* :class:`Unknown`: anything else (a lambda, an f-string, arithmetic), kept with its source text.

Equality ignores spans, so two field definitions compare equal when they are written alike.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final

from manifest_core.model import Span
from manifest_core.text import LineIndex


class _Missing:
    """The sentinel for "this argument was not given"."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()


#: Keyword arguments of field classes that never reach the database: the evaluator does not read
#: them (they are often large literals, such as ``choices``); they read as :data:`OPAQUE`.
OPAQUE_KWARGS = frozenset(
    {
        "verbose_name",
        "help_text",
        "choices",
        "validators",
        "error_messages",
        "related_name",
        "related_query_name",
        "limit_choices_to",
        "upload_to",
        "storage",
    }
)


class Unknown:
    """A value the linter cannot evaluate statically; ``text`` is its source.

    Values are plain slotted classes rather than frozen dataclasses: a migration holds thousands
    of them, and they are built on every keystroke. Treat them as immutable. Equality ignores
    spans.
    """

    __slots__ = ("span", "text")

    def __init__(self, text: str, span: Span | None = None) -> None:
        self.text = text
        self.span = span

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unknown) and other.text == self.text

    def __hash__(self) -> int:
        return hash(("Unknown", self.text))

    def __repr__(self) -> str:
        return f"Unknown({self.text!r})"

    def __str__(self) -> str:
        return self.text


class Name:
    """A name or attribute reference: ``written`` as in the source, ``qualname`` resolved."""

    __slots__ = ("qualname", "span", "written")

    def __init__(self, written: str, qualname: str, span: Span | None = None) -> None:
        self.written = written
        self.qualname = qualname
        self.span = span

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Name) and other.qualname == self.qualname

    def __hash__(self) -> int:
        return hash(("Name", self.qualname))

    def __repr__(self) -> str:
        return f"Name({self.written!r}, {self.qualname!r})"

    @property
    def last(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class Dict:
    """A dict literal, as ordered pairs (hashable, unlike ``dict``)."""

    items: tuple[tuple[object, object], ...]

    def get(self, key: object, default: object = MISSING) -> object:
        for k, v in self.items:
            if k == key:
                return v
        return default

    def keys(self) -> list[object]:
        return [k for k, _ in self.items]


class Call:
    """A call expression. ``kwargs`` keeps the written order; ``star`` marks ``*a``/``**k``.

    Equality compares the resolved callee and the arguments, not how the callee is written nor
    where: ``models.CharField(max_length=5)`` equals ``django.db.models.CharField(max_length=5)``.
    """

    __slots__ = (
        "arg_spans",
        "args",
        "func_span",
        "kw_spans",
        "kw_value_spans",
        "kwargs",
        "qualname",
        "span",
        "star",
        "written",
    )

    def __init__(
        self,
        written: str,
        qualname: str,
        args: tuple[object, ...] = (),
        kwargs: tuple[tuple[str, object], ...] = (),
        star: bool = False,
        span: Span | None = None,
        func_span: Span | None = None,
        arg_spans: tuple[Span | None, ...] = (),
        kw_spans: tuple[Span | None, ...] = (),
        kw_value_spans: tuple[Span | None, ...] = (),
    ) -> None:
        self.written = written
        self.qualname = qualname
        self.args = args
        self.kwargs = kwargs
        self.star = star
        self.span = span
        self.func_span = func_span
        #: Span of each positional argument.
        self.arg_spans = arg_spans
        #: Span of each keyword argument, ``name=value`` whole, in the order of ``kwargs``.
        self.kw_spans = kw_spans
        #: Span of each keyword argument's value, in the order of ``kwargs``.
        self.kw_value_spans = kw_value_spans

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Call)
            and other.qualname == self.qualname
            and other.args == self.args
            and other.kwargs == self.kwargs
            and other.star == self.star
        )

    def __hash__(self) -> int:
        return hash(("Call", self.qualname, self.args, self.kwargs, self.star))

    def __repr__(self) -> str:
        return f"Call({self.written!r}, args={self.args!r}, kwargs={self.kwargs!r})"

    @property
    def name(self) -> str:
        """The callee's last component: ``CharField`` for ``models.CharField``."""
        return self.qualname.rsplit(".", 1)[-1]

    def kw(self, key: str, default: object = MISSING) -> object:
        for k, v in self.kwargs:
            if k == key:
                return v
        return default

    def has_kw(self, key: str) -> bool:
        return any(k == key for k, _ in self.kwargs)

    def kw_span(self, key: str) -> Span | None:
        for (k, _), span in zip(self.kwargs, self.kw_spans, strict=False):
            if k == key:
                return span
        return None

    def kw_value_span(self, key: str) -> Span | None:
        for (k, _), span in zip(self.kwargs, self.kw_value_spans, strict=False):
            if k == key:
                return span
        return None


#: What an argument of :data:`OPAQUE_KWARGS` reads as.
OPAQUE: Final = Unknown("...")


def walk(value: object) -> Iterator[object]:
    """``value`` and every value nested in it (call arguments, items, dict keys and values)."""
    stack = [value]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, Call):
            stack.extend(item.args)
            stack.extend(v for _, v in item.kwargs)
        elif isinstance(item, (tuple, frozenset)):
            stack.extend(item)
        elif isinstance(item, Dict):
            for k, v in item.items:
                stack.append(k)
                stack.append(v)


def is_unknown(value: object) -> bool:
    """Whether ``value`` is, or contains, something the linter could not evaluate."""
    return any(isinstance(v, Unknown) for v in walk(value))


def describe(value: object) -> str:
    """A short source-like rendering of a value, for messages."""
    if isinstance(value, Call):
        args = [describe(a) for a in value.args]
        args += [f"{k}={describe(v)}" for k, v in value.kwargs]
        inner = ", ".join(args)
        if len(inner) > 40:
            inner = "..."
        return f"{value.written}({inner})"
    if isinstance(value, Name):
        return value.written
    if isinstance(value, Unknown):
        return value.text if len(value.text) <= 40 else value.text[:37] + "..."
    if isinstance(value, tuple):
        return "[" + ", ".join(describe(v) for v in value) + "]"
    if isinstance(value, Dict):
        return "{...}"
    return repr(value)


# --- the evaluator ----------------------------------------------------------------------------


_new_span = tuple.__new__  # builds a Span without the NamedTuple constructor's Python frame
#: Calls nested deeper than this (an operation, its field, the field's base field) are read
#: without the spans of their arguments, which no rule points at.
_DETAILED = 3


def _no_span(node: ast.AST) -> Span | None:
    return None


class Evaluator:
    """Turns expressions of one module into values, resolving names through its imports.

    ``imports`` maps a name bound by an import to what it stands for (``models`` ->
    ``django.db.models``); ``constants`` maps module-level names assigned exactly once to their
    expression; ``local`` holds the names of functions and classes the module defines.
    """

    def __init__(
        self,
        text: str,
        index: LineIndex,
        imports: Mapping[str, str],
        constants: Mapping[str, ast.expr],
        local: frozenset[str],
    ) -> None:
        self.text = text
        self.index = index
        self.ascii = text.isascii()
        self.imports = imports
        self.constants = constants
        self.local = local
        self._resolving: set[str] = set()
        self._depth = 0

    # -- positions --
    def span(self, node: ast.AST) -> Span | None:
        lineno = getattr(node, "lineno", None)
        end_lineno = getattr(node, "end_lineno", None)
        if lineno is None or end_lineno is None:
            return None
        col = getattr(node, "col_offset", 0)
        end_col = getattr(node, "end_col_offset", 0) or 0
        if not self.ascii:
            col = self.index.utf8_to_column(lineno, col)
            end_col = self.index.utf8_to_column(end_lineno, end_col)
        return _new_span(Span, (lineno, col, end_lineno, end_col))

    def source(self, node: ast.AST) -> str:
        span = self.span(node)
        if span is None:
            return ""
        start = self.index.offset(span.line, span.column)
        end = self.index.offset(span.end_line, span.end_column)
        return self.text[start:end]

    # -- names --
    def dotted(self, node: ast.expr) -> str | None:
        """``a.b.c`` for a chain of attributes on a name, else ``None``."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(node.id)
        return ".".join(reversed(parts))

    def resolve(self, dotted: str) -> str:
        """The qualified name of a dotted reference, through the module's imports."""
        head, dot, rest = dotted.partition(".")
        target = self.imports.get(head)
        if target is not None:
            return target + dot + rest
        if head in self.local:
            return "<module>." + dotted
        return dotted

    # -- values --
    def value(self, node: ast.expr) -> object:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, (ast.List, ast.Tuple)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return Unknown(self.source(node), self.span(node))
            return tuple(self.value(e) for e in node.elts)
        if isinstance(node, ast.Set):
            items = [self.value(e) for e in node.elts]
            try:
                return frozenset(items)
            except TypeError:
                return Unknown(self.source(node), self.span(node))
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                return Unknown(self.source(node), self.span(node))
            return Dict(
                tuple(
                    (self.value(k), self.value(v))
                    for k, v in zip(node.keys, node.values, strict=True)
                    if k is not None
                )
            )
        if isinstance(node, ast.Name):
            return self.name(node, node.id)
        if isinstance(node, ast.Attribute):
            dotted = self.dotted(node)
            if dotted is not None:
                span = self.span(node) if self._depth <= _DETAILED else None
                return Name(dotted, self.resolve(dotted), span)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.value(node.operand)
            if isinstance(operand, (int, float)) and not isinstance(operand, bool):
                return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.JoinedStr) and all(
            isinstance(part, ast.Constant) for part in node.values
        ):
            return "".join(
                str(part.value) for part in node.values if isinstance(part, ast.Constant)
            )
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.value(node.left), self.value(node.right)
            if isinstance(left, str) and isinstance(right, str):
                return left + right
            if isinstance(left, tuple) and isinstance(right, tuple):
                return left + right
        return Unknown(self.source(node), self.span(node))

    def name(self, node: ast.Name, name: str) -> object:
        if name in self.constants and name not in self._resolving:
            self._resolving.add(name)
            try:
                return self.value(self.constants[name])
            finally:
                self._resolving.discard(name)
        if name in ("True", "False", "None"):  # pragma: no cover - parsed as constants
            return {"True": True, "False": False, "None": None}[name]
        return Name(name, self.resolve(name), self.span(node) if self._depth <= _DETAILED else None)

    def call(self, node: ast.Call) -> Call:
        self._depth += 1
        try:
            return self._call(node, self._depth <= _DETAILED)
        finally:
            self._depth -= 1

    def _call(self, node: ast.Call, detailed: bool) -> Call:
        """A call; ``detailed``: with the span of every argument (only operations and the
        fields and expressions directly in them need those)."""
        span = self.span if detailed else _no_span
        written = self.dotted(node.func)
        if written is None:
            written = self.source(node.func)
            qualname = written
        else:
            qualname = self.resolve(written)
        args: list[object] = []
        arg_spans: list[Span | None] = []
        star = False
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                star = True
                continue
            args.append(self.value(arg))
            arg_spans.append(span(arg))
        kwargs: list[tuple[str, object]] = []
        kw_spans: list[Span | None] = []
        kw_value_spans: list[Span | None] = []
        for keyword in node.keywords:
            if keyword.arg is None:
                star = True
                continue
            if keyword.arg in OPAQUE_KWARGS:
                kwargs.append((keyword.arg, OPAQUE))
                kw_spans.append(None)
                kw_value_spans.append(None)
                continue
            kwargs.append((keyword.arg, self.value(keyword.value)))
            kw_spans.append(span(keyword))
            kw_value_spans.append(span(keyword.value))
        return Call(
            written=written,
            qualname=qualname,
            args=tuple(args),
            kwargs=tuple(kwargs),
            star=star,
            span=self.span(node),
            func_span=self.span(node.func),
            arg_spans=tuple(arg_spans),
            kw_spans=tuple(kw_spans),
            kw_value_spans=tuple(kw_value_spans),
        )
