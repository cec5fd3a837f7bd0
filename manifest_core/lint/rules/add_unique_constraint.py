"""ML014 add-unique-constraint: UniqueConstraint or unique_together on an existing table."""

from __future__ import annotations

from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.lint.values import MISSING, Call
from manifest_core.model import Severity

from .common import constraint_kind, name_of, together


def check(site: Site, ctx: MigrationContext) -> None:
    if site.op.kind == "AddConstraint":
        if constraint_kind(site.op.param("constraint")) != "unique":
            return
        model = ctx.existing_table(site)
        if model is None:
            return
        constraint = site.op.param("constraint")
        name = name_of(constraint)
        blocked = "writes to" if _built_as_index(constraint) else "reads and writes of"
        ctx.report(
            RULE,
            site.op.head_span,
            f"adds unique constraint {name or '(unnamed)'} to {ctx.table(model)}: its unique "
            f"index is built while {blocked} the table are blocked",
            site,
        )
        return
    model = ctx.existing_table(site, "name")
    if model is None:
        return
    old = together(model.option("unique_together"))
    new = together(site.op.param("unique_together"))
    if new is None:
        ctx.unreadable(
            site, site.op.value_span("unique_together"), "unique_together is not a literal"
        )
        return
    if old is None:
        ctx.unknown_prior(
            site,
            site.op.value_span("unique_together"),
            f"cannot tell which unique_together sets are new: the earlier value for "
            f"{model.name} is not a literal",
        )
        return
    for fields in sorted(new - old):
        ctx.report(
            RULE,
            site.op.value_span("unique_together") or site.op.head_span,
            f"adds a unique constraint on ({', '.join(fields)}) to {ctx.table(model)}: its unique "
            "index is built while reads and writes of the table are blocked",
            site,
        )


#: UniqueConstraint arguments that make Django write CREATE UNIQUE INDEX instead of a constraint.
_INDEX_ONLY = ("condition", "include", "opclasses")


def _built_as_index(constraint: object) -> bool:
    """Whether Django creates the constraint as a CREATE UNIQUE INDEX (SHARE lock) rather than
    ALTER TABLE ... ADD CONSTRAINT ... UNIQUE (ACCESS EXCLUSIVE): with a condition, included
    columns, operator classes or expressions."""
    if not isinstance(constraint, Call):
        return False
    if constraint.args:
        return True
    for name in _INDEX_ONLY:
        value = constraint.kw(name, None)
        if value is not None and value is not MISSING and value not in ((), []):
            return True
    return False


RULE = Rule(
    code="ML014",
    name="add-unique-constraint",
    severity=Severity.ERROR,
    summary="adds a unique constraint (UniqueConstraint, unique_together) to an existing table",
    why=(
        "A unique constraint is enforced by a unique index, built by reading the whole table. "
        "For a UniqueConstraint on fields and for unique_together, Django runs ALTER TABLE ... ADD "
        "CONSTRAINT ... UNIQUE, which holds an ACCESS EXCLUSIVE lock for the build: no reads, no "
        "writes. With a condition, included columns, operator classes or expressions, it runs "
        "CREATE UNIQUE INDEX, whose SHARE lock lets reads go on but blocks every write. Either "
        "fails halfway through if existing rows are not unique."
    ),
    safe=(
        "Build the unique index first with CREATE UNIQUE INDEX CONCURRENTLY (RunSQL, in a "
        "migration with atomic = False), then attach it with ALTER TABLE ... ADD CONSTRAINT ... "
        "UNIQUE USING INDEX, which is instant. Wrap both in SeparateDatabaseAndState with the "
        "AddConstraint (or AlterUniqueTogether) as its state operation."
    ),
    kinds=frozenset({"AddConstraint", "AlterUniqueTogether"}),
    check=check,
    not_reported=(
        "unique_together only loses sets",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "AddConstraint with a UniqueConstraint",
            "migrations.AddConstraint(\n"
            '    model_name="order",\n'
            '    constraint=models.UniqueConstraint(fields=["number"], name="order_number_uniq"),\n'
            ")",
        ),
        Example(
            "safe",
            "Index concurrently, then attach it",
            (
                "# atomic = False\n"
                "migrations.SeparateDatabaseAndState(\n"
                "    database_operations=[\n"
                "        migrations.RunSQL(\n"
                '            \'CREATE UNIQUE INDEX CONCURRENTLY "order_number_uniq" ON '
                '"shop_order" ("number")\',\n'
                "            reverse_sql='DROP INDEX CONCURRENTLY IF EXISTS "
                '"order_number_uniq"\',\n'
                "        ),\n"
                "        migrations.RunSQL(\n"
                '            \'ALTER TABLE "shop_order" ADD CONSTRAINT "order_number_uniq" \'\n'
                "            'UNIQUE USING INDEX \"order_number_uniq\"',\n"
                '            reverse_sql=\'ALTER TABLE "shop_order" DROP CONSTRAINT '
                '"order_number_uniq"\',\n'
                "        ),\n"
                "    ],\n"
                "    state_operations=[migrations.AddConstraint(...)],\n"
                ")"
            ),
        ),
    ),
)
