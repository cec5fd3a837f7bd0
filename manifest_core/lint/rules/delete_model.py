"""ML006 delete-model: DeleteModel dropping a table the running code still queries."""

from __future__ import annotations

from manifest_core.lint.fixes import wrap_state_only
from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.model import Severity


def check(site: Site, ctx: MigrationContext) -> None:
    if ctx.post_deploy:
        return  # runs after the deploy: the code running no longer has the model
    model = ctx.existing_table(site, "name")
    if model is None:
        return
    ctx.report(
        RULE,
        site.op.head_span,
        f"drops table {ctx.table(model)}: the code still running during the deploy queries "
        f"{model.name}, and those queries fail",
        site,
        fix=wrap_state_only(ctx, site),
    )


RULE = Rule(
    code="ML006",
    name="delete-model",
    severity=Severity.ERROR,
    summary="drops an existing table",
    why=(
        "Until the deploy finishes, the code still running uses the model: its queries, and "
        "the deletes cascading from related models, fail once the table is gone. The data cannot "
        "be recovered by rolling back."
    ),
    safe=(
        "Delete the model in two releases: first remove it from the code with a migration that "
        "deletes it from Django's state only "
        "(`SeparateDatabaseAndState(state_operations=[DeleteModel(...)])`); once that release "
        "is deployed, drop the table in a later migration with RunSQL (`DROP TABLE ...`), which "
        "the linter accepts since the deployed models no longer use it."
    ),
    kinds=frozenset({"DeleteModel"}),
    check=check,
    fixable=True,
    not_reported=(
        "in a post-deploy migration (the `post-deploy-attribute` setting): the new code, which "
        "no longer has the model, is all that runs",
        "inside `SeparateDatabaseAndState(state_operations=[...])`",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe", "Dropping the table with the code", 'migrations.DeleteModel(name="Coupon")'
        ),
        Example(
            "safe",
            "State only first",
            "migrations.SeparateDatabaseAndState(\n"
            '    state_operations=[migrations.DeleteModel(name="Coupon")],\n'
            ")",
        ),
    ),
)
