"""Reading the SQL of a ``RunSQL`` operation, with the span of every statement in the file."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from manifest_core.lint.rule import MigrationContext, Site
from manifest_core.lint.sql import Finding, classify, split_statements
from manifest_core.lint.values import MISSING, Name, describe
from manifest_core.model import Span
from manifest_core.text import LineIndex, parse_expression

_PREFIXES = frozenset({"", "r", "u", "R", "U"})


@dataclass(frozen=True)
class SqlText:
    """One SQL string of a RunSQL: its value, its literal's span, and where its text starts in
    the file (``None`` when the literal has escapes or is built from parts)."""

    value: str
    span: Span
    content: int | None


def sql_texts(ctx: MigrationContext, site: Site, param: str = "sql") -> list[SqlText] | None:
    """The SQL strings of a RunSQL argument; ``None`` (after a note) when not literals."""
    op = site.op
    value = op.param(param, MISSING)
    if value is MISSING or value is None or isinstance(value, Name):
        return []  # no SQL, or RunSQL.noop
    span = op.value_span(param) or op.head_span
    found = _from_source(ctx, span)
    if found is not None and [t.value for t in found] == _strings(value):
        return found
    strings = _strings(value)
    if strings is None:
        ctx.unreadable(
            site,
            span,
            f"RunSQL.{param} is {describe(value)}, not a literal: its statements cannot be checked",
        )
        return None
    return [SqlText(s, span, None) for s in strings]


def _strings(value: object) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple):
        result: list[str] = []
        for item in value:
            if isinstance(item, str):
                result.append(item)
            elif isinstance(item, tuple) and item and isinstance(item[0], str):
                result.append(item[0])
            else:
                return None
        return result
    return None


def _from_source(ctx: MigrationContext, span: Span) -> list[SqlText] | None:
    """Re-read the argument's source to find each literal's exact position."""
    index = ctx.index
    start = index.offset(span.line, span.column)
    end = index.offset(span.end_line, span.end_column)
    segment = ctx.parsed.text[start:end]
    wrapped = "(" + segment + "\n)"
    try:
        node = parse_expression(wrapped)
    except (SyntaxError, ValueError):
        return None
    local = LineIndex(wrapped)
    literals: list[ast.Constant] = []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        literals = [node]
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            if isinstance(element, ast.Constant) and isinstance(element.value, str):
                literals.append(element)
            elif (
                isinstance(element, (ast.Tuple, ast.List))
                and element.elts
                and isinstance(element.elts[0], ast.Constant)
                and isinstance(element.elts[0].value, str)
            ):
                literals.append(element.elts[0])
            else:
                return None
    else:
        return None
    texts: list[SqlText] = []
    for literal in literals:
        assert isinstance(literal.value, str)
        lit_start = local.offset(
            literal.lineno, local.utf8_to_column(literal.lineno, literal.col_offset)
        )
        lit_end = local.offset(
            literal.end_lineno or literal.lineno,
            local.utf8_to_column(literal.end_lineno or literal.lineno, literal.end_col_offset or 0),
        )
        absolute = start + lit_start - 1
        raw = wrapped[lit_start:lit_end]
        content = _content_offset(raw, literal.value)
        texts.append(
            SqlText(
                literal.value,
                index.span(absolute, absolute + len(raw)),
                None if content is None else absolute + content,
            )
        )
    return texts


def _content_offset(raw: str, value: str) -> int | None:
    """Where ``value`` starts inside the literal ``raw``, if it is written there verbatim."""
    prefix = ""
    while raw[len(prefix) : len(prefix) + 1].isalpha():
        prefix += raw[len(prefix)]
    if prefix not in _PREFIXES:
        return None
    body = raw[len(prefix) :]
    for quote in ('"""', "'''", '"', "'"):
        if body.startswith(quote) and body.endswith(quote) and len(body) >= 2 * len(quote):
            inner = body[len(quote) : -len(quote)]
            if inner == value:
                return len(prefix) + len(quote)
            return None
    return None


def sql_findings(ctx: MigrationContext, site: Site) -> list[tuple[Finding, Span]]:
    """Every recognised statement shape of a RunSQL's ``sql``, with its span in the file.

    Tables created by earlier ``CREATE TABLE`` statements of the migration are new: statements
    on them are not reported. Memoised per migration (several rules read the same SQL).
    """
    memo = ctx.cache.setdefault("sql", {})
    assert isinstance(memo, dict)
    if site.position in memo:
        result: list[tuple[Finding, Span]] = memo[site.position]
        return result
    new_tables = ctx.cache.setdefault("sql-new-tables", set())
    assert isinstance(new_tables, set)
    for other in ctx.sites:  # earlier RunSQL first, so CREATE TABLE is seen in order
        if other.position > site.position or other.position in memo:
            continue
        if other.op.kind != "RunSQL" or other.op.family != "django" or not other.database:
            memo[other.position] = []
            continue
        found: list[tuple[Finding, Span]] = []
        for text in sql_texts(ctx, other) or []:
            for statement in split_statements(text.value):
                for finding in classify(statement, new_tables):
                    if text.content is None:
                        span = text.span
                    else:
                        span = ctx.index.span(
                            text.content + finding.start, text.content + finding.end
                        )
                    found.append((finding, span))
        memo[other.position] = found
    located: list[tuple[Finding, Span]] = memo.get(site.position, [])
    return located


def has_ddl(ctx: MigrationContext, site: Site) -> bool:
    """Whether a RunSQL's SQL changes the schema (CREATE, ALTER, DROP, REINDEX...)."""
    for text in sql_texts(ctx, site) or []:
        for statement in split_statements(text.value):
            if statement.tokens and statement.tokens[0].upper in (
                "CREATE",
                "ALTER",
                "DROP",
                "REINDEX",
                "TRUNCATE",
                "LOCK",
                "CLUSTER",
                "VACUUM",
            ):
                return True
    return False
