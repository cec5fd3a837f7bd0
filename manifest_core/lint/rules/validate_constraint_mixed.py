"""ML016 validate-constraint-mixed: ValidateConstraint sharing a transaction with other work."""

from __future__ import annotations

from manifest_core.lint.rule import Example, MigrationContext, Rule
from manifest_core.model import Severity


def check(ctx: MigrationContext) -> None:
    if ctx.parsed.atomic is not True:
        return
    top = [s for s in ctx.sites if not s.parents]
    validations = [
        s for s in ctx.sites if s.op.family == "postgres" and s.op.kind == "ValidateConstraint"
    ]
    others = [
        s for s in top if not (s.op.family == "postgres" and s.op.kind == "ValidateConstraint")
    ]
    if not validations or not others:
        return
    other = others[0]
    kinds = sorted({s.op.kind or s.op.text for s in others})
    for site in validations:
        name = site.op.param("name")
        label = f'"{name}"' if isinstance(name, str) else "the constraint"
        ctx.report(
            RULE,
            site.op.head_span,
            f"validates {label} in the same transaction as {', '.join(kinds)} (line "
            f"{other.op.span.line}): their locks are held for the whole validation scan",
            site,
        )


RULE = Rule(
    code="ML016",
    name="validate-constraint-mixed",
    severity=Severity.WARNING,
    summary="validates a constraint in the same atomic migration as other operations",
    why=(
        "VALIDATE CONSTRAINT is the slow half of adding a constraint safely: it scans the table, "
        "but only under a SHARE UPDATE EXCLUSIVE lock, so reads and writes go on. In an atomic "
        "migration with other operations, the stronger locks those take (ACCESS EXCLUSIVE for "
        "most schema changes, including the AddConstraintNotValid it follows) are held until "
        "the whole transaction commits, scan included, which undoes the point."
    ),
    safe=(
        "Put ValidateConstraint in a migration of its own (several ValidateConstraint "
        "operations together are fine), or make the migration `atomic = False`."
    ),
    check_migration=check,
    not_reported=(
        "ValidateConstraint operations alone in their migration",
        "the migration sets `atomic = False`",
    ),
    examples=(
        Example(
            "unsafe",
            "Added and validated in one transaction",
            "operations = [\n"
            '    AddConstraintNotValid(model_name="order", constraint=...),\n'
            '    ValidateConstraint(model_name="order", name="order_total_positive"),\n'
            "]",
        ),
        Example(
            "safe",
            "Validated in its own migration",
            "operations = [\n"
            '    ValidateConstraint(model_name="order", name="order_total_positive"),\n'
            "]",
        ),
    ),
)
