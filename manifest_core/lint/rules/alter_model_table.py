"""ML009 alter-model-table: AlterModelTable renaming an existing table."""

from __future__ import annotations

from manifest_core.lint.fields import truncate_name
from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.model import Severity

from .common import table_unchanged_by_migration


def check(site: Site, ctx: MigrationContext) -> None:
    model = ctx.existing_table(site, "name")
    if model is None:
        return
    old = model.table(ctx.app)
    value = site.op.param("table", None)
    if value is None:
        new = truncate_name(f"{ctx.app}_{model.lower}")
    elif isinstance(value, str):
        new = value
    else:
        ctx.unreadable(site, site.op.value_span("table"), "AlterModelTable.table is not a string")
        return
    if not isinstance(old, str):
        ctx.unknown_prior(site, site.op.head_span, f"the table of {model.name} is not known")
        return
    if old == new or table_unchanged_by_migration(ctx, site, model.name):
        return
    ctx.report(
        RULE,
        site.op.value_span("table") or site.op.head_span,
        f'renames table "{old}" to "{new}": the code still running during the deploy queries '
        "the old name, and fails",
        site,
    )


RULE = Rule(
    code="ML009",
    name="alter-model-table",
    severity=Severity.ERROR,
    summary="renames the table of an existing model (a new db_table)",
    why=(
        "Changing `Meta.db_table` renames the table. The code still running during the deploy "
        "queries the old name and fails until the new code is everywhere."
    ),
    safe=(
        "Keep the old table name. If the table must be renamed, do it in a maintenance window, "
        "or create an updatable view with the old name for the duration of the deploy."
    ),
    kinds=frozenset({"AlterModelTable"}),
    check=check,
    not_reported=(
        "the new `db_table` is the name the table already has",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "A new table name",
            'migrations.AlterModelTable(name="coupon", table="shop_vouchers")',
        ),
    ),
)
