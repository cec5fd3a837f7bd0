"""Lint findings in the editor: exact ranges, rule codes and documentation links, the rules'
mechanical fixes and suppressions as quick fixes, hovers that say why, and the lint settings."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest
from conftest import Git, Oracle, run_cli
from lsp_helpers import EMACS_OPTIONS, Editor, editor
from lsp_projects import BLOG, LABELS, LINT_MIGRATION, base_project
from lsp_projects import one_leaf_per_app as loads_with_one_leaf_per_app
from lsprotocol import types

pytestmark = pytest.mark.asyncio

LINTED = f"{BLOG}/0003_lint.py"
DOCS = "https://github.com/django-migration-manifest/django-migration-manifest/blob/main/docs/rules"


@pytest.fixture(scope="module")
def oracle() -> Iterator[Oracle]:
    worker = Oracle(*LABELS)
    yield worker
    worker.close()


def by_code(diagnostics: list[types.Diagnostic], code: str) -> types.Diagnostic:
    [found] = [d for d in diagnostics if d.code == code]
    return found


def position(text: str, needle: str, offset: int = 0) -> types.Position:
    line = next(i for i, line in enumerate(text.splitlines()) if needle in line)
    return types.Position(line, text.splitlines()[line].index(needle) + offset)


def add_linted(session: Editor, text: str = LINT_MIGRATION) -> None:
    """A new migration on this branch (not on main), with migrations.toml brought up to date
    in a terminal."""
    (session.root / LINTED).write_text(text)
    assert run_cli("--root", str(session.root), "update")[0] == 0
    session.notify(
        [(LINTED, types.FileChangeType.Created), ("migrations.toml", types.FileChangeType.Changed)]
    )


async def open_linted(session: Editor, text: str = LINT_MIGRATION) -> list[types.Diagnostic]:
    add_linted(session, text)
    session.open(LINTED, text)
    return await session.wait_codes(LINTED, "ML005", "ML011", "ML020", "ML021")


async def test_findings_at_their_exact_ranges_with_docs(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "vscode") as session:
        found = await open_linted(session)
        add_index = by_code(found, "ML011")
        start = position(LINT_MIGRATION, "migrations.AddIndex(")
        assert (add_index.range.start.line, add_index.range.start.character) == (
            start.line,
            start.character,
        )
        # the callee, as `lint` reports it (15:9 in its 1-based columns)
        assert add_index.range.end == types.Position(start.line, start.character + 19)
        assert add_index.severity == types.DiagnosticSeverity.Error
        assert add_index.message.startswith(
            'add-index: creates index "blog_item_name_idx" on "blog_blogitem" without CONCURRENTLY'
        )
        assert add_index.code_description is not None
        assert add_index.code_description.href == f"{DOCS}/add-index.md"
        reverse = by_code(found, "ML021")
        assert reverse.severity == types.DiagnosticSeverity.Warning
        assert reverse.range.start == position(LINT_MIGRATION, "migrations.RunPython(forwards)")


async def test_emacs_gets_no_code_descriptions_it_cannot_show(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "emacs", options=EMACS_OPTIONS) as session:
        found = await open_linted(session)
        assert all(d.code_description is None for d in found)


FIXES = {
    # finding: (the fix's title, what the file says afterwards, what is gone, Django can load it)
    "ML011": (
        "Use AddIndexConcurrently (atomic = False)",
        ["from django.contrib.postgres.operations import AddIndexConcurrently", "atomic = False"],
        "ML011",
        False,  # importing django.contrib.postgres needs psycopg, which the tests do not have
    ),
    "ML021": (
        "Add reverse_code=RunPython.noop (undoing does nothing)",
        ["migrations.RunPython(forwards, reverse_code=migrations.RunPython.noop)"],
        "ML021",
        True,
    ),
    "ML005": (
        "Remove it from Django's state only (SeparateDatabaseAndState)",
        ["migrations.SeparateDatabaseAndState("],
        "ML005",
        True,
    ),
}


@pytest.mark.parametrize("code", sorted(FIXES))
async def test_each_mechanical_fix(git: Git, code: str, oracle: Oracle) -> None:
    repo = base_project(git)
    title, expected, gone, importable = FIXES[code]
    async with editor(repo.root, "vscode") as session:
        found = await open_linted(session)
        diagnostic = by_code(found, code)
        actions = await session.code_actions(LINTED, diagnostic.range)
        fixes = [
            a for a in actions if isinstance(a, types.CodeAction) and a.title.startswith(title)
        ]
        assert len(fixes) == 1, [a.title for a in actions]
        [fix] = fixes
        assert fix.is_preferred
        assert fix.diagnostics is not None
        assert [d.code for d in fix.diagnostics] == [code]
        await session.run_action(fix)
        after = await session.wait_for(LINTED, lambda d: gone not in [x.code for x in d])
        assert after, "the other findings stay"
    text = (repo.root / LINTED).read_text()
    ast.parse(text)
    for snippet in expected:
        assert snippet in text
    assert run_cli("--root", str(repo.root), "check")[0] == 0
    if importable:
        assert loads_with_one_leaf_per_app(oracle, repo.root)["blog"] == "0003_lint"


async def test_suppression_with_a_reason_placeholder(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "vscode") as session:
        found = await open_linted(session)
        diagnostic = by_code(found, "ML011")
        actions = await session.code_actions(LINTED, diagnostic.range)
        [suppress] = [a for a in actions if a.title == "Suppress add-index here (give the reason)"]
        await session.run_action(suppress)
        text = (repo.root / LINTED).read_text()
        comment = "        # migration-manifest: ignore[add-index] -- <reason>"
        assert comment + "\n        migrations.AddIndex(" in text
        # still saying <reason>: it suppresses nothing, and says so
        after = await session.wait_for(LINTED, lambda d: "ML904" in [x.code for x in d])
        assert "ML011" in [d.code for d in after]
        session.change(LINTED, text.replace("<reason>", "a lookup table of 40 rows"))
        await session.wait_for(LINTED, lambda d: not {"ML011", "ML904"} & {str(x.code) for x in d})


async def test_hover_on_a_flagged_operation_says_why_and_what_instead(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "vscode") as session:
        await open_linted(session)
        hover = await session.client.text_document_hover_async(
            types.HoverParams(
                types.TextDocumentIdentifier(session.uri(LINTED)),
                position(LINT_MIGRATION, "AddIndex", 3),
            )
        )
        assert hover is not None
        assert isinstance(hover.contents, types.MarkupContent)
        assert hover.contents.kind == types.MarkupKind.Markdown
        text = hover.contents.value
        assert text.startswith("**ML011 `add-index`** (error)")
        assert "**Why:**" in text
        assert "**Safe alternative:** Build the index with AddIndexConcurrently" in text
        assert "**Quick fix:** Use AddIndexConcurrently (atomic = False)" in text
        assert f"({DOCS}/add-index.md)" in text


async def test_lint_settings_from_the_editor(git: Git) -> None:
    """``initializationOptions`` turn rules off; ``workspace/configuration`` (pulled again on
    ``didChangeConfiguration``) changes severities and turns linting off altogether."""
    repo = base_project(git)
    options = {"lint": {"ignore": ["run-python-with-schema-changes"]}}
    configuration = {"lint": {"severities": {"add-index": "warning", "ML021": "info"}}}
    async with editor(repo.root, "vscode", options=options, configuration=configuration) as s:
        add_linted(s)
        s.open(LINTED, LINT_MIGRATION)
        found = await s.wait_codes(LINTED, "ML005", "ML011", "ML021")
        assert by_code(found, "ML011").severity == types.DiagnosticSeverity.Warning
        assert by_code(found, "ML021").severity == types.DiagnosticSeverity.Information
        assert by_code(found, "ML005").severity == types.DiagnosticSeverity.Error
        s.client.set_configuration({"lint": {"enabled": False}}, section="djangoMigrationManifest")
        s.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        await s.wait_codes(LINTED)
        s.client.set_configuration(
            {"lint": {"select": ["ML011"]}}, section="djangoMigrationManifest"
        )
        s.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        await s.wait_codes(LINTED, "ML011")


async def test_pyproject_lint_settings_apply_and_their_mistakes_are_shown(git: Git) -> None:
    repo = base_project(git)
    repo.write(
        "pyproject.toml",
        "[tool.django-migration-manifest.lint]\nignore = ['add-index', 'not-a-rule']\n",
    )
    async with editor(repo.root, "vscode") as session:
        add_linted(session)
        session.open(LINTED, LINT_MIGRATION)
        [mistake] = await session.wait_codes("pyproject.toml", "config")
        assert mistake.range.start.line == 1
        assert "'not-a-rule' is not a rule code or name" in mistake.message
        await session.wait_codes(LINTED, "ML005", "ML011", "ML020", "ML021")  # the defaults
        session.write(
            "pyproject.toml", "[tool.django-migration-manifest.lint]\nignore = ['add-index']\n"
        )
        await session.wait_codes("pyproject.toml")
        await session.wait_codes(LINTED, "ML005", "ML020", "ML021")
