"""The protocol per client: pushed or pulled diagnostics (never both), dynamic registration of
file watchers, indexing progress, the commands, ``--tcp``, and first diagnostics of an opened
file before the index is complete."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Git
from lsp_helpers import editor
from lsp_projects import BLOG, MANIFEST, base_project, diverged_project, merge_feature
from lsprotocol import types

pytestmark = pytest.mark.asyncio

TAG = f"{BLOG}/0002_blog_tag.py"
BROKEN = "('blog', '0009_nope')"


def break_dependency(root: Path) -> str:
    text = (root / TAG).read_text()
    return text.replace("('blog', '0001_initial')", BROKEN)


async def test_vscode_gets_pushed_diagnostics_and_no_pull_provider(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "vscode") as session:
        assert session.initialize_result is not None
        capabilities = session.initialize_result.capabilities
        assert capabilities.diagnostic_provider is None
        assert session.initialize_result.server_info is not None
        assert session.initialize_result.server_info.name == "django-migration-manifest"
        session.open(TAG, break_dependency(repo.root))
        await session.wait_for(TAG, lambda d: "MM110" in [x.code for x in d])


async def test_neovim_011_pulls_and_is_never_pushed_to(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "neovim-0.11") as session:
        assert session.initialize_result is not None
        provider = session.initialize_result.capabilities.diagnostic_provider
        assert isinstance(provider, types.DiagnosticOptions)
        assert provider.inter_file_dependencies
        # utf-8 is Neovim's first choice
        assert session.initialize_result.capabilities.position_encoding == "utf-8"
        session.open(TAG, break_dependency(repo.root))
        report = await session.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(types.TextDocumentIdentifier(session.uri(TAG)))
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        codes = sorted(str(d.code) for d in report.items)
        assert codes == ["MM009", "MM110"]  # 0001_initial is a leaf again
        again = await session.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(
                types.TextDocumentIdentifier(session.uri(TAG)), previous_result_id=report.result_id
            )
        )
        assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
        workspace = await session.client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(previous_result_ids=[])
        )
        uris = {item.uri for item in workspace.items}
        assert session.uri(f"{BLOG}/0001_initial.py") in uris  # the other leaf, not open
        await asyncio.sleep(0.3)
        assert session.published == []  # never both


async def test_a_workspace_pull_clears_files_whose_problems_are_gone(git: Git) -> None:
    """A file left out of a workspace report keeps its old problems in the client: every file
    the client holds a result for gets a new report, empty once the problem is fixed."""
    repo = base_project(git)
    async with editor(repo.root, "neovim-0.11") as session:
        original = (repo.root / TAG).read_text()
        session.open(TAG, break_dependency(repo.root))
        await session.wait_indexed()
        first = await session.client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(previous_result_ids=[])
        )
        leaf = session.uri(f"{BLOG}/0001_initial.py")  # a second leaf, and not open
        [before] = [item for item in first.items if item.uri == leaf]
        assert isinstance(before, types.WorkspaceFullDocumentDiagnosticReport)
        assert [str(d.code) for d in before.items] == ["MM009"]
        session.change(TAG, original)  # fixed: one leaf again
        await session.pull(TAG)
        held = [
            types.PreviousResultId(uri=item.uri, value=item.result_id or "")
            for item in first.items
            if isinstance(item, types.WorkspaceFullDocumentDiagnosticReport)
        ]
        second = await session.client.workspace_diagnostic_async(
            types.WorkspaceDiagnosticParams(previous_result_ids=held)
        )
        [after] = [item for item in second.items if item.uri == leaf]
        assert isinstance(after, types.WorkspaceFullDocumentDiagnosticReport)
        assert list(after.items) == []


async def test_watchers_are_registered_dynamically_and_indexing_reports_progress(
    git: Git,
) -> None:
    repo = base_project(git)
    async with editor(repo.root, "vscode") as session:
        session.open(TAG)
        await session.wait_indexed()
        methods = [r.method for r in session.registrations]
        assert methods == ["workspace/didChangeWatchedFiles", "workspace/didChangeConfiguration"]
        options = session.registrations[0].register_options
        assert isinstance(options, dict)
        globs = [w["globPattern"] for w in options["watchers"]]
        assert globs == [
            "**/migrations/*.py",
            "**/migrations",
            "**/apps.py",
            "**/pyproject.toml",
            "**/migrations.toml",
        ]
        [(token, reports)] = list(session.client.progress_reports.items())
        assert str(token).startswith("djangoMigrationManifest/")
        assert [type(r).__name__ for r in reports] == [
            "WorkDoneProgressBegin",
            "WorkDoneProgressEnd",
        ]
        assert isinstance(reports[0], types.WorkDoneProgressBegin)
        assert reports[0].title == "Indexing migrations"
        assert isinstance(reports[1], types.WorkDoneProgressEnd)
        assert reports[1].message == "2 apps, 3 migrations"


async def test_neovim_07_has_no_watcher_so_the_server_scans(git: Git) -> None:
    """Neovim 0.7 cannot watch files: the server looks at the migration folders itself."""
    repo = diverged_project(git)
    async with editor(repo.root, "neovim", options={"pollInterval": 0.2}) as session:
        session.open(f"{BLOG}/0003_blog_summary.py")
        await session.wait_indexed()
        assert session.registrations == []
        merge_feature(repo)  # nobody tells the server
        await session.wait_codes(f"{BLOG}/0003_blog_summary.py", "MM009")
        await session.wait_codes(MANIFEST, "MM002")
        info = await session.command("djangoMigrationManifest.showInfo")
        assert info["watching_files"] == "scan every 0.2 s"


async def test_save_is_a_backstop(git: Git) -> None:
    """Without a watcher or scans, saving a migration re-reads its folder."""
    repo = diverged_project(git)
    async with editor(repo.root, "neovim", options={"pollInterval": 0}) as session:
        path = f"{BLOG}/0003_blog_summary.py"
        session.open(path)
        await session.wait_indexed()
        merge_feature(repo)
        await asyncio.sleep(0.3)
        assert session.diagnostics(path) == []
        session.save(path)
        await session.wait_codes(path, "MM009")


async def test_show_info_command(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "vscode") as session:
        session.open(TAG)
        await session.wait_indexed()
        info = await session.command("djangoMigrationManifest.showInfo")
        assert info["name"] == "django-migration-manifest"
        assert info["version"] == info["manifest_core"]
        assert info["pygls"].startswith("2.")
        assert info["diagnostics"] == "push"
        assert info["position_encoding"] == "utf-16"
        [project] = info["projects"]
        assert project["root"] == str(repo.root)
        assert (project["apps"], project["migrations"], project["ready"]) == (2, 3, True)
        assert project["default_branch"] == "main"
        assert project["settings"]["lint"]["enabled"] is True
        assert any(
            m.message.startswith("django-migration-manifest 0.1.0") for m in session.client.messages
        )
        reindexed = await session.command("djangoMigrationManifest.reindex")
        assert reindexed["projects"][0]["migrations"] == 3


def no_apply_edit(capabilities: types.ClientCapabilities) -> None:
    assert capabilities.workspace is not None
    capabilities.workspace.apply_edit = False


@pytest.mark.parametrize("through", ["applyEdit", "disk"])
async def test_update_manifest_command(git: Git, through: str) -> None:
    repo = base_project(git)
    adjust = no_apply_edit if through == "disk" else None
    async with editor(repo.root, "vscode", adjust=adjust) as session:
        session.open(TAG)
        repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
        session.notify([(f"{BLOG}/0003_blog_post.py", types.FileChangeType.Created)])
        await session.wait_codes(MANIFEST, "MM007")
        answer = await session.command("djangoMigrationManifest.updateManifest")
        assert answer == {
            "ok": True,
            "message": "Updated migrations.toml: blog: 0002_blog_tag -> 0003_blog_post",
            "changes": ["blog: 0002_blog_tag -> 0003_blog_post"],
        }
        assert len(session.applied) == (1 if through == "applyEdit" else 0)
        await session.wait_codes(MANIFEST)
        assert 'head = "0003_blog_post"' in repo.read(MANIFEST)
        again = await session.command("djangoMigrationManifest.updateManifest")
        assert again["message"] == "migrations.toml is already up to date"


async def test_tcp_transport(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "lsp_server", "--tcp", "--port", str(port)],
        stderr=subprocess.PIPE,
    )
    try:
        reader = writer = None
        deadline = time.monotonic() + 20
        while reader is None:
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)
        assert writer is not None
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}},
            }
        ).encode()
        writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        await writer.drain()
        answer = await asyncio.wait_for(read_message(reader), 20)
        assert answer["id"] == 1
        assert answer["result"]["serverInfo"]["name"] == "django-migration-manifest"
        writer.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


async def read_message(reader: asyncio.StreamReader) -> Any:
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(await reader.readexactly(length))


async def test_first_diagnostics_of_the_opened_file_come_before_the_index_is_complete(
    tmp_path: Path,
) -> None:
    """On a repository big enough to take a while to index, the file the editor opens gets its
    diagnostics first, from its own app."""
    from bench.synth import generate_repo

    root = tmp_path / "big"
    generate_repo(root, 40, 100, 2025)
    path = "app_007/migrations/0050_conflict.py"
    text = next((root / "app_007/migrations").glob("0050_*.py")).read_text()
    (root / path).write_text(text)  # a second leaf in app_007, and a stale manifest
    async with editor(root, "vscode") as session:
        uri = session.open(path)
        await session.wait_for(path, lambda d: "MM009" in [x.code for x in d])
        first = next(t for t, u, _, d in session.published if u == uri and d)
        ended = await session.wait_indexed()
        assert first < ended
