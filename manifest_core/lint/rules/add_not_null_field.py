"""ML001 add-not-null-field: a NOT NULL column added without a database default."""

from __future__ import annotations

from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.lint.values import MISSING
from manifest_core.model import Severity

from .common import flag, new_field


def check(site: Site, ctx: MigrationContext) -> None:
    found = new_field(ctx, site)
    if found is None:
        return
    model, name, field = found
    if not field.has_column or field.is_generated:
        return
    null = flag(ctx, site, field, "null", field.null)
    if null is None or null:
        return
    if field.db_default() is not MISSING:
        return
    column = ctx.column_ref(model, field.column(name))
    ctx.report(
        RULE,
        site.op.value_span("field"),
        f"adds NOT NULL column {column} without a database default: during the deploy, the "
        "code still running inserts rows without it, and those inserts fail",
        site,
    )


RULE = Rule(
    code="ML001",
    name="add-not-null-field",
    severity=Severity.ERROR,
    summary="adds a NOT NULL column to an existing table without a database default",
    why=(
        "Django adds the column with the field's `default` as a temporary database default, "
        "then drops that default at once: Django never keeps Python defaults in the database. "
        "From then on, every INSERT that does not name the column fails with a NOT NULL "
        "violation, and that is every INSERT of the code still running during a rolling "
        "deploy, which does not know the field yet (`preserve_default=False` behaves the same)."
    ),
    safe=(
        "Add the field with `null=True`, deploy, backfill, then make it NOT NULL in a later "
        "release; or, on Django 5.0 and later, give it a non-volatile `db_default` (for example "
        "`db_default=False` next to `default=False`), which stays in the database."
    ),
    kinds=frozenset({"AddField"}),
    check=check,
    not_reported=(
        "the field is nullable (`null=True`)",
        "the field has a `db_default` (a volatile one is volatile-db-default's business)",
        "a ManyToManyField or a GeneratedField (no column the inserts must fill)",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "NOT NULL with only a Python default",
            "migrations.AddField(\n"
            '    model_name="order",\n'
            '    name="is_gift",\n'
            "    field=models.BooleanField(default=False),\n"
            ")",
        ),
        Example(
            "safe",
            "A database default (Django 5.0+)",
            "migrations.AddField(\n"
            '    model_name="order",\n'
            '    name="is_gift",\n'
            "    field=models.BooleanField(default=False, db_default=False),\n"
            ")",
        ),
        Example(
            "safe",
            "Nullable first",
            "migrations.AddField(\n"
            '    model_name="order",\n'
            '    name="is_gift",\n'
            "    field=models.BooleanField(null=True),\n"
            ")",
        ),
    ),
)
