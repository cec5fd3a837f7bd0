"""ML002 volatile-db-default: a db_default PostgreSQL must compute for every existing row."""

from __future__ import annotations

from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.lint.values import MISSING, describe
from manifest_core.lint.volatility import volatility
from manifest_core.model import Severity

from .common import new_field


def check(site: Site, ctx: MigrationContext) -> None:
    found = new_field(ctx, site)
    if found is None:
        return
    model, name, field = found
    default = field.db_default()
    if default is MISSING or not field.has_column:
        return
    call = field.call
    span = (call.kw_span("db_default") if call else None) or site.op.value_span("field")
    column = ctx.column_ref(model, field.column(name))
    if ctx.postgres_version < 11:
        ctx.report(
            RULE,
            span,
            f"adds {column} with a default: before PostgreSQL 11, this rewrites {ctx.table(model)} "
            "under an ACCESS EXCLUSIVE lock",
            site,
        )
        return
    verdict = volatility(default)
    if verdict.verdict == "volatile":
        ctx.report(
            RULE,
            span,
            f"db_default={describe(default)} is volatile ({verdict.culprit}): PostgreSQL "
            f"computes it for every existing row, rewriting {ctx.table(model)} under an "
            "ACCESS EXCLUSIVE lock",
            site,
        )
    elif verdict.verdict == "unknown":
        ctx.unreadable(
            site,
            span,
            f"cannot tell whether db_default={describe(default)} is volatile "
            f"({verdict.culprit} is not an expression the linter knows); a volatile default "
            f"rewrites {ctx.table(model)}",
        )


RULE = Rule(
    code="ML002",
    name="volatile-db-default",
    severity=Severity.ERROR,
    summary="adds a column whose db_default is volatile, which rewrites the whole table",
    why=(
        "Since PostgreSQL 11, adding a column with a default only records the default in the "
        "catalog, provided the default is not volatile. A volatile expression, such as "
        "`RandomUUID()` (gen_random_uuid()), `Random()` or `Func(function='clock_timestamp')`, "
        "must give every existing row its own value, so PostgreSQL rewrites the table while "
        "holding an ACCESS EXCLUSIVE lock: no reads, no writes, for as long as the rewrite "
        "takes. `Now()` is fine: Django renders it as STATEMENT_TIMESTAMP(), which is stable."
    ),
    safe=(
        "Add the column nullable (or with a constant db_default), backfill existing rows in "
        "batches, then set the volatile db_default with AlterField (SET DEFAULT does not touch "
        "existing rows) and, if needed, make it NOT NULL in a later migration."
    ),
    kinds=frozenset({"AddField"}),
    check=check,
    not_reported=(
        (
            "the default is a literal, `Value(...)`, `Now()` (STATEMENT_TIMESTAMP(), stable), "
            "`TransactionNow()`, or another Django function of non-volatile arguments"
        ),
        (
            "on PostgreSQL 11 and later, for every non-volatile default (before 11, every default "
            "rewrites the table: set `postgres-version`)"
        ),
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "A random UUID for every existing row",
            "migrations.AddField(\n"
            '    model_name="order",\n'
            '    name="public_id",\n'
            "    field=models.UUIDField(db_default=RandomUUID()),\n"
            ")",
        ),
        Example(
            "safe",
            "Now() is stable",
            "migrations.AddField(\n"
            '    model_name="order",\n'
            '    name="created_at",\n'
            "    field=models.DateTimeField(db_default=Now()),\n"
            ")",
        ),
    ),
)
