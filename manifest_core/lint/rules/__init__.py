"""The rules, registered in one place: :data:`RULES`, in code order.

Each rule is a module of this package defining ``RULE`` (see :class:`~..rule.Rule`). To add one,
write the module, give it the next free code, list it here, and add its fixture app under
``tests/lint_fixtures/``; ``python -m manifest_core.lint.docs`` regenerates its documentation.
Codes and names never change meaning.
"""

from __future__ import annotations

import difflib

from manifest_core.lint.rule import Rule

from . import (
    add_check_constraint,
    add_exclusion_constraint,
    add_foreign_key,
    add_generated_field,
    add_index,
    add_not_null_field,
    add_unique_constraint,
    alter_column_type,
    alter_model_table,
    change_db_column,
    concurrent_index_in_atomic,
    delete_model,
    notes,
    positive_field_check,
    remove_field,
    remove_index,
    rename_field,
    rename_model,
    run_python_with_schema_changes,
    run_python_without_reverse,
    run_sql_without_reverse,
    set_not_null,
    unsafe_run_sql,
    validate_constraint_mixed,
    volatile_db_default,
)

#: Every rule about operations, in code order.
OPERATION_RULES: tuple[Rule, ...] = (
    add_not_null_field.RULE,
    volatile_db_default.RULE,
    set_not_null.RULE,
    alter_column_type.RULE,
    remove_field.RULE,
    delete_model.RULE,
    rename_field.RULE,
    rename_model.RULE,
    alter_model_table.RULE,
    change_db_column.RULE,
    add_index.RULE,
    concurrent_index_in_atomic.RULE,
    remove_index.RULE,
    add_unique_constraint.RULE,
    add_check_constraint.RULE,
    validate_constraint_mixed.RULE,
    add_foreign_key.RULE,
    positive_field_check.RULE,
    add_exclusion_constraint.RULE,
    run_python_with_schema_changes.RULE,
    run_python_without_reverse.RULE,
    run_sql_without_reverse.RULE,
    unsafe_run_sql.RULE,
    add_generated_field.RULE,
)
#: Every rule, the linter's own notes last.
RULES: tuple[Rule, ...] = (*OPERATION_RULES, *notes.NOTES)

BY_CODE = {rule.code: rule for rule in RULES}
BY_NAME = {rule.name: rule for rule in RULES}

assert len(BY_CODE) == len(RULES), "duplicate rule code"
assert len(BY_NAME) == len(RULES), "duplicate rule name"


def find_rule(selector: str) -> Rule | None:
    """A rule by code (``ML011``, any case) or name (``add-index``)."""
    return BY_CODE.get(selector.upper()) or BY_NAME.get(selector.lower())


def select_rules(selector: str) -> list[Rule]:
    """The rules a selector names: ``ALL``, a code, a name, or a code prefix (``ML0``, ``ML9``)."""
    text = selector.strip()
    if text.upper() == "ALL":
        return list(RULES)
    rule = find_rule(text)
    if rule is not None:
        return [rule]
    if len(text) >= 3 and text[:2].upper() == "ML":
        prefix = text.upper()
        return [r for r in RULES if r.code.startswith(prefix)]
    return []


def suggest(selector: str) -> str:
    """``' (did you mean ...?)'`` for a selector that names no rule, or ``''``."""
    close = difflib.get_close_matches(selector.lower(), list(BY_NAME), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
