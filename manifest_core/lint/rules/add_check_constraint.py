"""ML015 add-check-constraint: a CHECK constraint validated while the table is locked."""

from __future__ import annotations

from manifest_core.lint.fixes import import_postgres_operation, plan, replace_callee
from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.model import Severity

from .common import constraint_kind, name_of


def check(site: Site, ctx: MigrationContext) -> None:
    if constraint_kind(site.op.param("constraint")) != "check":
        return
    model = ctx.existing_table(site)
    if model is None:
        return
    name = name_of(site.op.param("constraint"))
    callee = replace_callee(ctx, site.op, "AddConstraintNotValid")
    imported = import_postgres_operation(ctx, "AddConstraintNotValid")
    fix = None
    if callee is not None and imported is not None:
        fix = plan(
            "Add it NOT VALID (AddConstraintNotValid)",
            [*callee, *imported],
            (
                f"then validate it in a later migration: ValidateConstraint(model_name=..., "
                f"name={name or '...'})",
            ),
        )
    ctx.report(
        RULE,
        site.op.head_span,
        f"adds CHECK constraint {name or '(unnamed)'} to {ctx.table(model)} and validates every "
        "row while holding an ACCESS EXCLUSIVE lock",
        site,
        fix=fix,
    )


RULE = Rule(
    code="ML015",
    name="add-check-constraint",
    severity=Severity.ERROR,
    summary="adds a validated CHECK constraint to an existing table",
    why=(
        "ALTER TABLE ... ADD CONSTRAINT ... CHECK reads every row to validate the constraint "
        "while holding an ACCESS EXCLUSIVE lock: no reads, no writes until the scan ends."
    ),
    safe=(
        "Add the constraint with AddConstraintNotValid (django.contrib.postgres.operations, "
        "Django 4.0+), which only checks new rows, then validate it with ValidateConstraint in a "
        "later migration: VALIDATE CONSTRAINT scans under a SHARE UPDATE EXCLUSIVE lock, which "
        "lets reads and writes go on."
    ),
    kinds=frozenset({"AddConstraint"}),
    check=check,
    fixable=True,
    not_reported=(
        "`AddConstraintNotValid`, then `ValidateConstraint` in a later migration",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "AddConstraint",
            "migrations.AddConstraint(\n"
            '    model_name="order",\n'
            "    constraint=models.CheckConstraint(\n"
            '        condition=models.Q(total__gte=0), name="order_total_positive"\n'
            "    ),\n"
            ")",
        ),
        Example(
            "safe",
            "NOT VALID now, validated later",
            "# migration 1\n"
            "AddConstraintNotValid(\n"
            '    model_name="order",\n'
            "    constraint=models.CheckConstraint(\n"
            '        condition=models.Q(total__gte=0), name="order_total_positive"\n'
            "    ),\n"
            ")\n"
            "# migration 2\n"
            'ValidateConstraint(model_name="order", name="order_total_positive")',
        ),
    ),
)
