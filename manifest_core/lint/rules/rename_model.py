"""ML008 rename-model: RenameModel renaming a table the running code still queries."""

from __future__ import annotations

from manifest_core.lint.fields import truncate_name
from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.model import Severity

from .common import table_unchanged_by_migration


def check(site: Site, ctx: MigrationContext) -> None:
    model = ctx.existing_table(site, "old_name")
    if model is None:
        return
    if model.option("db_table") is not None:
        return  # an explicit db_table: the table keeps its name
    new = site.op.param("new_name")
    if not isinstance(new, str):
        ctx.unreadable(site, site.op.value_span("new_name"), "RenameModel.new_name is not a string")
        return
    new_table = truncate_name(f"{ctx.app}_{new.lower()}")
    if table_unchanged_by_migration(ctx, site, model.name):
        return  # an AlterModelTable later in the migration gives the table its name back
    ctx.report(
        RULE,
        site.op.head_span,
        f'renames table {ctx.table(model)} to "{new_table}": the code still running during the '
        f"deploy queries the old name, and fails",
        site,
    )


RULE = Rule(
    code="ML008",
    name="rename-model",
    severity=Severity.ERROR,
    summary="renames the table of an existing model",
    why=(
        "RenameModel renames the table (and the join tables of its many-to-many fields). The "
        "code still running during the deploy queries the old table name, and fails until the "
        "new code is everywhere."
    ),
    safe=(
        "Keep the table: set `db_table` to the current table name on the renamed model "
        "(`Meta.db_table = '<app>_<old model>'`), so that RenameModel only changes Django's "
        "state. Rename the table later, if at all, behind a view or in a maintenance window."
    ),
    kinds=frozenset({"RenameModel"}),
    check=check,
    not_reported=(
        "the model sets `db_table`: the table keeps its name",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "Renaming the table",
            'migrations.RenameModel(old_name="Coupon", new_name="Voucher")',
        ),
        Example(
            "safe",
            "The model keeps its table (Meta.db_table = 'shop_coupon')",
            "# before: options={'db_table': 'shop_coupon'}\n"
            'migrations.RenameModel(old_name="Coupon", new_name="Voucher")',
        ),
    ),
)
