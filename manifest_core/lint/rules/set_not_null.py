"""ML003 set-not-null: AlterField making a nullable column NOT NULL."""

from __future__ import annotations

from manifest_core.lint.framework import ZERO_DOWNTIME
from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.lint.values import MISSING
from manifest_core.model import Severity

from .common import field_change, flag


def check(site: Site, ctx: MigrationContext) -> None:
    change = field_change(ctx, site)
    if change is None or not change.new.has_column or not change.old.has_column:
        return
    old_null = flag(ctx, site, change.old, "null", change.old.null)
    new_null = flag(ctx, site, change.new, "null", change.new.null)
    if old_null is not True or new_null is not False:
        return
    table, name = change.model.table(ctx.app), change.new.column(change.name)
    backfills = change.new.get("default", None) not in (None, change.old.get("default", None))
    if ctx.schema_editor == ZERO_DOWNTIME and not backfills:
        return  # it adds CHECK (column IS NOT NULL) NOT VALID, validates it, then SET NOT NULL
    if (
        ctx.postgres_version >= 12
        and isinstance(table, str)
        and isinstance(name, str)
        and site.state.validated_not_null(table, name)
        and not backfills
    ):
        return  # a validated CHECK (column IS NOT NULL): SET NOT NULL skips the scan
    column = ctx.column_ref(change.model, name)
    backfill = ""
    if change.new.get("default", MISSING) is not MISSING:
        backfill = (
            "; Django first rewrites every NULL row to the default in the same transaction, "
            "holding the lock"
        )
    scan = "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock"
    if ctx.postgres_version >= 12:
        scan += " (unless a validated CHECK (column IS NOT NULL) constraint exists)"
    ctx.report(
        RULE,
        site.op.value_span("field"),
        f"makes {column} NOT NULL: {scan}{backfill}",
        site,
    )


RULE = Rule(
    code="ML003",
    name="set-not-null",
    severity=Severity.ERROR,
    summary="makes an existing nullable column NOT NULL",
    why=(
        "ALTER COLUMN ... SET NOT NULL reads every row to prove there is no NULL, while holding "
        "an ACCESS EXCLUSIVE lock that blocks all reads and writes. When the field has a default, "
        "Django also updates every NULL row to it first, in the same transaction. And the code "
        "still running during the deploy may write NULLs, which now fail."
    ),
    safe=(
        "Backfill the NULLs and deploy code that never writes NULL first. Then, on PostgreSQL "
        "12 and later: add a CHECK (column IS NOT NULL) constraint with AddConstraintNotValid, "
        "validate it with ValidateConstraint in a later migration (a weaker lock), then run the "
        "AlterField: SET NOT NULL uses the validated constraint and skips the scan; finally drop "
        "the CHECK constraint."
    ),
    kinds=frozenset({"AlterField"}),
    check=check,
    not_reported=(
        "the column was already NOT NULL, or stays nullable",
        (
            "on PostgreSQL 12 and later, a validated CHECK (column IS NOT NULL) constraint "
            "exists (AddConstraint, or AddConstraintNotValid then ValidateConstraint, or the "
            "same in RunSQL), the documented safe path, and no new default makes Django "
            "update the NULL rows first"
        ),
        (
            "with the django-pg-zero-downtime-migrations schema editor (the `schema-editor` "
            "setting), which takes that path itself, unless a new default makes Django update "
            "the NULL rows first"
        ),
        "a many-to-many field (no column)",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "null=True to NOT NULL",
            "# before: models.CharField(max_length=20, null=True)\n"
            "migrations.AlterField(\n"
            '    model_name="order",\n'
            '    name="status",\n'
            "    field=models.CharField(max_length=20),\n"
            ")",
        ),
        Example(
            "safe",
            "A validated CHECK constraint first (PostgreSQL 12+)",
            "# migration 1\n"
            "AddConstraintNotValid(\n"
            '    model_name="order",\n'
            "    constraint=models.CheckConstraint(\n"
            '        condition=models.Q(status__isnull=False), name="order_status_not_null"\n'
            "    ),\n"
            ")\n"
            "# migration 2\n"
            'ValidateConstraint(model_name="order", name="order_status_not_null")\n'
            "# migration 3: AlterField to NOT NULL, then RemoveConstraint",
        ),
    ),
)
