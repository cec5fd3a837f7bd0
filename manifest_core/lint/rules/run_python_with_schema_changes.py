"""ML020 run-python-with-schema-changes: data and schema changes in one transaction."""

from __future__ import annotations

from manifest_core.lint.fields import FieldView
from manifest_core.lint.rule import Example, MigrationContext, Rule, Site
from manifest_core.lint.values import MISSING, Name
from manifest_core.model import Severity

from .run_sql_checks import has_ddl, sql_findings

_MODEL_PARAM = {
    "AddField": "model_name",
    "RemoveField": "model_name",
    "AlterField": "model_name",
    "RenameField": "model_name",
    "AddIndex": "model_name",
    "RemoveIndex": "model_name",
    "RenameIndex": "model_name",
    "AddConstraint": "model_name",
    "RemoveConstraint": "model_name",
    "AlterConstraint": "model_name",
    "AddConstraintNotValid": "model_name",
    "DeleteModel": "name",
    "AlterModelTable": "name",
    "AlterModelTableComment": "name",
    "AlterUniqueTogether": "name",
    "AlterIndexTogether": "name",
    "AlterOrderWithRespectTo": "name",
    "RenameModel": "old_name",
}


def is_noop(value: object) -> bool:
    return isinstance(value, Name) and value.qualname.endswith("RunPython.noop")


def locked_table(ctx: MigrationContext, site: Site) -> str | None:
    """The existing table a schema operation locks until the transaction ends, if known."""
    op = site.op
    if not site.database or not op.known:
        return None
    if op.kind == "RunSQL":
        return "the tables its SQL changes" if has_ddl(ctx, site) else None
    param = _MODEL_PARAM.get(op.kind)
    if param is None:
        return None
    model = site.state.model(op.param(param))
    if model is None or model.has_table(ctx.swappable, ctx.app) is not True:
        return None
    if ctx.is_new_model(model):
        return None
    if op.kind == "AlterField":
        name = op.param("name")
        old = model.field(name) if isinstance(name, str) else MISSING
        new = FieldView(op.param("field"))
        if old is not MISSING:
            old_view = FieldView(old)
            if (
                old_view.call is not None
                and new.call is not None
                and old_view.call.qualname == new.call.qualname
                and old_view.database_kwargs() == new.database_kwargs()
            ):
                return None  # only Python-side attributes change: Django runs no SQL
    return ctx.table(model)


def check(ctx: MigrationContext) -> None:
    if ctx.parsed.atomic is not True:
        return
    data = [
        s
        for s in ctx.sites
        if s.database
        and s.op.family == "django"
        and s.op.kind == "RunPython"
        and not is_noop(s.op.param("code", MISSING))
    ]
    backfills = [
        (s, found, span)
        for s in ctx.sites
        if s.database and s.op.family == "django" and s.op.kind == "RunSQL"
        for found, span in sql_findings(ctx, s)
        if found.kind == "dml" and not _new_table(ctx, s, found.table)
    ]
    if not data and not backfills:
        return
    schema = [(s, t) for s in ctx.sites if (t := locked_table(ctx, s)) is not None]
    if not schema:
        return
    first, table = schema[0]
    more = f" and {len(schema) - 1} more schema change(s)" if len(schema) > 1 else ""
    for site in data:
        ctx.report(
            RULE,
            site.op.head_span,
            f"runs in the same transaction as {first.op.kind} (line {first.op.span.line}) on "
            f"{table}{more}: the schema change's lock is held until the data migration finishes",
            site,
        )
    for site, found, span in backfills:
        ctx.report(
            RULE,
            span,
            f"{found.message} in the same transaction as {first.op.kind} (line "
            f"{first.op.span.line}) on {table}{more}: the schema change's lock is held until "
            "the backfill finishes",
            site,
        )


def _new_table(ctx: MigrationContext, site: Site, table: str | None) -> bool:
    """Whether a table raw SQL names is new (created in this migration or on this branch)."""
    if table is None:
        return False
    for model in site.state.models.values():
        if model.table(ctx.app) == table:
            return ctx.is_new_model(model)
    return ctx.is_new_key(site.state.sql_tables.get(table))


RULE = Rule(
    code="ML020",
    name="run-python-with-schema-changes",
    severity=Severity.WARNING,
    summary=(
        "a data migration (RunPython, or UPDATE/DELETE in RunSQL) shares an atomic migration "
        "with schema changes"
    ),
    why=(
        "An atomic migration is one transaction: the locks its schema changes take, most of "
        "them ACCESS EXCLUSIVE, are held until the data migration in RunPython has gone through "
        "every row it touches (or an UPDATE or DELETE in RunSQL has). The table is unavailable "
        "for that whole time. Mixing also makes "
        "PostgreSQL fail with 'pending trigger events' when rows are changed before an ALTER "
        "TABLE on a table with deferred constraints, and makes the migration impossible to "
        "split when it fails halfway."
    ),
    safe=(
        "Put the data migration in a migration of its own, between the schema change it needs "
        "and the one that depends on it. Schema changes on tables created in the same "
        "migration (or on this branch) are fine."
    ),
    check_migration=check,
    not_reported=(
        "the forward code is `RunPython.noop`",
        (
            "the schema operations only touch new tables, or change nothing in the database "
            "(choices,"
            " verbose names...)"
        ),
        "the migration sets `atomic = False`",
    ),
    examples=(
        Example(
            "unsafe",
            "Backfill next to the schema change",
            "operations = [\n"
            '    migrations.AddField(model_name="order", name="total", field=...),\n'
            "    migrations.RunPython(fill_totals, migrations.RunPython.noop),\n"
            "]",
        ),
        Example(
            "safe",
            "One migration each",
            "# 0005_order_total: AddField\n"
            "# 0006_fill_order_totals: RunPython(fill_totals, migrations.RunPython.noop)",
        ),
    ),
)
