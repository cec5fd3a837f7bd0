"""Settings: rule selection, severities, and the PostgreSQL version some rules depend on."""

from __future__ import annotations

import pytest
from lint_helpers import add_field, migration

from manifest_core.config import ConfigError
from manifest_core.lint import AppState, LintSettings, ModelState, PriorState, Rule, lint_source
from manifest_core.lint.rules import find_rule
from manifest_core.lint.settings import parse_lint_settings
from manifest_core.lint.values import Call
from manifest_core.model import Severity

KEY = ("shop", "0002_x")
PATH = "shop/migrations/0002_x.py"


def prior() -> PriorState:
    order = ModelState(
        "Order",
        {
            "id": Call("models.BigAutoField", "django.db.models.BigAutoField"),
            "note": Call(
                "models.TextField", "django.db.models.TextField", kwargs=(("null", True),)
            ),
        },
        {},
        created_by=("shop", "0001_initial"),
    )
    return PriorState(KEY, AppState("shop", {"order": order}))


def lint(operations: str, settings: LintSettings) -> list[tuple[str, str]]:
    text = migration("shop", "0001_initial", operations)
    return [(f.name, f.message) for f in lint_source(PATH, text, prior(), settings).findings]


CONSTANT_DEFAULT = add_field("order", "flag", "models.BooleanField(db_default=False)")
VIRTUAL = add_field(
    "order",
    "upper_note",
    "models.GeneratedField(expression=Upper('note'), output_field=models.TextField(), "
    "db_persist=False)",
)
SET_NOT_NULL = (
    "        migrations.AlterField(\n"
    '            model_name="order", name="note", field=models.TextField(),\n'
    "        ),\n"
)


def test_postgres_version_changes_what_rewrites_a_table() -> None:
    assert lint(CONSTANT_DEFAULT, LintSettings(postgres_version=14)) == []
    (old,) = lint(CONSTANT_DEFAULT, LintSettings(postgres_version=10))
    assert old == (
        "volatile-db-default",
        'adds "shop_order"."flag" with a default: before PostgreSQL 11, this rewrites '
        '"shop_order" under an ACCESS EXCLUSIVE lock',
    )
    assert lint(VIRTUAL, LintSettings(postgres_version=18)) == []
    assert [name for name, _ in lint(VIRTUAL, LintSettings(postgres_version=17))] == [
        "add-generated-field"
    ]
    ((_, twelve),) = lint(SET_NOT_NULL, LintSettings(postgres_version=12))
    ((_, eleven),) = lint(SET_NOT_NULL, LintSettings(postgres_version=11))
    assert "unless a validated CHECK" in twelve
    assert "unless a validated CHECK" not in eleven


def test_selection_and_severity() -> None:
    settings = parse_lint_settings(
        {"select": ["ML0"], "ignore": ["set-not-null"], "severity": {"ML001": "info"}}
    )
    assert settings.enabled(next_rule("add-not-null-field"))
    assert not settings.enabled(next_rule("set-not-null"))
    assert not settings.enabled(next_rule("unknown-operation"))  # ML9xx not selected
    assert settings.severity(next_rule("add-not-null-field")) is Severity.INFO
    assert lint(SET_NOT_NULL, settings) == []
    assert parse_lint_settings({"postgres-version": "9.6"}).postgres_version == 9
    assert parse_lint_settings({"postgres-version": 16}).postgres_version == 16
    everything = LintSettings().selecting(None, ["ALL"])
    assert lint(SET_NOT_NULL, everything) == []


def next_rule(name: str) -> Rule:
    rule = find_rule(name)
    assert rule is not None
    return rule


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"select": "ALL"}, "select: must be a list of rule codes or names"),
        ({"severity": {"nope": "error"}}, "nope: is not a rule code or name"),
        ({"severity": ["x"]}, "severity: must be a table of rule = severity"),
        ({"postgres-version": True}, "postgres-version: must be a PostgreSQL major version"),
        ({"new-migrations": "some"}, "new-migrations: must be one of 'branch', 'all'"),
        ({"fail-level": 3}, "fail-level: must be error, warning or info"),
    ],
)
def test_bad_settings(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_lint_settings(table)
    assert message in str(error.value)
