"""ML005 remove-field: RemoveField dropping a column the running code still selects."""

from __future__ import annotations

from manifest_core.lint.fields import FieldView, truncate_name
from manifest_core.lint.fixes import module_prefix, wrap_state_only
from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.lint.state import ModelState
from manifest_core.lint.values import MISSING
from manifest_core.model import Severity


def check(site: Site, ctx: MigrationContext) -> None:
    if ctx.post_deploy:
        return  # runs after the deploy: the code running no longer has the field
    model = ctx.existing_table(site)
    if model is None:
        return
    name = site.op.param("name")
    if not isinstance(name, str):
        ctx.unreadable(site, site.op.value_span("name"), "RemoveField.name is not a string literal")
        return
    value = model.field(name)
    view = FieldView(value) if value is not MISSING else None
    database: list[str] = []
    if view is not None and view.is_m2m:
        if view.through() is not None:
            return  # a custom through model: RemoveField drops no table
        what = f'drops the join table of {model.name}.{name} ("{_m2m_table(ctx, model, name)}")'
    else:
        column = view.column(name) if view is not None else name
        what = f"drops column {ctx.column_ref(model, column)}"
        if (
            view is not None
            and view.readable
            and view.null is False
            and view.db_default() is MISSING
            and isinstance(column, str)
            and isinstance(model.table(ctx.app), str)
        ):
            prefix = module_prefix(site.op)
            database.append(
                f"{prefix}RunSQL(\n"
                f'    \'ALTER TABLE "{model.table(ctx.app)}" ALTER COLUMN "{column}" '
                "DROP NOT NULL',\n"
                f"    reverse_sql={prefix}RunSQL.noop,\n"
                ")"
            )
    ctx.report(
        RULE,
        site.op.head_span,
        f"{what}: the code still running during the deploy selects it, and its queries on "
        f"{model.name} fail",
        site,
        fix=wrap_state_only(ctx, site, database),
    )


def _m2m_table(ctx: MigrationContext, model: ModelState, name: str) -> str:
    table = model.table(ctx.app)
    return truncate_name(f"{table}_{name}") if isinstance(table, str) else f"?_{name}"


RULE = Rule(
    code="ML005",
    name="remove-field",
    severity=Severity.ERROR,
    summary="drops a column (or a many-to-many join table) of an existing table",
    why=(
        "Django selects every column of a model by name. Until the deploy finishes, the code "
        "still running knows the field and names its column in every query on the model, so "
        "they all fail once the column is gone. A rollback cannot bring the data back either."
    ),
    safe=(
        "Remove the field in two releases. First, make it nullable (or give it a db_default) "
        "and remove it from the model, with a migration that removes it from Django's state only: "
        "`SeparateDatabaseAndState(state_operations=[RemoveField(...)])`. Once that release is "
        "deployed, drop the column in a later migration with RunSQL (`ALTER TABLE ... DROP "
        "COLUMN ...`), which the linter accepts since the deployed models no longer use it."
    ),
    kinds=frozenset({"RemoveField"}),
    check=check,
    fixable=True,
    not_reported=(
        "in a post-deploy migration (the `post-deploy-attribute` setting): the new code, which "
        "no longer has the field, is all that runs",
        "inside `SeparateDatabaseAndState(state_operations=[...])`: Django only updates its state",
        "a many-to-many field with a custom `through` model (no table is dropped)",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "Dropping the column with the code",
            'migrations.RemoveField(model_name="order", name="legacy_code")',
        ),
        Example(
            "safe",
            "State only, in the release that stops using it",
            "migrations.SeparateDatabaseAndState(\n"
            "    state_operations=[\n"
            '        migrations.RemoveField(model_name="order", name="legacy_code"),\n'
            "    ],\n"
            ")",
        ),
    ),
)
