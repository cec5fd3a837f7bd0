"""Bad input: binary and undecodable files, a looping link, a huge buffer, a file deleted while
open, a broken configuration, roots that do not exist, documents that are not files. Each is
reported (a diagnostic, or ``window/logMessage``) and survived: the server keeps answering."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from conftest import Git
from lsp_helpers import Editor, editor
from lsp_projects import BLOG, MANIFEST, base_project
from lsprotocol import types

pytestmark = pytest.mark.asyncio

TAG = f"{BLOG}/0002_blog_tag.py"


async def still_answers(session: Editor) -> None:
    """The server is alive and its index usable."""
    info = await session.command("djangoMigrationManifest.showInfo")
    assert info["name"] == "django-migration-manifest"


def logged(session: Editor, text: str) -> bool:
    return any(text in m.message for m in session.client.log_messages)


async def test_binary_undecodable_and_looping_files(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "vscode") as session:
        session.open(TAG)
        await session.wait_indexed()
        (repo.root / BLOG / "0003_binary.py").write_bytes(b"\x00\x01\x02 binary \xff")
        (repo.root / BLOG / "0004_latin.py").write_bytes(b"# caf\xe9\nx = 1\n")
        os.symlink("0005_loop.py", repo.root / BLOG / "0005_loop.py")
        session.notify(
            [
                (f"{BLOG}/{name}", types.FileChangeType.Created)
                for name in ("0003_binary.py", "0004_latin.py", "0005_loop.py")
            ]
        )
        [binary] = await session.wait_codes(f"{BLOG}/0003_binary.py", "MM104")
        assert "NUL bytes" in binary.message
        [latin] = await session.wait_codes(f"{BLOG}/0004_latin.py", "MM104")
        assert "not valid utf-8" in latin.message
        [loop] = await session.wait_codes(f"{BLOG}/0005_loop.py", "MM105")
        assert "cannot be opened" in loop.message
        # opening them: an editor shows replacement characters; the server survives it
        session.open(f"{BLOG}/0003_binary.py", "\x00\x01\x02 binary \ufffd")
        session.open(f"{BLOG}/0004_latin.py", "# caf\ufffd\nx = 1\n")
        await session.wait_for(f"{BLOG}/0003_binary.py", lambda d: d != [])
        await still_answers(session)


async def test_a_huge_buffer_is_not_parsed(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "vscode", options={"maxFileSize": 100_000}) as session:
        text = (repo.root / TAG).read_text()
        session.open(TAG, text)
        await session.wait_indexed()
        huge = text + "#" * 200_000 + "\n"
        session.change(TAG, huge)
        deadline = asyncio.get_running_loop().time() + 10
        while not logged(session, "is more than maxFileSize (100,000)"):
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.02)
        hover = await session.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(session.uri(TAG)), types.Position(8, 12))
        )
        assert hover is None  # the buffer is not read
        session.change(TAG, text.replace("'0001_initial'", "'0009_nope'"))
        await session.wait_for(TAG, lambda d: "MM110" in [x.code for x in d])


async def test_a_file_deleted_while_open(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "vscode") as session:
        text = (repo.root / TAG).read_text().replace("'0001_initial'", "'0009_nope'")
        (repo.root / TAG).write_text(text)
        session.open(TAG, text)
        await session.wait_for(TAG, lambda d: "MM110" in [x.code for x in d])
        session.delete(TAG)
        await session.wait_codes(TAG)
        await session.wait_codes(f"{BLOG}/0001_initial.py")  # a single leaf again
        assert logged(session, f"{TAG} was deleted on disk")
        # typing in the orphaned buffer changes nothing; saving it brings it back
        session.change(TAG, text + "\n")
        await asyncio.sleep(0.2)
        assert session.diagnostics(TAG) == []
        session.write(TAG, text + "\n")
        session.save(TAG)
        await session.wait_for(TAG, lambda d: "MM110" in [x.code for x in d])
        await still_answers(session)


async def test_a_broken_configuration_is_shown_and_its_fix_picked_up(git: Git) -> None:
    repo = base_project(git)
    repo.write("pyproject.toml", "[tool.django-migration-manifest]\nexclude = 'not a list'\n")
    async with editor(repo.root, "vscode") as session:
        session.open(TAG)
        [mistake] = await session.wait_codes("pyproject.toml", "config")
        assert mistake.range.start.line == 1
        assert "exclude" in mistake.message
        assert any("pyproject.toml" in m.message for m in session.client.messages)
        info = await session.command("djangoMigrationManifest.showInfo")
        assert info["projects"][0]["error"].startswith("pyproject.toml")
        session.write("pyproject.toml", "[tool.django-migration-manifest]\nexclude = []\n")
        await session.wait_codes("pyproject.toml")
        text = (repo.root / TAG).read_text()
        session.change(TAG, text.replace("'0001_initial'", "'0009_nope'"))
        await session.wait_for(TAG, lambda d: "MM110" in [x.code for x in d])


async def test_a_root_that_does_not_exist(git: Git, tmp_path: Path) -> None:
    repo = base_project(git)
    options = {"root": str(tmp_path / "nowhere")}
    async with editor(repo.root, "vscode", options=options) as session:
        session.open(TAG)
        await asyncio.sleep(0.3)
        assert any(
            "the project root" in m.message and "does not exist" in m.message
            for m in session.client.messages
        )
        info = await session.command("djangoMigrationManifest.showInfo")
        [project] = info["projects"]
        assert project["root"] == str(tmp_path / "nowhere")
        assert project["error"] == f"{tmp_path / 'nowhere'} is not a folder"
        assert session.diagnostics(TAG) == []
        # correcting the setting indexes the real root
        session.client.set_configuration(
            {"root": str(repo.root)}, section="djangoMigrationManifest"
        )
        session.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        text = (repo.root / TAG).read_text()
        await asyncio.sleep(0.3)
        session.change(TAG, text.replace("'0001_initial'", "'0009_nope'"))
        await session.wait_for(TAG, lambda d: "MM110" in [x.code for x in d])


async def test_a_workspace_folder_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    async with editor(missing, "vscode") as session:
        await asyncio.sleep(0.3)
        info = await session.command("djangoMigrationManifest.showInfo")
        assert info["projects"][0]["error"] == f"{missing} is not a folder"
        answer = await session.command("djangoMigrationManifest.updateManifest")
        assert not answer["ok"]


async def test_documents_that_are_not_files_and_requests_about_nothing(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "vscode") as session:
        session.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem("untitled:Untitled-1", "python", 1, "x = (")
            )
        )
        unknown = types.TextDocumentIdentifier("file:///nowhere/migrations/0001_x.py")
        hover = await session.client.text_document_hover_async(
            types.HoverParams(unknown, types.Position(0, 0))
        )
        assert hover is None
        actions = await session.client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier("untitled:Untitled-1"),
                types.Range(types.Position(0, 0), types.Position(0, 1)),
                types.CodeActionContext(diagnostics=[]),
            )
        )
        assert actions is None
        answer = await session.command("djangoMigrationManifest.resolve", "not an object", 42)
        assert answer["ok"] is False
        session.client.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(session.uri(MANIFEST)))
        )
        await still_answers(session)
