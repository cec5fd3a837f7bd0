"""ML017 add-foreign-key: a foreign key constraint validated while both tables are locked."""

from __future__ import annotations

from manifest_core.lint.fields import FieldView
from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.lint.state import ModelState
from manifest_core.model import Severity

from .common import field_change, flag, new_field


def check(site: Site, ctx: MigrationContext) -> None:
    if site.op.kind == "AddField":
        found = new_field(ctx, site)
        if found is None:
            return
        model, name, field = found
        if not field.is_relation or not field.django:
            return
        constraint = flag(ctx, site, field, "db_constraint", field.db_constraint)
        if constraint:
            _report(site, ctx, model, name, field)
        return
    change = field_change(ctx, site)
    if change is None or not change.new.is_relation or not change.new.django:
        return
    new = flag(ctx, site, change.new, "db_constraint", change.new.db_constraint)
    if not new:
        return
    old: bool | None = False
    if change.old.is_relation:
        old = flag(ctx, site, change.old, "db_constraint", change.old.db_constraint)
    if old is None or (old and change.old.target() == change.new.target()):
        return
    _report(site, ctx, change.model, change.name, change.new)


def _report(
    site: Site, ctx: MigrationContext, model: ModelState, name: str, field: FieldView
) -> None:
    target = field.target()
    column = ctx.column_ref(model, field.column(name))
    call = field.call
    span = (call.func_span if call else None) or site.op.value_span("field")
    ctx.report(
        RULE,
        span,
        f"adds a foreign key from {column} to {target}: validating it scans "
        f"{ctx.table(model)} while writes to both tables are blocked",
        site,
    )


RULE = Rule(
    code="ML017",
    name="add-foreign-key",
    severity=Severity.ERROR,
    summary="adds a validated foreign key constraint to an existing table",
    why=(
        "ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY takes SHARE ROW EXCLUSIVE locks on both "
        "the table and the table it references, and checks every existing row before releasing "
        "them: writes to both tables wait for the whole scan."
    ),
    safe=(
        "Add the field with `db_constraint=False`, then add the constraint yourself with RunSQL "
        "`ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY (...) REFERENCES ... NOT VALID` and "
        "validate it in a later migration with `ALTER TABLE ... VALIDATE CONSTRAINT ...` (which "
        "does not block writes); keep Django's state in step with SeparateDatabaseAndState."
    ),
    kinds=frozenset({"AddField", "AlterField"}),
    check=check,
    not_reported=(
        "`db_constraint=False`",
        "an AlterField that keeps an existing constraint to the same model",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "A new ForeignKey on a large table",
            "migrations.AddField(\n"
            '    model_name="order",\n'
            '    name="coupon",\n'
            '    field=models.ForeignKey(null=True, on_delete=models.SET_NULL, to="shop.coupon"),\n'
            ")",
        ),
        Example(
            "safe",
            "No constraint yet: add it NOT VALID, validate later",
            "migrations.AddField(\n"
            '    model_name="order",\n'
            '    name="coupon",\n'
            "    field=models.ForeignKey(\n"
            "        null=True,\n"
            "        on_delete=models.SET_NULL,\n"
            '        to="shop.coupon",\n'
            "        db_constraint=False,\n"
            "        db_index=False,\n"
            "    ),\n"
            ")",
        ),
    ),
)
