"""ML024 add-generated-field: a stored generated column computed for every existing row."""

from __future__ import annotations

from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.model import Severity

from .common import new_field


def check(site: Site, ctx: MigrationContext) -> None:
    found = new_field(ctx, site)
    if found is None or not found[2].is_generated:
        return
    model, name, field = found
    persist = field.get("db_persist", True)
    if persist is False and ctx.postgres_version >= 18:
        return  # a virtual generated column: computed on read
    call = field.call
    span = (call.func_span if call else None) or site.op.value_span("field")
    stored = "a stored" if persist is not False else "a generated"
    why = (
        ""
        if persist is not False
        else f" (virtual generated columns need PostgreSQL 18; postgres-version is "
        f"{ctx.postgres_version})"
    )
    ctx.report(
        RULE,
        span,
        f"adds {stored} generated column {ctx.column_ref(model, field.column(name))}{why}: "
        f"PostgreSQL computes it for every existing row, rewriting {ctx.table(model)} under an "
        "ACCESS EXCLUSIVE lock",
        site,
    )


RULE = Rule(
    code="ML024",
    name="add-generated-field",
    severity=Severity.ERROR,
    summary="adds a stored GeneratedField to an existing table, which rewrites the table",
    why=(
        "A GeneratedField with db_persist=True is a STORED generated column: ALTER TABLE ... "
        "ADD COLUMN ... GENERATED ALWAYS AS (...) STORED computes the expression for every "
        "existing row and rewrites the whole table while holding an ACCESS EXCLUSIVE lock. "
        "Before PostgreSQL 18, every generated column is stored."
    ),
    safe=(
        "On PostgreSQL 18 and later, use db_persist=False (a virtual column, computed on read). "
        "Otherwise add an ordinary nullable column, fill it in batches and keep it up to date "
        "with a trigger or in the application, or add the GeneratedField when the table is "
        "created."
    ),
    kinds=frozenset({"AddField"}),
    check=check,
    not_reported=(
        "`db_persist=False` with `postgres-version` 18 or later (a virtual column)",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "A stored generated column on a large table",
            "migrations.AddField(\n"
            '    model_name="order",\n'
            '    name="total",\n'
            "    field=models.GeneratedField(\n"
            '        expression=F("price") * F("quantity"),\n'
            "        output_field=models.IntegerField(),\n"
            "        db_persist=True,\n"
            "    ),\n"
            ")",
        ),
    ),
)
