"""ML017 add-foreign-key: a foreign key constraint validated while both tables are locked.

An ``AddField`` adds the constraint inline with the new column. PostgreSQL checks no row when that
column starts all NULL (no default in the ADD COLUMN), so only an ``AddField`` whose column gets a
default for the existing rows (``default`` or ``db_default``) is reported; an ``AlterField`` that
turns a constraint on (or points it at another table) always validates every row.
"""

from __future__ import annotations

from manifest_core.lint.fields import FieldView
from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.lint.state import ModelState
from manifest_core.lint.values import MISSING, Name
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
        default = _default(field)
        if constraint and default:
            _report(site, ctx, model, name, field, default)
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


def _default(field: FieldView) -> str:
    """The argument that gives a new column a default for the existing rows, or ``''``.

    Django writes the ADD COLUMN with a DEFAULT unless the default is ``None`` (or absent); a
    value the linter cannot read counts as a default.
    """
    if field.db_default() is not MISSING:
        return "db_default"
    value = field.get("default", None)
    if value is None or (isinstance(value, Name) and value.last == "NOT_PROVIDED"):
        return ""
    return "default"


def _report(
    site: Site,
    ctx: MigrationContext,
    model: ModelState,
    name: str,
    field: FieldView,
    default: str = "",
) -> None:
    target = field.target()
    column = ctx.column_ref(model, field.column(name))
    call = field.call
    span = (call.kw_span(default) if call and default else None) or (
        (call.func_span if call else None) or site.op.value_span("field")
    )
    if default:
        message = (
            f"adds a foreign key from {column} to {target} on a column with a {default}: "
            f"PostgreSQL checks every existing row of {ctx.table(model)}, while reads and "
            "writes of it and writes to the referenced table are blocked"
        )
    else:
        message = (
            f"adds a foreign key from {column} to {target}: validating it scans "
            f"{ctx.table(model)} while writes to both tables are blocked"
        )
    ctx.report(RULE, span, message, site)


RULE = Rule(
    code="ML017",
    name="add-foreign-key",
    severity=Severity.ERROR,
    summary="adds a foreign key constraint that checks every existing row",
    why=(
        "A foreign key constraint takes a SHARE ROW EXCLUSIVE lock on the table it references "
        "(writes to it wait) and, unless PostgreSQL can skip it, checks every existing row of "
        "the table against it before the locks are released. An AlterField that turns the "
        "constraint on (or points it at another model) runs ALTER TABLE ... ADD CONSTRAINT ... "
        "FOREIGN KEY: SHARE ROW EXCLUSIVE on both tables for the whole scan. An AddField adds the "
        "constraint with the column, under the ACCESS EXCLUSIVE lock of ADD COLUMN: PostgreSQL "
        "skips the check when the new column starts all NULL, but when Django gives it a default "
        "for the existing rows (`default`, even with `preserve_default=False`, or `db_default`), "
        "every row is checked while nobody can read or write the table."
    ),
    safe=(
        "Add the field with `null=True` and no default: the constraint comes with the column and "
        "PostgreSQL checks no row; backfill it afterwards. To constrain an existing column, add "
        "the field with `db_constraint=False`, then add the constraint yourself with RunSQL "
        "`ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY (...) REFERENCES ... NOT VALID` and "
        "validate it in a later migration with `ALTER TABLE ... VALIDATE CONSTRAINT ...` (which "
        "does not block writes); keep Django's state in step with SeparateDatabaseAndState."
    ),
    kinds=frozenset({"AddField", "AlterField"}),
    check=check,
    not_reported=(
        "`db_constraint=False`",
        "an AddField whose new column has no default (`null=True`, and neither `default` nor "
        "`db_default`): every row holds NULL, so PostgreSQL checks none",
        "an AlterField that keeps an existing constraint to the same model",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "A new ForeignKey with a default for the existing rows",
            "migrations.AddField(\n"
            '    model_name="order",\n'
            '    name="coupon",\n'
            '    field=models.ForeignKey(default=1, on_delete=models.CASCADE, to="shop.coupon"),\n'
            "    preserve_default=False,\n"
            ")",
        ),
        Example(
            "safe",
            "A nullable ForeignKey without a default: no row to check",
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
            "        default=1,\n"
            "        on_delete=models.CASCADE,\n"
            '        to="shop.coupon",\n'
            "        db_constraint=False,\n"
            "    ),\n"
            "    preserve_default=False,\n"
            ")",
        ),
    ),
)
