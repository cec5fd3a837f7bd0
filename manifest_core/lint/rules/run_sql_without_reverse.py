"""ML022 run-sql-without-reverse: a RunSQL that cannot be unapplied."""

from __future__ import annotations

from manifest_core.lint.fixes import module_prefix, plan, set_argument
from manifest_core.lint.rule import Example, MigrationContext, Rule, Site
from manifest_core.lint.values import MISSING
from manifest_core.model import Severity


def check(site: Site, ctx: MigrationContext) -> None:
    op = site.op
    if op.param("reverse_sql", None) not in (None, MISSING):
        return
    prefix = module_prefix(op)
    fix = plan(
        "Add reverse_sql=RunSQL.noop (undoing does nothing)",
        set_argument(ctx, op, "reverse_sql", f"{prefix}RunSQL.noop"),
        ("only right if the SQL needs no undoing; otherwise write the reverse statements",),
    )
    ctx.report(
        RULE,
        op.head_span,
        "RunSQL has no reverse_sql: the migration cannot be unapplied, so a failed deploy "
        "cannot be rolled back past it",
        site,
        fix=fix,
    )


RULE = Rule(
    code="ML022",
    name="run-sql-without-reverse",
    severity=Severity.WARNING,
    summary="RunSQL without reverse_sql: the migration is irreversible",
    why=(
        "Without reverse_sql, Django raises IrreversibleError when asked to unapply the "
        "migration, so a bad release cannot be rolled back with `migrate <app> <previous>`."
    ),
    safe=(
        "Give reverse_sql: the statements that undo the change (DROP INDEX for CREATE INDEX...), "
        "or `migrations.RunSQL.noop` when nothing needs undoing."
    ),
    kinds=frozenset({"RunSQL"}),
    check=check,
    fixable=True,
    not_reported=("reverse_sql is given (`RunSQL.noop` included)",),
    examples=(
        Example(
            "unsafe", "Forward only", 'migrations.RunSQL("CREATE EXTENSION IF NOT EXISTS citext")'
        ),
        Example(
            "safe",
            "With its reverse",
            "migrations.RunSQL(\n"
            '    "CREATE EXTENSION IF NOT EXISTS citext",\n'
            '    reverse_sql="DROP EXTENSION IF EXISTS citext",\n'
            ")",
        ),
    ),
)
