"""ML023 unsafe-run-sql: RunSQL statements that lock tables or break the running code."""

from __future__ import annotations

from manifest_core.lint.rule import Example, MigrationContext, Rule, Site
from manifest_core.lint.state import AppState, ModelState
from manifest_core.model import Severity

from .run_sql_checks import sql_findings

_KINDS = frozenset(
    {
        "create-index",
        "drop-index",
        "reindex",
        "drop-table",
        "drop-column",
        "rename-table",
        "rename-column",
        "alter-type",
        "set-not-null",
        "add-constraint",
        "add-not-null-column",
    }
)


def _model_with_table(ctx: MigrationContext, state: AppState, table: str) -> ModelState | None:
    for model in state.models.values():
        if model.table(ctx.app) == table:
            return model
    return None


def _sequence(name: str) -> bool:
    """Whether a relation no model uses is named as PostgreSQL names the sequences it creates
    (``<table>_<column>_seq``), or created by ``CREATE SEQUENCE`` earlier in the script (those
    are never reported at all)."""
    return name.endswith("_seq")


def _deployed(ctx: MigrationContext, key: tuple[str, str]) -> bool:
    """Whether a migration is deployed already (on the default branch, not this one)."""
    return key != ctx.key and key not in ctx.new_migrations


def check(site: Site, ctx: MigrationContext) -> None:
    state = site.state
    for found, span in sql_findings(ctx, site):
        if found.kind not in _KINDS:
            continue
        if ctx.post_deploy and found.kind in ("drop-table", "drop-column"):
            continue  # runs after the deploy: no code still running uses what is dropped
        if found.table is not None:
            model = _model_with_table(ctx, state, found.table)
            if model is not None and ctx.is_new_model(model):
                continue  # a table created in this migration, or on this branch
            if model is None and ctx.is_new_key(state.sql_tables.get(found.table)):
                continue  # a table raw SQL created in this migration, or on this branch
            if found.kind == "rename-table" and model is None and _sequence(found.table):
                continue  # ALTER TABLE accepts sequences: renaming one breaks no query
            retired = state.retired_tables.get(found.table)
            if found.kind == "drop-table" and model is None and retired and _deployed(ctx, retired):
                continue  # the models stopped using it in a migration already deployed
            if found.kind == "drop-column" and found.column is not None:
                column = state.retired_columns.get((found.table, found.column))
                if column is not None and _deployed(ctx, column):
                    continue
        ctx.report(RULE, span, found.message, site)


RULE = Rule(
    code="ML023",
    name="unsafe-run-sql",
    severity=Severity.ERROR,
    summary=(
        "RunSQL drops, renames, changes a column type, adds a NOT NULL column without a default, "
        "or builds an index without CONCURRENTLY"
    ),
    why=(
        "Raw SQL gets no help from Django. DROP TABLE / DROP COLUMN and renames break the code "
        "still running during the deploy; ALTER COLUMN ... TYPE rewrites the table under an "
        "ACCESS EXCLUSIVE lock; CREATE INDEX without CONCURRENTLY blocks writes while the index "
        "is built, and REINDEX reads too (queries planned on the table wait for the index's "
        "ACCESS EXCLUSIVE lock); DROP INDEX without it queues every query; SET NOT NULL and "
        "ADD CONSTRAINT CHECK/FOREIGN KEY without NOT VALID scan the table under lock. Only "
        "string literals are checked (module-level constants are followed)."
    ),
    safe=(
        "Use CREATE/DROP INDEX CONCURRENTLY (in a migration with atomic = False), ADD "
        "CONSTRAINT ... NOT VALID then VALIDATE CONSTRAINT later, and drop or rename only what "
        "no deployed code uses: remove a column from the models (state only) in one release and "
        "drop it in a later one; the linter accepts a DROP of a column or table that an "
        "already-deployed migration removed from the models. Statements on tables created in "
        "the same migration are fine."
    ),
    kinds=frozenset({"RunSQL"}),
    check=check,
    not_reported=(
        (
            "CREATE/DROP INDEX CONCURRENTLY, ADD CONSTRAINT ... NOT VALID, VALIDATE "
            "CONSTRAINT, ADD "
            "CONSTRAINT ... USING INDEX"
        ),
        (
            "a sequence renamed with ALTER TABLE (created by CREATE SEQUENCE in the script, or "
            "named <table>_<column>_seq and used by no model)"
        ),
        (
            "statements on a table created by the same migration (CREATE TABLE, or a "
            "CreateModel) or "
            "on this branch"
        ),
        (
            "DROP COLUMN / DROP TABLE of what an already deployed migration removed from the "
            "models "
            "(state only)"
        ),
        "DROP COLUMN / DROP TABLE in a post-deploy migration (the `post-deploy-attribute` setting)",
        "SQL that is not a literal: reported as unreadable-argument instead",
    ),
    examples=(
        Example(
            "unsafe",
            "A blocking index build",
            "migrations.RunSQL(\n"
            '    \'CREATE INDEX "order_created_idx" ON "shop_order" ("created_at")\',\n'
            "    reverse_sql='DROP INDEX \"order_created_idx\"',\n"
            ")",
        ),
        Example(
            "safe",
            "Concurrently, atomic = False",
            (
                "migrations.RunSQL(\n"
                '    \'CREATE INDEX CONCURRENTLY "order_created_idx" ON "shop_order" '
                '("created_at")\',\n'
                "    reverse_sql='DROP INDEX CONCURRENTLY \"order_created_idx\"',\n"
                ")"
            ),
        ),
    ),
)
