"""ML018 positive-field-check: Positive*Field adds a CHECK constraint validated under lock."""

from __future__ import annotations

from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.model import Severity

from .common import field_change, new_field


def check(site: Site, ctx: MigrationContext) -> None:
    if site.op.kind == "AddField":
        found = new_field(ctx, site)
        if found is None or not found[2].is_positive:
            return
        model, name, field = found
    else:
        change = field_change(ctx, site)
        if change is None or not change.new.is_positive or change.old.is_positive:
            return
        model, name, field = change.model, change.name, change.new
    column = field.column(name)
    call = field.call
    span = (call.func_span if call else None) or site.op.value_span("field")
    ctx.report(
        RULE,
        span,
        f'{field.kind} adds CHECK ("{column}" >= 0) to {ctx.table(model)}: every row is checked '
        "while an ACCESS EXCLUSIVE lock blocks reads and writes",
        site,
    )


RULE = Rule(
    code="ML018",
    name="positive-field-check",
    severity=Severity.ERROR,
    summary="adds a Positive*Field to an existing table, with an implicit CHECK constraint",
    why=(
        "PositiveIntegerField, PositiveSmallIntegerField and PositiveBigIntegerField come with "
        "a CHECK (column >= 0) constraint that Django adds in the same ALTER TABLE. PostgreSQL "
        "validates it against every row while holding an ACCESS EXCLUSIVE lock, even for a new "
        "column, and changing a field to a Positive* type does the same."
    ),
    safe=(
        "Use IntegerField (or SmallIntegerField, BigIntegerField) and add the CHECK constraint "
        "yourself with AddConstraintNotValid, then ValidateConstraint in a later migration."
    ),
    kinds=frozenset({"AddField", "AlterField"}),
    check=check,
    not_reported=(
        "the field was already a Positive*Field",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "A positive integer column",
            (
                "migrations.AddField(\n"
                '    model_name="order", name="quantity", '
                "field=models.PositiveIntegerField(null=True)\n"
                ")"
            ),
        ),
        Example(
            "safe",
            "An integer column, constrained NOT VALID",
            (
                "operations = [\n"
                '    migrations.AddField(model_name="order", name="quantity", '
                "field=models.IntegerField(null=True)),\n"
                "    AddConstraintNotValid(\n"
                '        model_name="order",\n'
                "        constraint=models.CheckConstraint(\n"
                '            condition=models.Q(quantity__gte=0), name="order_quantity_positive"\n'
                "        ),\n"
                "    ),\n"
                "]"
            ),
        ),
    ),
)
