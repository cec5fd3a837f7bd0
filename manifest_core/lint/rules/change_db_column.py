"""ML010 change-db-column: AlterField giving a field another column name."""

from __future__ import annotations

from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.lint.values import Unknown
from manifest_core.model import Severity

from .common import field_change


def check(site: Site, ctx: MigrationContext) -> None:
    change = field_change(ctx, site)
    if change is None or not change.old.has_column or not change.new.has_column:
        return
    old = change.old.column(change.name)
    new = change.new.column(change.name)
    call = change.new.call
    span = (call.kw_span("db_column") if call else None) or site.op.value_span("field")
    if isinstance(old, Unknown) or isinstance(new, Unknown):
        ctx.unreadable(site, span, "db_column is not a string literal")
        return
    if old == new:
        return
    ctx.report(
        RULE,
        span,
        f'renames column {ctx.column_ref(change.model, old)} to "{new}": the code still '
        "running during the deploy uses the old name, and fails",
        site,
    )


RULE = Rule(
    code="ML010",
    name="change-db-column",
    severity=Severity.ERROR,
    summary="renames the column of an existing field (a new db_column)",
    why=(
        "A new `db_column` (or removing one) renames the column. The code still running during "
        "the deploy names the old column in every query on the model, and fails."
    ),
    safe=(
        "Keep the column name. To move data to a new column, add a new field, write to both, "
        "backfill, switch reads, and remove the old field in a later release."
    ),
    kinds=frozenset({"AlterField"}),
    check=check,
    not_reported=(
        "the effective column name does not change (`db_column` spelling out the default name)",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "A new db_column",
            "# before: models.IntegerField()\n"
            "migrations.AlterField(\n"
            '    model_name="order",\n'
            '    name="total",\n'
            '    field=models.IntegerField(db_column="total_cents"),\n'
            ")",
        ),
    ),
)
