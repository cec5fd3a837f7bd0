"""Mechanical fixes, as :class:`~manifest_core.plan.Plan` text edits on the migration file.

Each builder returns the edits of one fix, or ``None`` when the source is not shaped so that the
edit is certain (then the finding still explains the safe alternative in words). Fixes never
overlap within one plan; the language server offers each as a code action, the CLI prints or
applies them (``lint --fix``).
"""

from __future__ import annotations

from manifest_core.model import Span
from manifest_core.plan import Plan, TextEdit

from .operations import Operation
from .rule import REASON_PLACEHOLDER, MigrationContext, Site
from .source import ParsedMigration

POSTGRES_OPERATIONS = "django.contrib.postgres.operations"


def plan(title: str, edits: list[TextEdit] | None, notes: tuple[str, ...] = ()) -> Plan | None:
    if not edits:
        return None
    return Plan(title=title, edits=tuple(edits), notes=notes)


def _line(ctx: MigrationContext, line: int) -> str:
    return ctx.index.line_text(line)


def _indent(text: str) -> str:
    return text[: len(text) - len(text.lstrip(" \t"))]


def module_prefix(op: Operation) -> str:
    """``migrations.`` for ``migrations.AddIndex``, empty for a bare ``AddIndex``."""
    written = op.text
    return written.rsplit(".", 1)[0] + "." if "." in written else ""


# --- Migration.atomic --------------------------------------------------------------------------


def set_atomic_false(ctx: MigrationContext) -> list[TextEdit] | None:
    """``atomic = False`` on the Migration class: replace ``atomic = True``, or add it."""
    parsed = ctx.parsed
    if parsed.atomic is False:
        return []
    if parsed.atomic_span is not None:
        span = parsed.atomic_span
        if span.line != span.end_line:
            return None
        old = _line(ctx, span.line)[span.column : span.end_column]
        return [TextEdit(ctx.path, span, _atomic_statement(old), old)]
    if parsed.class_body is None:
        return None
    line, _, indent, blank_after = parsed.class_body
    text = f"{indent}atomic = False\n" + ("\n" if blank_after else "")
    return [TextEdit(ctx.path, Span(line, 0, line, 0), text, "")]


def _atomic_statement(old: str) -> str:
    head, _, _ = old.partition("=")
    return f"{head.rstrip()} = False"


# --- imports -----------------------------------------------------------------------------------


def import_postgres_operation(ctx: MigrationContext, name: str) -> list[TextEdit] | None:
    """Make ``name`` importable from ``django.contrib.postgres.operations`` in the module."""
    parsed = ctx.parsed
    if parsed.imported(name) == f"{POSTGRES_OPERATIONS}.{name}":
        return []
    if parsed.imported(name) is not None:
        return None  # the name is bound to something else: no certain edit
    if parsed.postgres_import is not None:
        span, names = parsed.postgres_import
        old = _line(ctx, span.line)[span.column : span.end_column]
        new = f"from {POSTGRES_OPERATIONS} import {', '.join(sorted({*names, name}))}"
        return [TextEdit(ctx.path, span, new, old)]
    line = parsed.last_import_line + 1
    later = [first for first, module in parsed.from_imports if module > POSTGRES_OPERATIONS]
    if later:
        line = later[0]  # keep ``from`` imports sorted, as makemigrations and isort write them
    return [
        TextEdit(
            ctx.path, Span(line, 0, line, 0), f"from {POSTGRES_OPERATIONS} import {name}\n", ""
        )
    ]


# --- operations --------------------------------------------------------------------------------


def replace_callee(ctx: MigrationContext, op: Operation, new: str) -> list[TextEdit] | None:
    call = op.call
    if call is None or call.func_span is None:
        return None
    return [TextEdit(ctx.path, call.func_span, new, call.written)]


def to_postgres_operation(ctx: MigrationContext, site: Site, new: str) -> Plan | None:
    """``AddIndex`` -> ``AddIndexConcurrently`` (or similar), imported, with ``atomic = False``."""
    callee = replace_callee(ctx, site.op, new)
    imported = import_postgres_operation(ctx, new)
    atomic = set_atomic_false(ctx)
    if callee is None or imported is None or atomic is None:
        return None
    notes: tuple[str, ...] = ()
    others = [s for s in ctx.sites if s.op is not site.op and not s.parents]
    if others and ctx.parsed.atomic is not False:
        notes = (
            f"atomic = False applies to the {len(others)} other operation(s) of this migration "
            "too: consider moving this one into a migration of its own",
        )
    return plan(f"Use {new} (atomic = False)", [*callee, *imported, *atomic], notes)


def set_argument(
    ctx: MigrationContext, op: Operation, name: str, value: str
) -> list[TextEdit] | None:
    """Give argument ``name`` the source ``value``: replace it where it is written (by keyword
    or position), else append ``name=value`` to the call, keeping its layout."""
    call = op.call
    if call is None or call.span is None:
        return None
    span = op.value_span(name)
    if span is not None:
        start = ctx.index.offset(span.line, span.column)
        end = ctx.index.offset(span.end_line, span.end_column)
        return [TextEdit(ctx.path, span, value, ctx.parsed.text[start:end])]
    return add_keyword(ctx, op, f"{name}={value}")


def add_keyword(ctx: MigrationContext, op: Operation, keyword: str) -> list[TextEdit] | None:
    """Append ``keyword`` (``name=value``) to the call's arguments, keeping its layout."""
    call = op.call
    if call is None or call.span is None:
        return None
    spans = [s for s in (*call.arg_spans, *call.kw_spans) if s is not None]
    if not spans:
        if call.func_span is None:
            return None
        end = call.span
        line, column = end.end_line, end.end_column - 1
        return [TextEdit(ctx.path, Span(line, column, line, column), keyword, "")]
    last = max(spans, key=lambda s: (s.end_line, s.end_column))
    text = _line(ctx, last.end_line)
    rest = text[last.end_column :]
    if rest.strip() == "," and call.span.end_line > last.end_line:
        # one argument per line with a trailing comma: add a line in the same style
        first = min(spans, key=lambda s: (s.line, s.column))
        indent = _indent(_line(ctx, first.line)) if first.line > call.span.line else None
        if indent is not None:
            column = len(text)
            return [
                TextEdit(
                    ctx.path,
                    Span(last.end_line, column, last.end_line, column),
                    f"\n{indent}{keyword},",
                    "",
                )
            ]
    point = Span(last.end_line, last.end_column, last.end_line, last.end_column)
    return [TextEdit(ctx.path, point, f", {keyword}", "")]


def wrap_state_only(
    ctx: MigrationContext, site: Site, database_operations: list[str] | None = None
) -> Plan | None:
    """Wrap the operation in ``SeparateDatabaseAndState(state_operations=[...])``.

    ``database_operations`` are source lines (without indentation) to run instead.
    """
    op = site.op
    span = op.span
    first = _line(ctx, span.line)
    if first[: span.column].strip():
        return None  # the operation does not start its line: leave the layout to the user
    indent = first[: span.column]
    step = "    "
    start = ctx.index.offset(span.line, span.column)
    end = ctx.index.offset(span.end_line, span.end_column)
    source = ctx.parsed.text[start:end]
    lines = source.split("\n")
    moved = [lines[0]] + [(step * 2 + line) if line.strip() else line for line in lines[1:]]
    prefix = module_prefix(op)
    body = [
        f"{prefix}SeparateDatabaseAndState(",
        f"{indent}{step}state_operations=[",
        f"{indent}{step * 2}" + "\n".join(moved) + ",",
        f"{indent}{step}],",
    ]
    if database_operations:
        body.append(f"{indent}{step}database_operations=[")
        for statement in database_operations:
            body.append(
                "\n".join(f"{indent}{step * 2}{line}" for line in statement.split("\n")) + ","
            )
        body.append(f"{indent}{step}],")
    body.append(f"{indent})")
    return plan(
        "Remove it from Django's state only (SeparateDatabaseAndState)",
        [TextEdit(ctx.path, span, "\n".join(body), source)],
        ("drop the column or table in a later migration, once no deployed code uses it",),
    )


# --- suppression -------------------------------------------------------------------------------


def suppression_point(parsed: ParsedMigration, line: int) -> tuple[int, str, str] | None:
    """Where a suppression comment for an operation starting on ``line`` goes."""
    index = parsed.index
    if not 1 <= line <= index.line_count:
        return None
    text = index.line_text(line)
    end = index.offset(line, len(text))
    return line, _indent(text), "\r\n" if parsed.text.startswith("\r\n", end) else "\n"


def suppression_plan(path: str, line: int, indent: str, newline: str, rule_name: str) -> Plan:
    """Insert ``# migration-manifest: ignore[rule] -- <reason>`` on its own line above ``line``."""
    comment = f"{indent}# migration-manifest: ignore[{rule_name}] -- {REASON_PLACEHOLDER}"
    return Plan(
        title=f"Suppress {rule_name} here (give the reason)",
        edits=(TextEdit(path, Span(line, 0, line, 0), comment + newline, ""),),
        notes=(f"replace {REASON_PLACEHOLDER} with why this operation is safe",),
    )
