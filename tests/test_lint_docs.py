"""The rule documentation is generated from the rules and kept in step with them."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from manifest_core.lint import docs
from manifest_core.lint.rules import RULES

ROOT = Path(__file__).resolve().parent.parent


def test_generated_docs_are_up_to_date() -> None:
    stale = [
        relative
        for relative, content in docs.expected_files(str(ROOT)).items()
        if not (ROOT / relative).is_file() or (ROOT / relative).read_text() != content
    ]
    assert stale == [], "run `python -m manifest_core.lint.docs` and commit the result"
    assert docs.main(["--root", str(ROOT), "--check"]) == 0


def test_every_rule_has_a_page_an_anchor_and_a_stable_url() -> None:
    lint_md = (ROOT / "docs" / "lint.md").read_text()
    for rule in RULES:
        assert re.fullmatch(r"ML\d{3}", rule.code)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
        assert (ROOT / rule.docs_path).is_file()
        assert rule.url.endswith(f"/docs/rules/{rule.name}.md")
        assert f'<a id="{rule.anchor}"></a>' in lint_md
        assert rule.summary
        assert rule.why
        assert rule.safe
        assert not rule.summary.endswith(".")


def test_codes_are_grouped_operations_then_notes() -> None:
    codes = [rule.code for rule in RULES]
    assert codes == sorted(codes)
    assert all(rule.note == rule.code.startswith("ML9") for rule in RULES)


def test_the_examples_in_the_docs_are_formatted() -> None:
    """``make lint`` formats the Python blocks of Markdown files too: keep the examples clean."""
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "docs/lint.md", "docs/rules"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
