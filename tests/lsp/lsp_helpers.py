"""A test editor for the language server: pytest-lsp's client over real stdio, with the
capabilities of a real editor, doing what that editor does with files and workspace edits.

:class:`Editor` starts ``python -m lsp_server`` as a subprocess, initializes it with one of
pytest-lsp's recorded capability profiles (VS Code, Neovim, Emacs), answers the server's
requests as that editor would (``client/registerCapability``, ``workspace/configuration``,
``workspace/applyEdit``...) and, like an editor whose file watcher is registered, tells the server
about files written behind its back, only when the server registered a watcher.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, Union

from lsprotocol import types
from pygls import uris
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

#: Client profiles: pytest-lsp's recorded capabilities of real editors.
PROFILES = {
    "vscode": "visual-studio-code@v1.65.2",
    "neovim": "neovim@v0.7.0",
    "emacs": "emacs@v29.1",
    "neovim-0.11": "neovim@v0.11.0",
}

#: What the Emacs snippet (editors/emacs/django-migration-manifest.el) sends.
EMACS_OPTIONS: dict[str, Any] = {
    "lint": {"enabled": True, "ignore": ["unknown-operation"]},
    "codeLens": True,
    "hover": True,
}

TIMEOUT = 30.0


def uri_of(root: Path, path: str) -> str:
    uri = uris.from_fs_path(str(root / path))
    assert uri is not None
    return str(uri)


class Editor:
    """One editor session against one project folder."""

    def __init__(self, client: LanguageClient, root: Path, profile: str) -> None:
        self.client = client
        self.root = root
        self.profile = profile
        self.versions: dict[str, int] = {}
        #: The text of each open buffer.
        self.texts: dict[str, str] = {}
        self.registrations: list[types.Registration] = []
        self.applied: list[types.WorkspaceEdit] = []
        self.lens_refreshes = 0
        #: Every publishDiagnostics received: (time, uri, version, diagnostics).
        self.published: list[tuple[float, str, int | None, list[types.Diagnostic]]] = []
        self.initialize_result: types.InitializeResult | None = None
        #: Whether applying a workspace edit saves the files it changes (VS Code's refactoring
        #: auto-save); without it, the edits stay in (opened) buffers until :meth:`save_all`.
        self.autosave = True
        #: Buffers with edits not saved yet.
        self.dirty: set[str] = set()

    # -- what the editor supports --
    @property
    def capabilities(self) -> types.ClientCapabilities:
        assert self.client.capabilities is not None
        return self.client.capabilities

    @property
    def watching(self) -> bool:
        return any(r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in self.registrations)

    # -- documents --
    def uri(self, path: str) -> str:
        return uri_of(self.root, path)

    def open(self, path: str, text: str | None = None) -> str:
        text = (self.root / path).read_text(encoding="utf-8") if text is None else text
        self.versions[path] = 1
        self.texts[path] = text
        language = "toml" if path.endswith(".toml") else "python"
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(self.uri(path), language, 1, text)
            )
        )
        return self.uri(path)

    def change(self, path: str, text: str) -> int:
        """Replace the buffer's text (a full-text change); returns the new version."""
        self.versions[path] += 1
        self.texts[path] = text
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(
                    uri=self.uri(path), version=self.versions[path]
                ),
                [types.TextDocumentContentChangeWholeDocument(text)],
            )
        )
        return self.versions[path]

    def edit(self, path: str, range_: types.Range, text: str) -> int:
        """An incremental change, as editors send while typing."""
        self.versions[path] += 1
        self.texts[path] = apply_text_edits(
            self.texts[path], [types.TextEdit(range_, text)], self.encoding
        )
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(
                    uri=self.uri(path), version=self.versions[path]
                ),
                [types.TextDocumentContentChangePartial(range_, text)],
            )
        )
        return self.versions[path]

    def save(self, path: str, text: str | None = None) -> None:
        if text is not None:
            (self.root / path).write_text(text, encoding="utf-8")
        self.client.text_document_did_save(
            types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(self.uri(path)))
        )

    def close(self, path: str) -> None:
        self.versions.pop(path, None)
        self.texts.pop(path, None)
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(self.uri(path)))
        )

    # -- the disk, as a file watcher reports it --
    def notify(self, changes: Sequence[tuple[str, types.FileChangeType]]) -> None:
        """Report files changed on disk, as the editor does: an open (unmodified) buffer is
        reloaded, and the watcher, if the server registered one, sends the events."""
        for path, kind in changes:
            if kind == types.FileChangeType.Changed and path in self.versions:
                self.change(path, (self.root / path).read_text(encoding="utf-8"))
        if not self.watching or not changes:
            return
        self.client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                [types.FileEvent(self.uri(path), kind) for path, kind in changes]
            )
        )

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        kind = types.FileChangeType.Changed if target.exists() else types.FileChangeType.Created
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        self.notify([(path, kind)])

    def delete(self, path: str) -> None:
        (self.root / path).unlink()
        self.notify([(path, types.FileChangeType.Deleted)])

    # -- diagnostics --
    def diagnostics(self, path: str) -> list[types.Diagnostic]:
        return list(self.client.diagnostics.get(self.uri(path), []))

    async def wait_for(
        self,
        path: str,
        predicate: Callable[[list[types.Diagnostic]], bool],
        timeout: float = TIMEOUT,
    ) -> list[types.Diagnostic]:
        """Wait until the diagnostics the server pushed for ``path`` satisfy ``predicate``."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.diagnostics(path)
            if predicate(found):
                return found
            if time.monotonic() > deadline:
                codes = [(d.code, d.range.start.line, d.message[:60]) for d in found]
                raise AssertionError(f"{path}: diagnostics never matched; last: {codes}")
            await asyncio.sleep(0.02)

    async def wait_codes(
        self, path: str, *codes: str, timeout: float = TIMEOUT
    ) -> list[types.Diagnostic]:
        """Wait until ``path``'s diagnostics have exactly these codes (any order, with repeats)."""
        wanted = sorted(codes)
        return await self.wait_for(
            path, lambda found: sorted(str(d.code) for d in found) == wanted, timeout
        )

    async def wait_indexed(self, timeout: float = TIMEOUT) -> float:
        """Wait until the server reports indexing done (its work-done progress ends); when."""
        deadline = time.monotonic() + timeout
        while True:
            for reports in self.client.progress_reports.values():
                if any(isinstance(r, types.WorkDoneProgressEnd) for r in reports):
                    return time.monotonic()
            if time.monotonic() > deadline:
                raise AssertionError("indexing never ended")
            await asyncio.sleep(0.005)

    async def pull(self, path: str) -> list[types.Diagnostic]:
        report = await self.client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(types.TextDocumentIdentifier(self.uri(path)))
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        return list(report.items)

    # -- code actions and commands --
    async def code_actions(
        self, path: str, range_: types.Range, only: list[str] | None = None
    ) -> list[types.CodeAction | types.Command]:
        diagnostics = [d for d in self.diagnostics(path) if _overlap(d.range, range_)]
        result = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                types.TextDocumentIdentifier(self.uri(path)),
                range_,
                types.CodeActionContext(diagnostics=diagnostics, only=only),
            )
        )
        return list(result or [])

    async def command(self, command: str, *arguments: Any) -> Any:
        return await self.client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=command, arguments=list(arguments))
        )

    async def run_action(self, action: types.CodeAction | types.Command) -> None:
        """What the editor does when the user picks an action: apply its edit, then run its
        command."""
        if isinstance(action, types.Command):
            await self.command(action.command, *(action.arguments or []))
            return
        assert action.disabled is None, action.disabled
        if action.edit is not None:
            self.apply(action.edit)
        if action.command is not None:
            await self.command(action.command.command, *(action.command.arguments or []))

    def apply(self, edit: types.WorkspaceEdit) -> None:
        """Apply a workspace edit as an editor with auto-save does: text edits to the files
        (open buffers change and are saved), then renames and creates, in order; the file
        watcher reports what changed on disk."""
        self.applied.append(edit)
        self._check_allowed(edit)
        events: list[tuple[str, types.FileChangeType]] = []
        if edit.document_changes is not None:
            for change in edit.document_changes:
                if isinstance(change, types.TextDocumentEdit):
                    path = self._path(change.text_document.uri)
                    self._edit_file(path, list(change.edits), events)
                elif isinstance(change, types.RenameFile):
                    old, new = self._path(change.old_uri), self._path(change.new_uri)
                    assert not (self.root / new).exists(), f"{new} exists"
                    os.rename(self.root / old, self.root / new)
                    events += [
                        (old, types.FileChangeType.Deleted),
                        (new, types.FileChangeType.Created),
                    ]
                    if old in self.versions:  # the buffer follows its file, unsaved edits too
                        text = self.texts[old]
                        self.close(old)
                        self.open(new, text)
                        if old in self.dirty:
                            self.dirty.discard(old)
                            self.dirty.add(new)
                elif isinstance(change, types.CreateFile):
                    path = self._path(change.uri)
                    assert not (self.root / path).exists(), f"{path} exists"
                    (self.root / path).write_text("", encoding="utf-8")
                    events.append((path, types.FileChangeType.Created))
                else:
                    raise AssertionError(f"unexpected change {change}")
        for uri, edits in (edit.changes or {}).items():
            self._edit_file(self._path(uri), list(edits), events)
        self.notify(events)

    def _check_allowed(self, edit: types.WorkspaceEdit) -> None:
        workspace = self.capabilities.workspace
        workspace_edit = workspace.workspace_edit if workspace is not None else None
        operations = {
            str(getattr(o, "value", o))
            for o in (workspace_edit and workspace_edit.resource_operations) or []
        }
        if edit.document_changes is not None:
            declared = workspace_edit is not None and workspace_edit.document_changes
            assert declared, "documentChanges sent to a client that does not declare them"
            for change in edit.document_changes:
                kind = getattr(change, "kind", None)
                if kind is not None:
                    assert kind in operations, f"{kind} sent to a client that does not declare it"

    def _edit_file(
        self,
        path: str,
        edits: Sequence[types.TextEdit | types.AnnotatedTextEdit | types.SnippetTextEdit],
        events: list[tuple[str, types.FileChangeType]],
    ) -> None:
        target = self.root / path
        if path in self.texts:  # an open buffer is what the edit applies to
            text = self.texts[path]
        else:
            text = target.read_text(encoding="utf-8") if target.exists() else ""
        text = apply_text_edits(text, edits, self.encoding)
        if not self.autosave:  # the edit lands in a buffer, opened for it if need be
            if path not in self.versions:
                self.open(path, target.read_text(encoding="utf-8") if target.exists() else "")
            self.change(path, text)
            self.dirty.add(path)
            return
        target.write_text(text, encoding="utf-8")
        events.append((path, types.FileChangeType.Changed))
        if path in self.versions:
            self.change(path, text)
            self.save(path)

    def save_all(self) -> None:
        """Save every buffer with unsaved edits (``:wa``, File > Save All)."""
        for path in sorted(self.dirty):
            self.save(path, self.texts[path])
        self.dirty.clear()

    @property
    def encoding(self) -> str:
        general = self.capabilities.general
        encodings = [str(e) for e in (general.position_encodings or [])] if general else []
        for encoding in encodings:
            if encoding in ("utf-8", "utf-16", "utf-32"):
                return encoding
        return "utf-16"

    def _path(self, uri: str) -> str:
        path = uris.to_fs_path(uri)
        assert path is not None
        return Path(path).relative_to(self.root).as_posix()


def _overlap(a: types.Range, b: types.Range) -> bool:
    return (a.start.line, a.start.character) <= (b.end.line, b.end.character) and (
        b.start.line,
        b.start.character,
    ) <= (a.end.line, a.end.character)


def _offset(lines: list[str], position: types.Position, encoding: str) -> int:
    offset = sum(len(line) for line in lines[: position.line])
    if position.line >= len(lines):
        return offset
    line = lines[position.line]
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return offset + index
        if encoding == "utf-8":
            units += len(char.encode("utf-8"))
        elif encoding == "utf-16":
            units += 2 if ord(char) > 0xFFFF else 1
        else:
            units += 1
    return offset + len(line)


def apply_text_edits(
    text: str,
    edits: Sequence[types.TextEdit | types.AnnotatedTextEdit | types.SnippetTextEdit],
    encoding: str = "utf-16",
) -> str:
    """Apply LSP text edits (positions in ``encoding`` code units) to ``text``."""
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    located = []
    for edit in edits:
        assert isinstance(edit, types.TextEdit), f"unexpected edit {edit}"
        start = _offset(lines, edit.range.start, encoding)
        located.append((start, _offset(lines, edit.range.end, encoding), edit.new_text))
    located.sort(reverse=True)
    for start, end, new in located:
        text = text[:start] + new + text[end:]
    return text


@contextlib.asynccontextmanager
async def editor(
    root: Path,
    profile: str = "vscode",
    *,
    options: dict[str, Any] | None = None,
    configuration: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    adjust: Callable[[types.ClientCapabilities], None] | None = None,
    folder: Path | None = None,
) -> AsyncIterator[Editor]:
    """An initialized server, driven by an editor with ``profile``'s capabilities (changed by
    ``adjust``), with ``folder`` (default: ``root``) as its workspace folder."""
    client = make_test_lsp_client()
    session = Editor(client, root, profile)
    if configuration is not None:
        client.set_configuration(configuration, section="djangoMigrationManifest")

    def register(params: types.RegistrationParams) -> None:
        session.registrations.extend(params.registrations)

    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        session.apply(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    def code_lens_refresh(params: None) -> None:
        session.lens_refreshes += 1

    default_publish = client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def publish(params: types.PublishDiagnosticsParams) -> None:
        session.published.append(
            (time.monotonic(), params.uri, params.version, list(params.diagnostics))
        )
        default_publish(params)

    client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    client.feature(types.CLIENT_REGISTER_CAPABILITY)(register)
    client.feature(types.WORKSPACE_APPLY_EDIT)(apply_edit)
    client.feature(types.WORKSPACE_CODE_LENS_REFRESH)(code_lens_refresh)

    converter = client.protocol._converter

    def code_action_or_command(data: Any, _: type) -> types.Command | types.CodeAction:
        # lsprotocol reads any object with a "command" key as a Command, which loses code
        # actions that carry a command; a Command's "command" is a string.
        if isinstance(data.get("command"), str):
            return converter.structure(data, types.Command)
        return converter.structure(data, types.CodeAction)

    converter.register_structure_hook(
        Union[types.Command, types.CodeAction],  # noqa: UP007 (a typing form, not a type)
        code_action_or_command,
    )

    repository = str(Path(__file__).resolve().parents[2])  # the server, installed or not
    environment = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [repository, os.environ.get("PYTHONPATH")])),
        **(env or {}),
    }
    await client.start_io(sys.executable, "-m", "lsp_server", env=environment)
    capabilities = client_capabilities(PROFILES[profile])
    if adjust is not None:
        adjust(capabilities)
    workspace = folder or root
    item = types.WorkspaceFolder(uri=uri_of(workspace, "").rstrip("/"), name=workspace.name)
    session.initialize_result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=item.uri,
            workspace_folders=[item],
            initialization_options=options,
        )
    )
    try:
        yield session
    finally:
        await client.shutdown_session()
        await client.stop()  # type: ignore[no-untyped-call]
