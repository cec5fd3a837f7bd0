"""Bad input gets a located note, never a crash: unparsable or undecodable files, non-literal
arguments, unknown operations, odd module shapes, and any mutation of a real migration."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lint_helpers import add_field, initial, lint_json, migration, write

from manifest_core.lint import LintSession, PriorState, lint_source
from manifest_core.model import Span
from manifest_core.project import load_project

FIXTURES = Path(__file__).with_name("lint_fixtures")
KEY = ("shop", "0002_x")


def notes(text: str) -> list[tuple[str, int, str]]:
    result = lint_source("shop/migrations/0002_x.py", text, PriorState.empty(KEY))
    return [(f.name, f.line, f.message) for f in result.findings]


def test_a_syntax_error_is_a_note_at_its_line(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    write(
        tmp_path,
        "shop",
        "0002_broken",
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n'
        "    operations = [migrations.RunPython(lambda a, b: None\n",
    )
    code, data, err = lint_json(tmp_path, "--all")
    assert (code, err) == (1, "")  # a migration that cannot be linted fails CI by default
    (note,) = data["findings"]
    assert (note["name"], note["severity"], note["line"]) == (
        "unparsable-migration",
        "warning",
        6,
    )
    assert note["message"].startswith("does not parse on Python 3.")
    assert note["message"].endswith("its operations cannot be linted")


def test_conflict_markers_are_a_note(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    text = migration("shop", "0001_initial", add_field("order", "note", "models.TextField()"))
    lines = text.splitlines(keepends=True)
    lines[14:14] = ["<<<<<<< HEAD\n", "=======\n", ">>>>>>> feature\n"]
    write(tmp_path, "shop", "0002_note", "".join(lines))
    code, data, _ = lint_json(tmp_path, "--all", "--fail-level", "info")
    assert code == 1
    assert [(f["name"], f["line"]) for f in data["findings"]] == [("unparsable-migration", 15)]
    assert "git conflict markers" in data["findings"][0]["message"]


def test_an_undecodable_file_is_a_note(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    (tmp_path / "shop" / "migrations" / "0002_binary.py").write_bytes(b"\xff\xfe\x00\x01")
    code, data, _ = lint_json(tmp_path, "--all")
    assert code == 1
    assert [(f["path"], f["name"]) for f in data["findings"]] == [
        ("shop/migrations/0002_binary.py", "unparsable-migration")
    ]
    code, data, _ = lint_json(tmp_path, str(tmp_path / "shop/migrations/0002_binary.py"))
    assert [f["name"] for f in data["findings"]] == ["unparsable-migration"]


HEAD = "from django.db import migrations, models\n\n\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [("unparsable-migration", 1, "defines no Migration class")]),
        (
            HEAD + "class Migration(migrations.Migration):\n    operations = build()\n",
            [("unparsable-migration", 5, "Migration.operations is not a literal list")],
        ),
        (
            HEAD + "class Migration(migrations.Migration):\n    operations = [1, None]\n",
            [
                ("unknown-operation", 5, "1 is not an operation call"),
                ("unknown-operation", 5, "None is not an operation call"),
            ],
        ),
        (
            HEAD
            + "class Migration(migrations.Migration):\n    atomic = FLAG\n"
            + "    operations = [migrations.AddField()]\n",
            [
                ("unreadable-argument", 5, "Migration.atomic is not True or False"),
                ("unreadable-argument", 6, "AddField.model_name is MISSING, not a string"),
            ],
        ),
        (
            HEAD
            + "class Migration(migrations.Migration):\n"
            + "    operations = [migrations.SeparateDatabaseAndState(state_operations=OPS)]\n",
            [("unparsable-migration", 5, "state_operations is not a literal list")],
        ),
        (
            HEAD
            + "class Migration(migrations.Migration):\n"
            + "    operations = [migrations.RunSQL(b'DROP TABLE x', reverse_sql=[('x', [1])])]\n",
            [("unreadable-argument", 5, "RunSQL.sql is b'DROP TABLE x', not a literal")],
        ),
        (
            HEAD
            + "class Migration(migrations.Migration):\n"
            + "    operations = [migrations.RunPython(lambda a, b: None, lambda a, b: None)]\n",
            [],
        ),
    ],
    ids=[
        "empty",
        "computed operations",
        "not calls",
        "missing arguments",
        "nested non-literal",
        "bytes sql",
        "lambdas",
    ],
)
def test_odd_module_shapes(text: str, expected: list[tuple[str, int, str]]) -> None:
    found = notes(text)
    assert [(name, line) for name, line, _ in found] == [(n, line) for n, line, _ in expected]
    for (_, _, message), (_, _, fragment) in zip(found, expected, strict=True):
        assert fragment in message


def test_non_ascii_source_keeps_code_point_columns() -> None:
    text = (
        HEAD
        + "# ÄÖÜ: comments and strings may hold anything\n"
        + "class Migration(migrations.Migration):\n"
        + "    operations = [\n"
        + '        migrations.RunSQL("/* é */ CREATE INDEX i ON t (c)", reverse_sql="DROP"),\n'
        + "    ]\n"
    )
    result = lint_source("shop/migrations/0002_x.py", text, PriorState.empty(KEY))
    (finding,) = [f for f in result.findings if f.name == "unsafe-run-sql"]
    assert finding.span == Span(7, 35, 7, 58)  # code points: "é" is one column, two bytes


@cache
def fixture_texts() -> list[tuple[str, str]]:
    return [
        (p.relative_to(FIXTURES).as_posix(), p.read_text())
        for p in sorted(FIXTURES.glob("*/migrations/0*.py"))
    ]


@cache
def fixture_session() -> LintSession:
    return LintSession(load_project(str(FIXTURES), use_cache=False))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(min_value=0, max_value=10_000),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=100_000),
            st.integers(min_value=0, max_value=40),
            st.sampled_from(
                ["", "(", ")", "[", "]", ",", "=", "None", "x", "\n", "'", '"""', "#", "\\"]
            ),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_migrations_never_crash(choice: int, edits: list[tuple[int, int, str]]) -> None:
    texts = fixture_texts()
    path, text = texts[choice % len(texts)]
    for position, length, insert in edits:
        position %= len(text) + 1
        text = text[:position] + insert + text[position + length :]
    result = fixture_session().lint_text(path, text)
    for finding in result.findings:
        assert finding.span.line >= 1
        assert finding.message
