"""The README's table of problems is the registry's: every code, with its name and severity."""

from __future__ import annotations

import re
from pathlib import Path

from manifest_core.codes import ALL

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| (MM\d{3}) \| ([a-z-]+) \| (error|warning|info) \| (.+) \|$", re.MULTILINE)


def test_the_readme_lists_every_problem_code_as_the_registry_defines_it() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = {code: (name, severity) for code, name, severity, _ in ROW.findall(readme)}
    registry = {code.code: (code.name, code.severity.label) for code in ALL.values()}
    assert documented == registry


def test_the_language_server_docs_name_only_problem_codes_that_exist() -> None:
    text = (ROOT / "docs" / "lsp.md").read_text() + (ROOT / "docs" / "resolve.md").read_text()
    named = set(re.findall(r"\bMM\d{3}\b", text))
    assert named <= set(ALL), sorted(named - set(ALL))
