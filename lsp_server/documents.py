"""Open documents: what the client opens, edits, saves and closes, and files changed on disk. Edits
are debounced per document and computed on the project's worker thread from the text and version
they started with; the edited file's diagnostics go first.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls import uris
from pygls.workspace import TextDocument

from manifest_core.index import Change

from .diagnostics import Renderer
from .project import FileReport, ProjectState
from .quick import quick_report

if TYPE_CHECKING:
    from .delivery import Rendered
    from .server import MigrationServer


@dataclass
class Document:
    """An open document, as the event loop tracks it."""

    uri: str
    path: str | None  #: relative to its project's root; ``None`` outside every project
    state: ProjectState | None
    version: int | None
    timer: asyncio.TimerHandle | None = None
    task: asyncio.Task[None] | None = None
    pending: bool = False
    warned_large: bool = False
    #: Set once ``didOpen`` is handled (requests about the document wait for it).
    opened: asyncio.Event | None = None
    #: When the last edit arrived (the event loop's clock).
    last_change: float = float("-inf")


async def did_open(server: MigrationServer, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    # known at once: edits may arrive while the projects are still being set up
    document = server.documents[item.uri] = Document(item.uri, None, None, item.version)
    document.opened = asyncio.Event()
    # sent again once open, even if unchanged: clients such as eglot and Neovim drop what
    # was pushed for a file they had not opened
    server.published.pop(item.uri, None)
    try:
        await server._open(document)
    finally:
        document.opened.set()


async def open_document(server: MigrationServer, document: Document) -> None:
    uri = document.uri
    if server._roots_ready is not None:
        await server._roots_ready.wait()
    if server.documents.get(uri) is not document:
        return  # closed meanwhile
    state, path = server.project_of(uri)
    if state is None and uris.to_fs_path(uri) is not None and _ours(uri):
        folder = os.path.dirname(uris.to_fs_path(uri) or "")
        state = server._project_for_folder(folder)  # a file outside every workspace folder
        state, path = server.project_of(uri)
    document.state, document.path = state, path
    if state is None or path is None:
        return
    if not state.ready and not server.pull:
        report = await server._quick(state, path, document)
        if report is not None and not state.ready:
            server._deliver(
                state, server._render(state, server.renderer(state), [report]), quick=True
            )
    server._start(document)


async def quick(
    server: MigrationServer, state: ProjectState, path: str, document: Document | None
) -> FileReport | None:
    if document is None:
        return None
    text = server._text(document.uri)
    if text is None or len(text) > state.settings.max_file_size:
        return None
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(
            server.quick,
            functools.partial(
                quick_report, state.root, path, text, document.version, state.settings
            ),
        )
    except Exception as exc:
        server.log(
            logging.WARNING, f"{path}: first diagnostics failed ({type(exc).__name__}: {exc})"
        )
        return None


def text(server: MigrationServer, uri: str) -> str | None:
    try:
        document: TextDocument = server.workspace.get_text_document(uri)
        return document.source
    except Exception:
        return None


def did_change(server: MigrationServer, params: types.DidChangeTextDocumentParams) -> None:
    document = server.documents.get(params.text_document.uri)
    if document is None:
        return
    document.version = params.text_document.version
    if document.state is None:
        return
    # Debounced on the leading edge: an edit after a quiet moment is computed at once, the
    # edits of a burst (closer than ``debounce``) once it pauses, and edits arriving while
    # a computation runs are folded into the next one (see _start).
    delay = document.state.settings.debounce_ms / 1000
    loop = asyncio.get_running_loop()
    now = loop.time()
    quiet = now - document.last_change >= delay
    document.last_change = now
    if document.timer is not None:
        document.timer.cancel()
        document.timer = None
    if quiet:
        server._start(document)
    else:
        document.timer = loop.call_later(delay, server._start, document)


def start(server: MigrationServer, document: Document) -> None:
    document.timer = None
    if document.task is not None and not document.task.done():
        document.pending = True
        return
    document.task = asyncio.ensure_future(server._sync(document))


async def sync(server: MigrationServer, document: Document) -> None:
    """Give the worker the document's newest text, then send what changed; repeat while
    edits arrived meanwhile."""
    state, path = document.state, document.path
    if state is None or path is None:
        return
    while True:
        document.pending = False
        text = server._text(document.uri)
        if text is None or server.documents.get(document.uri) is not document:
            return
        version = document.version
        if len(text) > state.settings.max_file_size and not document.warned_large:
            document.warned_large = True
            server.log(
                logging.WARNING,
                f"{path}: {len(text):,} characters is more than "
                f"maxFileSize ({state.settings.max_file_size:,}): the buffer is not "
                "parsed or linted; the file on disk is indexed",
            )
        renderer = server.renderer(state)

        def job(
            text: str = text, version: int | None = version, renderer: Renderer = renderer
        ) -> tuple[Change, Rendered]:
            change = state.set_text(path, text, version)
            report = state.reports(Change(), [path])  # the edited file first
            return change, server._render(state, renderer, report)

        outcome = await server.run(state, job)
        if outcome is None:
            return
        change, rendered = outcome
        server._deliver(state, rendered)

        def others(change: Change = change, renderer: Renderer = renderer) -> Rendered:
            """Then the files the edit changed for the others (the other leaf...)."""
            return server._render(state, renderer, state.reports(change, skip=[path]))

        if change.apps or change.manifest or change.reloaded or state.affects_others(path):
            server._deliver(state, await server.run(state, others))
        if not document.pending:
            return


async def flush(server: MigrationServer, uri: str) -> None:
    """Wait until the worker has the document's newest text."""
    document = server.documents.get(uri)
    if document is None:
        return
    if document.opened is not None and not document.opened.is_set():
        await document.opened.wait()
    if document.timer is not None:
        document.timer.cancel()
        server._start(document)
    while document.task is not None and not document.task.done():
        await asyncio.shield(document.task)


async def did_save(server: MigrationServer, params: types.DidSaveTextDocumentParams) -> None:
    """A backstop for clients that do not report file changes: re-read the saved file and
    its folder, then look for cycles through several apps."""
    uri = params.text_document.uri
    state, path = await server._state_for(uri)
    if state is None or path is None:
        return
    await server._flush(uri)
    renderer = server.renderer(state)

    def job() -> Rendered:
        changed, deleted = _folder_changes(state, path)
        change = state.refresh([path, *changed], deleted)
        return server._render(state, renderer, state.reports(change, [path]))

    server._deliver(state, await server.run(state, job))
    server._lenses_changed()
    server._schedule_cycles(state)


async def did_close(server: MigrationServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    document = server.documents.pop(uri, None)
    if document is None or document.state is None or document.path is None:
        return
    if document.timer is not None:
        document.timer.cancel()
    state, path = document.state, document.path
    renderer = server.renderer(state)

    def job() -> Rendered:
        change = state.set_text(path, None)
        # what stays: the project's problems in that file, not its linting
        return server._render(state, renderer, state.reports(change, [path]))

    server._deliver(state, await server.run(state, job))


async def did_change_watched_files(
    server: MigrationServer, params: types.DidChangeWatchedFilesParams
) -> None:
    """Files changed on disk (``makemigrations`` in a terminal, ``git checkout``...)."""
    grouped: dict[str, tuple[ProjectState, list[str], list[str]]] = {}
    for event in params.changes:
        state, path = server.project_of(event.uri)
        if state is None or path is None:
            continue
        entry = grouped.setdefault(state.root, (state, [], []))
        (entry[2] if event.type == types.FileChangeType.Deleted else entry[1]).append(path)
    for state, changed, deleted in grouped.values():
        await server._refresh(state, changed, deleted)


async def refresh(
    server: MigrationServer, state: ProjectState, changed: list[str], deleted: list[str]
) -> None:
    if not state.ready:
        await server._wait_loaded(state)
    renderer = server.renderer(state)

    def job() -> Rendered:
        change = state.refresh(changed, deleted)
        return server._render(state, renderer, state.reports(change))

    server._deliver(state, await server.run(state, job))
    server._lenses_changed()


def _ours(uri: str) -> bool:
    """Whether a document outside every workspace folder is worth indexing its project for."""
    path = uris.to_fs_path(uri) or ""
    folder, name = os.path.split(path)
    return name == "migrations.toml" or (
        name.endswith(".py") and os.path.basename(folder) == "migrations"
    )


def _folder_changes(state: ProjectState, path: str) -> tuple[list[str], list[str]]:
    """Modules that appeared in, or vanished from, the folder of a saved migration."""
    index = state.index
    if index is None:
        return [], []
    folder = path.rpartition("/")[0]
    try:
        names = os.listdir(os.path.join(state.root, folder))
    except OSError:
        return [], []
    present = {f"{folder}/{n}" for n in names if n.endswith(".py") and n[0] not in "_~"}
    known = {p for p in index.decls if p.rpartition("/")[0] == folder}
    return sorted(present - known), sorted(known - present)
