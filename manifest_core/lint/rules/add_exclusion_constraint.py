"""ML019 add-exclusion-constraint: an exclusion constraint built on an existing table."""

from __future__ import annotations

from manifest_core.lint.rule import NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.model import Severity

from .common import constraint_kind, name_of


def check(site: Site, ctx: MigrationContext) -> None:
    if constraint_kind(site.op.param("constraint")) != "exclusion":
        return
    model = ctx.existing_table(site)
    if model is None:
        return
    name = name_of(site.op.param("constraint"))
    ctx.report(
        RULE,
        site.op.head_span,
        f"adds exclusion constraint {name or '(unnamed)'} to {ctx.table(model)}: its index is "
        "built and every row checked under an ACCESS EXCLUSIVE lock",
        site,
    )


RULE = Rule(
    code="ML019",
    name="add-exclusion-constraint",
    severity=Severity.ERROR,
    summary="adds an exclusion constraint to an existing table",
    why=(
        "An exclusion constraint is enforced by a GiST (or SP-GiST) index that ALTER TABLE "
        "builds while holding an ACCESS EXCLUSIVE lock, checking every row. Unlike unique and "
        "CHECK constraints, it cannot be added NOT VALID or attached to an index built "
        "concurrently."
    ),
    safe=(
        "Add exclusion constraints when the table is created, or in a maintenance window; then "
        "suppress this finding with the reason. On a busy table, consider enforcing the rule "
        "in the application until then."
    ),
    kinds=frozenset({"AddConstraint"}),
    check=check,
    not_reported=(
        (
            "declared in the CreateModel of the table (or another migration of the same "
            "branch that "
            "created it)"
        ),
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "On an existing table",
            "migrations.AddConstraint(\n"
            '    model_name="booking",\n'
            "    constraint=ExclusionConstraint(\n"
            '        name="booking_no_overlap",\n'
            "        expressions=[\n"
            '            ("room", RangeOperators.EQUAL),\n'
            '            ("span", RangeOperators.OVERLAPS),\n'
            "        ],\n"
            "    ),\n"
            ")",
        ),
        Example(
            "safe",
            "In the CreateModel of the table",
            "migrations.CreateModel(\n"
            '    name="Booking",\n'
            "    fields=[...],\n"
            '    options={"constraints": [ExclusionConstraint(name="booking_no_overlap", ...)]},\n'
            ")",
        ),
    ),
)
