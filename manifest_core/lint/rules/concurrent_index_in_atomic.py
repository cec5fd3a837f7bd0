"""ML012 concurrent-index-in-atomic: CONCURRENTLY inside a migration's transaction."""

from __future__ import annotations

from manifest_core.lint.fixes import plan, set_atomic_false
from manifest_core.lint.rule import Example, MigrationContext, Rule
from manifest_core.model import Severity

from .run_sql_checks import sql_findings

_OPERATIONS = ("AddIndexConcurrently", "RemoveIndexConcurrently")


def check(ctx: MigrationContext) -> None:
    if ctx.parsed.atomic is not True:
        return  # atomic = False, or not a literal (reported when the module is read)
    edits = set_atomic_false(ctx)
    fix = plan("Set atomic = False on the migration", edits)
    for site in ctx.sites:
        if not site.database:
            continue
        op = site.op
        if op.family == "postgres" and op.kind in _OPERATIONS:
            ctx.report(
                RULE,
                op.head_span,
                f"{op.kind} cannot run inside a transaction, and this migration is atomic: "
                "Django refuses to apply it (NotSupportedError)",
                site,
                fix=fix,
            )
        elif op.family == "django" and op.kind == "RunSQL":
            for found, span in sql_findings(ctx, site):
                if found.kind == "concurrent":
                    ctx.report(
                        RULE,
                        span,
                        f"{found.message} inside the migration's transaction: PostgreSQL refuses "
                        "(cannot run inside a transaction block)",
                        site,
                        fix=fix,
                    )


RULE = Rule(
    code="ML012",
    name="concurrent-index-in-atomic",
    severity=Severity.ERROR,
    summary="builds or drops an index CONCURRENTLY inside an atomic migration",
    why=(
        "CREATE/DROP INDEX CONCURRENTLY and REINDEX CONCURRENTLY cannot run inside a transaction "
        "block, and Django runs every migration in one unless it sets `atomic = False`. Django "
        "refuses AddIndexConcurrently and RemoveIndexConcurrently in an atomic migration, and "
        "PostgreSQL rejects the RunSQL equivalents: the deploy fails at migrate time."
    ),
    safe=(
        "Set `atomic = False` on the migration, and keep the concurrent operation in a migration "
        "of its own, since atomic = False applies to every operation in it."
    ),
    check_migration=check,
    fixable=True,
    not_reported=("the migration sets `atomic = False`",),
    examples=(
        Example(
            "unsafe",
            "Atomic by default",
            "class Migration(migrations.Migration):\n"
            "    operations = [\n"
            "        AddIndexConcurrently(...),\n"
            "    ]",
        ),
        Example(
            "safe",
            "Not atomic",
            "class Migration(migrations.Migration):\n"
            "    atomic = False\n"
            "    operations = [\n"
            "        AddIndexConcurrently(...),\n"
            "    ]",
        ),
    ),
)
