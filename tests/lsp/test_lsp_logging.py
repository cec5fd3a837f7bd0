"""The server's log in the editor: each message once (sent as ``window/logMessage``, not also on
stderr, which editors show in the same log), at its level; a deliberate stop logs no error."""

from __future__ import annotations

import asyncio

import pytest
from conftest import Git
from lsp_helpers import editor
from lsp_projects import BLOG, base_project, diverged_project, merge_feature
from lsprotocol import types

pytestmark = pytest.mark.asyncio


async def test_each_message_once_at_its_level(git: Git, capfd: pytest.CaptureFixture[str]) -> None:
    repo = base_project(git)
    async with editor(repo.root, "vscode", options={"debounce": "soon"}) as session:
        session.open(f"{BLOG}/0002_blog_tag.py")
        await session.wait_indexed()
        await asyncio.sleep(0.2)
        received = [m for m in session.client.log_messages if "debounce" in m.message]
    [warning] = received
    assert warning.type == types.MessageType.Warning
    stderr = capfd.readouterr().err
    assert "debounce" not in stderr  # not a second time, through stderr
    assert "initialize from" in stderr  # what the client was not sent stays on stderr


async def test_stopping_mid_work_logs_no_error(git: Git, capfd: pytest.CaptureFixture[str]) -> None:
    repo = diverged_project(git)
    merge_feature(repo)
    async with editor(repo.root, "vscode") as session:
        session.open(f"{BLOG}/0003_blog_post.py")
        await session.wait_codes(f"{BLOG}/0003_blog_post.py", "MM009")
        # the fixes are being planned in the background: stop now, as a restart does
    errors = [m for m in session.client.log_messages if m.type == types.MessageType.Error]
    assert errors == []
    assert " ERROR " not in capfd.readouterr().err


async def test_a_shown_message_is_logged_whatever_the_log_level(git: Git) -> None:
    # editors log window/showMessage from window/logMessage only (VS Code's extension does): a
    # message shown to the user reaches the log even when the log level leaves Info out
    repo = base_project(git)
    async with editor(repo.root, "vscode", options={"logLevel": "warning"}) as session:
        session.open(f"{BLOG}/0002_blog_tag.py")
        await session.wait_indexed()
        await session.command("djangoMigrationManifest.showInfo")
        await asyncio.sleep(0.2)
        shown = [m.message for m in session.client.messages]
        logged = [(m.type, m.message) for m in session.client.log_messages]
    [info] = shown
    assert (types.MessageType.Info, info) in logged
    # what was not shown still follows the log level
    assert not [m for m in logged if m[0] == types.MessageType.Info and m[1] != info]


async def test_a_late_cancellation_is_no_warning(
    git: Git, capfd: pytest.CaptureFixture[str]
) -> None:
    # editors cancel requests that were answered already (VS Code does it on every restart): routine
    repo = base_project(git)
    async with editor(repo.root, "vscode") as session:
        session.open(f"{BLOG}/0002_blog_tag.py")
        await session.wait_indexed()
        session.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=424242))
        await session.command("djangoMigrationManifest.showInfo")  # the cancellation was read
    stderr = capfd.readouterr().err
    assert "424242" not in stderr
    assert " WARNING " not in stderr
