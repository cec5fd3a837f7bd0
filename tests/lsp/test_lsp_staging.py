"""A quick fix during a merge or a rebase leaves git as ``resolve`` does, in every client.

The user's way, over real stdio against a real git conflict: the editor applies the renumber
quick fix (as a ``WorkspaceEdit`` with ``RenameFile`` where the client declares it, saving the
files or leaving the edits in buffers; as the server's command otherwise), the user saves, stages
what git lists as conflicted (what VS Code's Source Control panel offers), and commits (or
continues the rebase). The commit must hold the renamed migration, not the old one, and pass
``check``.
"""

from __future__ import annotations

import pytest
from conftest import Git
from lsp_helpers import editor
from lsp_projects import (
    BLOG,
    MANIFEST,
    check_commit,
    commit_as_a_user,
    conflicted,
    diverged_project,
    merge_feature,
)
from lsprotocol import types
from resolve_project import DjangoRepo

pytestmark = pytest.mark.asyncio

MOVED = f"{BLOG}/0003_blog_post.py"
RENAMED = f"{BLOG}/0004_blog_post.py"
OPTIONS = {"pollInterval": 0.2}


def without_renames(capabilities: types.ClientCapabilities) -> None:
    assert capabilities.workspace is not None
    assert capabilities.workspace.workspace_edit is not None
    capabilities.workspace.workspace_edit.resource_operations = []


def start_conflict(repo: DjangoRepo, operation: str) -> None:
    if operation == "merge":
        merge_feature(repo)
        return
    repo.git("checkout", "-q", "feature")
    result = repo.git("rebase", "main", check=False)
    assert result.returncode != 0
    assert repo.operation_in_progress() == "rebase"
    assert conflicted(repo) == [MANIFEST]


@pytest.mark.parametrize("operation", ["merge", "rebase"])
@pytest.mark.parametrize(
    "client",
    ["renames-autosave", "renames-buffers", "no-renames"],
)
async def test_quick_fix_then_commit_what_git_lists(git: Git, operation: str, client: str) -> None:
    repo = diverged_project(git)
    start_conflict(repo, operation)
    adjust = without_renames if client == "no-renames" else None
    async with editor(repo.root, "vscode", options=OPTIONS, adjust=adjust) as session:
        session.autosave = client != "renames-buffers"
        session.open(MOVED)
        [diagnostic] = await session.wait_codes(MOVED, "MM009")
        actions = await session.code_actions(MOVED, diagnostic.range)
        renumber = actions[0]
        assert isinstance(renumber, types.CodeAction)
        assert renumber.title == "Renumber blog: move 0003_blog_post after 0003_blog_summary"
        assert renumber.command is not None
        if client == "no-renames":
            assert renumber.edit is None
            assert renumber.command.command == "djangoMigrationManifest.resolve"
        else:
            assert renumber.edit is not None
            assert renumber.command.command == "djangoMigrationManifest.stageResolution"
        await session.run_action(renumber)
        session.save_all()
        await session.wait_codes(RENAMED)
        await session.wait_codes(MANIFEST)
    commit_as_a_user(repo, operation)
    check_commit(repo)


async def test_staging_refuses_an_edit_not_applied(git: Git) -> None:
    """The command checks that the editor did rename the files: if not, it stages nothing."""
    repo = diverged_project(git)
    merge_feature(repo)
    before = repo.git("ls-files", "--stage").stdout
    async with editor(repo.root, "vscode", options=OPTIONS) as session:
        session.open(MOVED)
        [diagnostic] = await session.wait_codes(MOVED, "MM009")
        [renumber, _] = await session.code_actions(MOVED, diagnostic.range)
        assert isinstance(renumber, types.CodeAction)
        assert renumber.command is not None
        answer = await session.command(
            renumber.command.command, *(renumber.command.arguments or [])
        )
    assert answer["ok"] is False
    assert answer["message"] == (f"{MOVED} was not renamed to {RENAMED}: nothing was staged")
    assert repo.git("ls-files", "--stage").stdout == before
