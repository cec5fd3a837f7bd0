"""ML021 run-python-without-reverse: a RunPython that cannot be unapplied."""

from __future__ import annotations

from manifest_core.lint.fixes import module_prefix, plan, set_argument
from manifest_core.lint.rule import Example, MigrationContext, Rule, Site
from manifest_core.lint.values import MISSING
from manifest_core.model import Severity


def check(site: Site, ctx: MigrationContext) -> None:
    op = site.op
    if op.param("reverse_code", None) not in (None, MISSING):
        return
    prefix = module_prefix(op)
    fix = plan(
        "Add reverse_code=RunPython.noop (undoing does nothing)",
        set_argument(ctx, op, "reverse_code", f"{prefix}RunPython.noop"),
        ("only right if leaving the data as it is on the way back is correct",),
    )
    ctx.report(
        RULE,
        op.head_span,
        "RunPython has no reverse_code: the migration cannot be unapplied, so a failed deploy "
        "cannot be rolled back past it",
        site,
        fix=fix,
    )


RULE = Rule(
    code="ML021",
    name="run-python-without-reverse",
    severity=Severity.WARNING,
    summary="RunPython without reverse_code: the migration is irreversible",
    why=(
        "Without reverse_code, Django raises IrreversibleError when asked to unapply the "
        "migration. Rolling back a bad release then means restoring a backup instead of "
        "running `migrate <app> <previous>`."
    ),
    safe=(
        "Give reverse_code: a function that undoes the change, or `migrations.RunPython.noop` "
        "when leaving the data as it is on the way back is correct."
    ),
    kinds=frozenset({"RunPython"}),
    check=check,
    fixable=True,
    not_reported=("reverse_code is given (`RunPython.noop` included)",),
    examples=(
        Example("unsafe", "Forward only", "migrations.RunPython(fill_totals)"),
        Example(
            "safe",
            "Nothing to undo",
            "migrations.RunPython(fill_totals, reverse_code=migrations.RunPython.noop)",
        ),
    ),
)
