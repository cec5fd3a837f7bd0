"""Units of the protocol edge: settings as editors send them, positions in each encoding, and
the lint session that keeps parsed files across a new graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Git
from lsp_projects import BLOG, LINT_MIGRATION, base_project
from lsprotocol import types

from lsp_server.positions import Lines
from lsp_server.settings import LintOptions, Settings, merge, parse_settings, to_json
from manifest_core.index import WorkspaceIndex
from manifest_core.lint import LintSession
from manifest_core.model import Severity, Span


def test_settings_defaults_and_every_key() -> None:
    assert parse_settings(None) == (Settings(), [])
    settings, errors = parse_settings(
        {
            "root": "backend",
            "lint": {
                "enabled": False,
                "select": ["ML0", "add-index"],
                "ignore": "remove-index, ML021",
                "severities": {"add-index": "warning", "ML005": "info"},
            },
            "codeLens": False,
            "hover": False,
            "documentLinks": False,
            "definition": False,
            "codeActions": False,
            "debounce": 25,
            "pollInterval": 0,
            "maxFileSize": 5000,
            "logLevel": "DEBUG",
        }
    )
    assert errors == []
    assert settings == Settings(
        root="backend",
        lint=LintOptions(
            enabled=False,
            select=("ML0", "add-index"),
            ignore=("remove-index", "ML021"),
            severities=(("ML011", Severity.WARNING), ("ML005", Severity.INFO)),
        ),
        code_lens=False,
        hover=False,
        document_links=False,
        definition=False,
        code_actions=False,
        debounce_ms=25,
        poll_interval=0.0,
        max_file_size=5000,
        log_level="debug",
    )
    assert parse_settings(to_json(settings)) == (settings, [])


def test_wrong_settings_are_reported_and_left_at_their_defaults() -> None:
    settings, errors = parse_settings(
        {
            "bogus": 1,
            "hover": "yes",
            "debounce": -1,
            "lint": {"select": ["not-a-rule"], "severities": {"add-index": "loud"}, "x": 1},
        }
    )
    assert settings == Settings(lint=LintOptions(select=()))
    assert errors == [
        "unknown setting 'bogus' (known: codeActions, codeLens, debounce, definition, "
        "documentLinks, hover, lint, logLevel, maxFileSize, pollInterval, root)",
        "hover: must be true or false",
        "debounce: must be a number of milliseconds from 0 to 5000",
        "lint: unknown setting 'x' (known: enabled, select, ignore, severities)",
        "lint.select: 'not-a-rule' is not a rule code or name",
        "lint.severities.add-index: must be error, warning or info",
    ]
    assert parse_settings([1, 2]) == (Settings(), ["settings must be an object, not list"])


def test_settings_layers_merge_key_by_key_and_unwrap() -> None:
    merged = merge(
        {"hover": False, "lint": {"ignore": ["ML011"]}},
        {"djangoMigrationManifest": {"lint": {"enabled": False}, "codeLens": False}},
        None,
    )
    assert merged == {
        "hover": False,
        "codeLens": False,
        "lint": {"ignore": ["ML011"], "enabled": False},
    }


@pytest.mark.parametrize(
    ("encoding", "start", "end"), [("utf-16", 6, 8), ("utf-8", 7, 11), ("utf-32", 6, 7)]
)
def test_positions_in_each_encoding(encoding: str, start: int, end: int) -> None:
    text = "first\r\nx = 'é😀' + 1\rthird"
    lines = Lines(text, encoding)
    # the emoji: code points 6..7 on line 2
    found = lines.range(Span(2, 6, 2, 7))
    assert found == types.Range(types.Position(1, start), types.Position(1, end))
    assert lines.to_core(found.start) == (2, 6)
    assert lines.to_core(found.end) == (2, 7)
    # past the end: clamped
    assert lines.position(9, 0) == types.Position(2, 5)
    assert lines.to_core(types.Position(7, 99)) == (3, 5)


def test_a_point_at_the_start_of_a_line_is_the_whole_line() -> None:
    lines = Lines('[apps.blog]\n  head = "0001"\n')
    assert lines.range(Span.point(2)) == types.Range(types.Position(1, 2), types.Position(1, 15))
    assert lines.range(None) == types.Range(types.Position(0, 0), types.Position(0, 11))


def test_rebased_session_keeps_parsed_files_but_not_states(git: Git, tmp_path: Path) -> None:
    repo = base_project(git)
    root = str(repo.root)
    index = WorkspaceIndex(root)
    index.load(use_cache=False)
    session = LintSession(index.project())
    path = f"{BLOG}/0003_lint.py"
    first = session.lint_text(path, LINT_MIGRATION, app="blog")
    assert [f.code for f in first.findings] == ["ML011", "ML020", "ML021", "ML005"]
    parsed = session.parsed(("blog", "0002_blog_tag"))
    repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
    index.refresh(f"{BLOG}/0003_blog_post.py")
    rebased = session.rebased(index.project())
    assert rebased.project.graph is not session.project.graph
    assert rebased.parsed(("blog", "0002_blog_tag")) is parsed
    again = rebased.lint_text(path, LINT_MIGRATION, app="blog")
    assert again.findings == first.findings
