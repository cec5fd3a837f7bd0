"""ML013 remove-index: RemoveIndex without CONCURRENTLY."""

from __future__ import annotations

from manifest_core.lint.fixes import to_postgres_operation
from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.model import Severity


def check(site: Site, ctx: MigrationContext) -> None:
    model = ctx.existing_table(site)
    if model is None:
        return
    name = site.op.param("name")
    label = f'"{name}"' if isinstance(name, str) else "an index"
    ctx.report(
        RULE,
        site.op.head_span,
        f"drops index {label} of {ctx.table(model)} without CONCURRENTLY: DROP INDEX waits for "
        "an ACCESS EXCLUSIVE lock on the table, and every query queues behind it",
        site,
        fix=to_postgres_operation(ctx, site, "RemoveIndexConcurrently"),
    )


RULE = Rule(
    code="ML013",
    name="remove-index",
    severity=Severity.WARNING,
    summary="drops an index of an existing table without CONCURRENTLY",
    why=(
        "DROP INDEX is quick once it runs, but it needs an ACCESS EXCLUSIVE lock on the table. "
        "It waits for every running query on the table to finish, and every new query, reads "
        "included, queues behind it: one slow query turns the drop into an outage."
    ),
    safe=(
        "Use RemoveIndexConcurrently (django.contrib.postgres.operations) in a migration with "
        "`atomic = False`: DROP INDEX CONCURRENTLY does not block queries."
    ),
    kinds=frozenset({"RemoveIndex"}),
    check=check,
    fixable=True,
    not_reported=(
        "`RemoveIndexConcurrently`",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "RemoveIndex",
            'migrations.RemoveIndex(model_name="order", name="order_created_idx")',
        ),
        Example(
            "safe",
            "RemoveIndexConcurrently, atomic = False",
            'RemoveIndexConcurrently(model_name="order", name="order_created_idx")',
        ),
    ),
)
