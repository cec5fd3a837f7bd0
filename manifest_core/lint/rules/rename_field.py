"""ML007 rename-field: RenameField renaming a column the running code still uses."""

from __future__ import annotations

from manifest_core.lint.fields import FieldView, truncate_name
from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.lint.values import MISSING
from manifest_core.model import Severity


def check(site: Site, ctx: MigrationContext) -> None:
    model = ctx.existing_table(site)
    if model is None:
        return
    old, new = site.op.param("old_name"), site.op.param("new_name")
    if not isinstance(old, str) or not isinstance(new, str):
        ctx.unreadable(
            site, site.op.head_span, "RenameField.old_name or new_name is not a string literal"
        )
        return
    if _removed_later(ctx, site, new):
        return  # dropped later in the same transaction: remove-field reports the column going
    value = model.field(old)
    if value is MISSING:
        ctx.unknown_prior(
            site,
            site.op.value_span("old_name"),
            f"the field {ctx.app}.{model.name}.{old} is not in the replayed state; renaming "
            "its column would break the code still running",
        )
        return
    view = FieldView(value)
    if not view.readable:
        ctx.unknown_prior(
            site,
            site.op.value_span("old_name"),
            f"cannot tell whether the column is renamed: the definition of "
            f"{ctx.app}.{model.name}.{old} is not known",
        )
        return
    if view.is_m2m:
        if view.through() is not None:
            return
        table = model.table(ctx.app)
        if not isinstance(table, str):
            return
        what = (
            f'renames the join table "{truncate_name(f"{table}_{old}")}" to '
            f'"{truncate_name(f"{table}_{new}")}"'
        )
    else:
        db_column = view.get("db_column", None)
        if db_column is not None:
            return  # the column keeps its db_column name: Django only updates its state
        old_column = view.column(old)
        new_column = f"{new}_id" if view.is_relation else new
        what = f'renames column {ctx.column_ref(model, old_column)} to "{new_column}"'
    ctx.report(
        RULE,
        site.op.head_span,
        f"{what}: the code still running during the deploy uses the old name, and its queries "
        f"on {model.name} fail",
        site,
    )


def _removed_later(ctx: MigrationContext, site: Site, new: str) -> bool:
    """Whether a later operation of the same atomic migration removes the renamed field: the
    code running outside the transaction never sees the new name, only the column go."""
    if not ctx.atomic or site.parents:
        return False
    model = site.op.param("model_name")
    for later in ctx.sites[site.position + 1 :]:
        op = later.op
        if (
            later.database
            and not later.parents
            and op.kind == "RemoveField"
            and isinstance(model, str)
            and isinstance(op.param("model_name"), str)
            and str(op.param("model_name")).lower() == model.lower()
            and op.param("name") == new
        ):
            return True
    return False


RULE = Rule(
    code="ML007",
    name="rename-field",
    severity=Severity.ERROR,
    summary="renames the column of an existing table",
    why=(
        "The rename itself is quick, but the code still running during the deploy names the "
        "old column in every query on the model, so they fail until the new code is everywhere; "
        "and the new code fails against the old schema if it starts first."
    ),
    safe=(
        "Rename the field in Python only: keep the column with `db_column='<old name>'` on the "
        "renamed field, and RenameField only updates Django's state. Or add a new field, write "
        "to both, backfill, switch reads, and remove the old field in a later release."
    ),
    kinds=frozenset({"RenameField"}),
    check=check,
    not_reported=(
        "the renamed field is removed later in the same atomic migration (remove-field reports "
        "the column going)",
        "the field sets `db_column`: the column keeps its name",
        "a many-to-many field with a custom `through` model",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "Renaming the column",
            'migrations.RenameField(model_name="order", old_name="total", new_name="amount")',
        ),
        Example(
            "safe",
            "The field keeps its column (db_column='total' on the model field)",
            "# before: models.IntegerField(db_column='total')\n"
            'migrations.RenameField(model_name="order", old_name="total", new_name="amount")',
        ),
    ),
)
