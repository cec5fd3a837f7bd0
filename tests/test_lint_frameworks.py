"""Migration frameworks: a safe schema editor detected from the settings, and the settings that
name it.

``tests/lint_fixtures_zero_downtime/`` is a project running django-pg-zero-downtime-migrations
(named in its settings module): each migration's findings must be exactly its ``# expect:``
labels, as for ``tests/lint_fixtures/``. Base classes of ``Migration`` in the repository and
post-deploy markers are in ``tests/lint_fixtures/framework/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from manifest_core.config import ConfigError
from manifest_core.lint import lint_project
from manifest_core.lint.framework import detect_schema_editor
from manifest_core.lint.settings import load_lint_settings, parse_lint_settings
from manifest_core.project import load_project

ZERO_DOWNTIME = Path(__file__).with_name("lint_fixtures_zero_downtime")
EXPECT_RE = re.compile(r"#\s*expect:\s*([a-z0-9, -]+?)\s*$")


def expectations(path: Path) -> set[tuple[str, int]]:
    found: set[tuple[str, int]] = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = EXPECT_RE.search(line)
        if match:
            found.update((name.strip(), number) for name in match.group(1).split(","))
    return found


@pytest.mark.parametrize(
    "path", sorted(ZERO_DOWNTIME.glob("*/migrations/0*.py")), ids=lambda p: p.name
)
def test_zero_downtime_schema_editor_findings_are_exactly_the_expectations(path: Path) -> None:
    project = load_project(str(ZERO_DOWNTIME), use_cache=False)
    settings = load_lint_settings(str(ZERO_DOWNTIME), None)
    assert settings.schema_editor == "django-pg-zero-downtime-migrations"
    report = lint_project(project, settings)
    relative = path.relative_to(ZERO_DOWNTIME).as_posix()
    (result,) = [r for r in report.results if r.path == relative]
    assert {(f.name, f.line) for f in result.findings} == expectations(path)


def test_without_the_schema_editor_its_safe_patterns_are_reported() -> None:
    project = load_project(str(ZERO_DOWNTIME), use_cache=False)
    settings = load_lint_settings(str(ZERO_DOWNTIME), {"schema-editor": "django"})
    names = {f.name for f in lint_project(project, settings).findings}
    assert {"add-index", "set-not-null", "concurrent-index-in-atomic"} <= names
    assert "run-python-with-schema-changes" in names


def test_detection_reads_settings_modules_only(tmp_path: Path) -> None:
    engine = (
        'DATABASES = {"default": {"ENGINE": "django_zero_downtime_migrations.backends.postgis"}}\n'
    )
    (tmp_path / "notes.py").write_text(engine)
    assert detect_schema_editor(str(tmp_path)) == ("django", None)
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "settings.py").write_text(engine)
    assert detect_schema_editor(str(tmp_path)) == (
        "django-pg-zero-downtime-migrations",
        "proj/settings.py",
    )
    (tmp_path / "proj" / "settings.py").write_text(
        'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}\n'
    )
    assert detect_schema_editor(str(tmp_path)) == ("django", None)


def test_schema_editor_and_post_deploy_attribute_settings() -> None:
    settings = parse_lint_settings(
        {"schema-editor": "django-pg-zero-downtime-migrations", "post-deploy-attribute": "late"}
    )
    assert (settings.schema_editor, settings.post_deploy_attribute) == (
        "django-pg-zero-downtime-migrations",
        "late",
    )
    with pytest.raises(ConfigError, match="schema-editor: must be one of 'django', "):
        parse_lint_settings({"schema-editor": "zero-downtime"})
    with pytest.raises(ConfigError, match="post-deploy-attribute: must be a Python attribute"):
        parse_lint_settings({"post-deploy-attribute": "is post"})
