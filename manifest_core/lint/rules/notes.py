"""The linter's own notes (``ML9xx``): where it could not look, and suppressions gone wrong.

Notes are not about unsafe operations. ``unknown-prior-state``, ``unparsable-migration``,
``unreadable-argument`` and ``unknown-operation`` say that part of a migration could not be checked
(so a clean run is not mistaken for a safe one); the suppression notes keep the inline
suppressions honest. The engine and the operation rules emit them; they have no check of their own.
"""

from __future__ import annotations

from manifest_core.lint.rule import Example, Rule
from manifest_core.model import Severity

I, W = Severity.INFO, Severity.WARNING  # noqa: E741

UNKNOWN_PRIOR_STATE = Rule(
    code="ML900",
    name="unknown-prior-state",
    severity=I,
    note=True,
    summary="a rule needs the earlier definition of a model or field, and it is not known",
    why=(
        "Rules such as alter-column-type or set-not-null compare an operation with the state "
        "the earlier migrations leave. The linter replays those migrations statically; when one "
        "of them uses an operation it cannot replay (a third-party or custom operation), a "
        "value that is not a literal, or when the model was never created in this app's "
        "migrations, the earlier state is unknown and the linter says so rather than guess."
    ),
    safe=(
        "Check the operation by hand. If a custom operation hides the state, make the earlier "
        "migration's effect explicit (for example with SeparateDatabaseAndState)."
    ),
)

UNPARSABLE_MIGRATION = Rule(
    code="ML901",
    name="unparsable-migration",
    severity=W,
    note=True,
    summary=(
        "a migration file does not parse, or its operations are not a literal list, so it "
        "cannot be linted"
    ),
    why=(
        "The linter reads migrations with Python's own parser and never imports them. A file "
        "with a syntax error (or newer syntax than the running Python understands, or git "
        "conflict markers) cannot be read, and operations built at import time (`operations = "
        "build()`, a nested operations list that is not a literal) cannot be listed: none of "
        "them are checked. It is a warning, so a migration the linter could not see fails CI "
        "at the default fail level instead of passing silently."
    ),
    safe=(
        "Fix the syntax error, or run the linter on the Python version the project targets; "
        "write the operations as a literal list (module-level or class-level names holding "
        "lists are followed). Once reviewed by hand, suppress it with a reason, or lower its "
        "severity in the configuration."
    ),
)

UNREADABLE_ARGUMENT = Rule(
    code="ML902",
    name="unreadable-argument",
    severity=I,
    note=True,
    summary="an argument a rule needs is not a literal the linter can read",
    why=(
        "Operations are read statically: model names, field arguments such as null, db_index "
        "or max_length, and RunSQL statements must be literals (module-level constants are "
        "followed). A value computed at import time, such as a setting or a function call, "
        "cannot be checked."
    ),
    safe="Write the value as a literal, or check the operation by hand.",
)

UNKNOWN_OPERATION = Rule(
    code="ML903",
    name="unknown-operation",
    severity=I,
    note=True,
    summary="an operation class the linter does not know (a third-party or custom operation)",
    why=(
        "Only Django's operations (django.db.migrations) and django.contrib.postgres.operations "
        "are understood. What another operation does to the database, or to the model state "
        "later rules rely on, cannot be known without running it."
    ),
    safe=(
        "Review what the operation does by hand. Suppress this note with a reason once it is "
        "known to be safe, or ignore the rule in the configuration for a trusted package."
    ),
)

SUPPRESSION_WITHOUT_REASON = Rule(
    code="ML904",
    name="suppression-without-reason",
    severity=W,
    note=True,
    summary="a suppression comment gives no reason, so it suppresses nothing",
    why=(
        "A suppression records a decision that an unsafe-looking operation is safe here. "
        "Without the reason, the next reader cannot tell a considered decision from a silenced "
        "warning, so the linter requires one and does not apply a suppression without it."
    ),
    safe=(
        "Write the reason after `--`: "
        "`# migration-manifest: ignore[add-index] -- table has 40 rows`."
    ),
    examples=(
        Example(
            "unsafe",
            "No reason",
            ("# migration-manifest: ignore[add-index]\nmigrations.AddIndex(...)"),
        ),
        Example(
            "safe",
            "A reason",
            (
                "# migration-manifest: ignore[add-index] -- lookup table, 12 rows\n"
                "migrations.AddIndex(...)"
            ),
        ),
    ),
)

UNKNOWN_RULE_IN_SUPPRESSION = Rule(
    code="ML905",
    name="unknown-rule-in-suppression",
    severity=W,
    note=True,
    summary="a suppression comment names a rule that does not exist, or is malformed",
    why=(
        "A misspelled rule name suppresses nothing, so the finding it was meant for still "
        "appears, or worse, a later finding is silently not suppressed as intended."
    ),
    safe=(
        "Use a rule name or code from the rule table, in the form "
        "`# migration-manifest: ignore[<rule-name>] -- <reason>`."
    ),
)

UNUSED_SUPPRESSION = Rule(
    code="ML906",
    name="unused-suppression",
    severity=I,
    note=True,
    summary="a suppression comment silences no finding",
    why=(
        "The operation it was written for changed or moved, or the rule no longer fires: a stale "
        "suppression would silently hide a future finding on that line."
    ),
    safe="Delete the comment.",
)


SKIPPED_SQUASH = Rule(
    code="ML907",
    name="squashed-migration-skipped",
    severity=I,
    note=True,
    summary="a squashed migration whose replaced migrations are already deployed is not linted",
    why=(
        "Django runs a squashed migration only on a database that applied none of the "
        "migrations it replaces. Where they are deployed (they are on the default branch, or no "
        "longer on disk), production never runs the squash's operations: those migrations were "
        "linted (or deployed) in their own right."
    ),
    safe="Nothing to do. Lint the replaced migrations, or pass the squash's path explicitly.",
)


UNKNOWN_FIELD_CLASS = Rule(
    code="ML908",
    name="unknown-field-class",
    severity=I,
    note=True,
    summary="an AlterField involves a field class the linter does not know, so a change of "
    "column type cannot be judged",
    why=(
        "The linter knows the PostgreSQL column type of Django's own field classes. A "
        "third-party class (or one defined in the project) may map to any type: when its class or "
        "its arguments change, the linter cannot tell whether the column type changes."
    ),
    safe="Check the SQL with `manage.py sqlmigrate`, then suppress the note with the reason.",
)

NOTES: tuple[Rule, ...] = (
    UNKNOWN_PRIOR_STATE,
    UNPARSABLE_MIGRATION,
    UNREADABLE_ARGUMENT,
    UNKNOWN_OPERATION,
    SUPPRESSION_WITHOUT_REASON,
    UNKNOWN_RULE_IN_SUPPRESSION,
    UNUSED_SUPPRESSION,
    SKIPPED_SQUASH,
    UNKNOWN_FIELD_CLASS,
)
