"""The labelled fixture apps: the exact set of (rule, line) per migration file.

Every app under ``tests/lint_fixtures/`` holds unsafe and safe variants of one rule's pattern
(``# unsafe:`` / ``# safe:`` labels) and ``# expect: <rule>`` comments on the lines where
findings start. The whole folder is linted as ``lint --all`` would, and each file's findings must
be exactly its expectations: a false positive fails as surely as a miss.
"""

from __future__ import annotations

import gc
import re
from functools import cache
from pathlib import Path

import pytest

from manifest_core.lint import LintReport, LintSettings, lint_project
from manifest_core.lint.rules import RULES
from manifest_core.model import Key
from manifest_core.project import load_project

FIXTURES = Path(__file__).with_name("lint_fixtures")
EXPECT_RE = re.compile(r"#\s*expect:\s*([a-z0-9, -]+?)\s*$")
NEW_MARKER = "# fixture: new on this branch"
#: Rules that cannot have a fixture file: an unparsable file would break the repository's own
#: linters. ``test_lint_bad_input.py`` covers them instead.
NOT_IN_FIXTURES = {"unparsable-migration"}


def migration_files() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*/migrations/0*.py"))


def expectations(path: Path) -> set[tuple[str, int]]:
    expected = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = EXPECT_RE.search(line)
        if match:
            for name in match.group(1).split(","):
                expected.add((name.strip(), number))
    return expected


@cache
def fixture_report() -> LintReport:
    project = load_project(str(FIXTURES), use_cache=False)
    new: set[Key] = set()
    for app in project.apps.values():
        for migration in app.migrations:
            head = (FIXTURES / migration.path).read_text().split("\n", 5)[:5]
            if NEW_MARKER in head:
                new.add(migration.key)
    return lint_project(project, LintSettings(), new=new)


def found(path: Path) -> set[tuple[str, int]]:
    relative = path.relative_to(FIXTURES).as_posix()
    for result in fixture_report().results:
        if result.path == relative:
            return {(f.name, f.line) for f in result.findings}
    raise AssertionError(f"{relative} was not linted")


@pytest.mark.parametrize(
    "path", migration_files(), ids=lambda p: p.relative_to(FIXTURES).as_posix()
)
def test_fixture_findings_are_exactly_the_expectations(path: Path) -> None:
    assert found(path) == expectations(path)


def test_every_rule_has_a_labelled_fixture_app_with_safe_and_unsafe_variants() -> None:
    expected_rules = {name for path in migration_files() for name, _ in expectations(path)}
    for rule in RULES:
        if rule.name in NOT_IN_FIXTURES:
            continue
        assert rule.name in expected_rules, f"no fixture expects {rule.name}"
        if rule.note:
            continue
        app = FIXTURES / rule.name.replace("-", "_")
        assert app.is_dir(), f"no fixture app for {rule.name}"
        text = "\n".join(p.read_text() for p in sorted(app.glob("migrations/0*.py")))
        assert "# unsafe:" in text, f"{rule.name}: no unsafe variant"
        assert "# safe:" in text, f"{rule.name}: no safe variant"
        assert any(
            name == rule.name for p in app.glob("migrations/0*.py") for name, _ in expectations(p)
        ), f"{rule.name}: its own app never expects it"


def test_expectations_name_real_rules() -> None:
    names = {rule.name for rule in RULES}
    for path in migration_files():
        for name, line in expectations(path):
            assert name in names, f"{path}:{line}: unknown rule {name!r}"


def test_linting_leaves_no_reference_cycles() -> None:
    """A whole-project lint pauses the garbage collector; anything linting a file leaves in a
    reference cycle would then stay in memory until the end (gigabytes at 50,000 migrations)."""
    project = load_project(str(FIXTURES), use_cache=False)
    lint_project(project, LintSettings())  # imports every rule module first
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        report = lint_project(project, LintSettings())
        unreachable = gc.collect()
        kinds = sorted({type(thing).__name__ for thing in gc.garbage})
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert report.findings
    assert (unreachable, kinds) == (0, [])
