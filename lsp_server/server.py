"""The language server: LSP messages in, work for the projects' worker threads, results out.

Threads:

* the **event loop** (pygls) reads messages, keeps the open documents (pygls applies the
  incremental changes), debounces edits and sends everything the client receives;
* each **project** has one worker thread that owns its index and lint sessions (see
  :mod:`lsp_server.project`): indexing, edits, diagnostics, code actions, hovers all run there,
  in order;
* one **quick** thread computes the first diagnostics of a file opened while its project is
  still being indexed (:mod:`lsp_server.quick`).

Edits are debounced per document (``debounce`` milliseconds). Each computation takes the
document's text and version when it starts; a result whose version is no longer the document's
is dropped, and the newest text is computed next. Diagnostics are pushed
(``textDocument/publishDiagnostics``) unless the client declares pull support
(``textDocument.diagnostic``), in which case they are only pulled, never both.

This module is the protocol layer: the server's state, the handlers pygls calls (each one line,
into the module that does the work) and what every part shares (logging, the worker threads,
the client's capabilities). The work, one job per module:

* :mod:`lsp_server.documents`: open documents, edits, saves, closes, files changed on disk;
* :mod:`lsp_server.folders`: workspace folders, settings, file watchers, indexing;
* :mod:`lsp_server.delivery`: diagnostics pushed or pulled;
* :mod:`lsp_server.scheduling`: background work (plans, cycles, scans);
* :mod:`lsp_server.requests`: code actions, hovers, definitions, links, code lenses;
* :mod:`lsp_server.commands`: ``workspace/executeCommand`` (with :mod:`lsp_server.staging`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from lsprotocol import types
from pygls import uris
from pygls.lsp.server import LanguageServer

from manifest_core.project import find_root

from . import (
    NAME,
    __version__,
    commands,
    delivery,
    documents,
    folders,
    framing,
    names,
    requests,
    scheduling,
)
from ._lazy import LazyModule
from .delivery import Rendered
from .diagnostics import Renderer, path_uri
from .documents import Document
from .positions import UTF16
from .project import FileReport, ProjectState
from .settings import Settings, merge, parse_settings

if TYPE_CHECKING:
    from . import actions as act
else:
    # code actions (the resolve planner, the manifest writer) load on first use
    act = LazyModule("lsp_server.actions")

logger = logging.getLogger("lsp_server")
#: A log record's attribute: the client received the message as ``window/logMessage``.
CLIENT_COPY = "mm_client_copy"
T = TypeVar("T")

LOG_TYPES = {
    logging.ERROR: types.MessageType.Error,
    logging.WARNING: types.MessageType.Warning,
    logging.INFO: types.MessageType.Info,
    logging.DEBUG: types.MessageType.Log,
}


class MigrationServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            NAME,
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=framing.MigrationProtocol,
        )
        self.projects: dict[str, ProjectState] = {}
        self.documents: dict[str, Document] = {}
        self.plans: dict[str, act.Plans] = {}
        self.init_options: Any = None
        #: Set by ``shutdown``: the client is stopping (or restarting) the server.
        self.stopping = False
        self._reported: set[str] = set()
        self.client_settings: dict[str, Any] = {}
        self.settings = Settings()
        self.pull = False
        self.published: dict[str, str] = {}
        self.pulled: dict[str, str] = {}
        self.quick = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mm-quick")
        self.loop: asyncio.AbstractEventLoop | None = None
        self._roots_ready: asyncio.Event | None = None
        self._watching = False
        self._poll: asyncio.Task[None] | None = None
        self._loads: dict[str, asyncio.Task[None]] = {}
        self._progress = 0
        self._cycle_timers: dict[str, asyncio.TimerHandle] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._watched_extra: set[str] = set()
        self._planning: dict[str, asyncio.Task[None]] = {}
        self._plan_timers: dict[str, asyncio.TimerHandle] = {}
        self._register()

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """Serve over stdio, skipping frames that cannot be read (:mod:`lsp_server.framing`)."""
        framing.start_io(self, stdin, stdout)

    # -- plumbing --------------------------------------------------------------------------------
    def _register(self) -> None:
        def feature(name: str, options: Any = None) -> Callable[[Callable[..., Any]], Any]:
            return lambda method: self.feature(name, options)(_plain(method))

        def command(name: str) -> Callable[[Callable[..., Any]], Any]:
            return lambda method: self.command(name)(_plain(method))

        feature(types.INITIALIZE)(self.on_initialize)
        feature(types.INITIALIZED)(self.on_initialized)
        feature(types.SHUTDOWN)(self.on_shutdown)
        feature(types.TEXT_DOCUMENT_DID_OPEN)(self.did_open)
        feature(types.TEXT_DOCUMENT_DID_CHANGE)(self.did_change)
        feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))(self.did_save)
        feature(types.TEXT_DOCUMENT_DID_CLOSE)(self.did_close)
        feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(self.did_change_watched_files)
        feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(self.did_change_configuration)
        feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)(self.did_change_folders)
        feature(
            types.TEXT_DOCUMENT_CODE_ACTION,
            types.CodeActionOptions(code_action_kinds=list(names.KINDS), resolve_provider=False),
        )(self.code_action)
        feature(types.TEXT_DOCUMENT_HOVER)(self.hover)
        feature(types.TEXT_DOCUMENT_DEFINITION)(self.definition)
        feature(types.TEXT_DOCUMENT_DOCUMENT_LINK, types.DocumentLinkOptions())(self.document_link)
        feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions())(self.code_lens)
        command(names.RESOLVE)(self.cmd_resolve)
        command(names.UPDATE_MANIFEST)(self.cmd_update_manifest)
        command(names.SHOW_INFO)(self.cmd_show_info)
        command(names.REINDEX)(self.cmd_reindex)
        command(names.SHOW_LOCATION)(self.cmd_show_location)
        command(names.STAGE)(self.cmd_stage)

    def capability(self, dotted: str, default: Any = None) -> Any:
        """A client capability by its dotted (snake_case) path, ``default`` when absent."""
        value: Any = self.client_capabilities
        for part in dotted.split("."):
            value = getattr(value, part, None)
            if value is None:
                return default
        return value

    def log(self, level: int, message: str, *, shown: bool = False) -> None:
        """Log to the client (``window/logMessage``) at its level, and to the server's log,
        from any thread. On stderr, a message the client received is not written again: editors
        keep stderr in the same log (once per message, at its level). A message ``shown`` to the
        user reaches the client's log whatever the log level: clients log it from there only."""
        if self.stopping and level > logging.INFO:
            level = logging.DEBUG  # work cut short by a shutdown (a restart) is no error
        to_client = shown or level >= logging.getLevelName(self.settings.log_level.upper())
        logger.log(level, message, extra={CLIENT_COPY: to_client})
        if not to_client:
            return
        params = types.LogMessageParams(
            type=LOG_TYPES.get(level, types.MessageType.Log), message=message
        )
        self._on_loop(self.window_log_message, params)

    def notify_user(self, level: int, message: str) -> None:
        """Show a message (``window/showMessage``) and log it."""
        self.log(level, message, shown=True)
        params = types.ShowMessageParams(
            type=LOG_TYPES.get(level, types.MessageType.Info), message=message
        )
        self._on_loop(self.window_show_message, params)

    def _on_loop(self, function: Callable[..., Any], *args: Any) -> None:
        """Call ``function`` on the event loop's thread (protocol messages are sent there)."""
        loop = self.loop
        if loop is None or _running(loop):
            function(*args)
        elif not loop.is_closed():
            loop.call_soon_threadsafe(function, *args)

    async def run(self, state: ProjectState, function: Callable[..., T], *args: Any) -> T | None:
        """Run ``function(*args)`` on the project's worker thread; ``None`` if it failed (the
        failure is logged: the server carries on)."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(state.executor, functools.partial(function, *args))
        except asyncio.CancelledError:
            raise
        except RuntimeError as exc:  # the executor was shut down (shutdown, root removed)
            logger.debug("work for %s dropped: %s", state.root, exc)
            return None
        except Exception as exc:
            self.log(
                logging.ERROR,
                f"{NAME}: internal error in {getattr(function, '__name__', function)} "
                f"({state.root}): {type(exc).__name__}: {exc}",
            )
            logger.debug("%s", traceback.format_exc())
            return None

    @property
    def encoding(self) -> str:
        """The negotiated position encoding: ``utf-8``, ``utf-16`` or ``utf-32``."""
        value = self.workspace.position_encoding or UTF16
        return str(getattr(value, "value", value))

    def renderer(self, state: ProjectState) -> Renderer:
        open_uris = tuple(
            (doc.path, doc.uri)
            for doc in self.documents.values()
            if doc.state is state and doc.path is not None
        )
        return Renderer(
            root=state.root,
            encoding=self.encoding,
            related_information=bool(
                self.capability("text_document.publish_diagnostics.related_information", False)
                or self.pull
            ),
            code_description=bool(
                self.capability("text_document.publish_diagnostics.code_description_support", False)
                or self.pull
            ),
            data=True,
            uris=open_uris,
        )

    def edit_support(self) -> act.EditSupport:
        operations = self.capability("workspace.workspace_edit.resource_operations", []) or []
        return act.EditSupport(
            document_changes=bool(
                self.capability("workspace.workspace_edit.document_changes", False)
            ),
            resource_operations=frozenset(str(getattr(op, "value", op)) for op in operations),
            literals=self.capability("text_document.code_action.code_action_literal_support")
            is not None,
            disabled=bool(self.capability("text_document.code_action.disabled_support", False)),
            preferred=bool(
                self.capability("text_document.code_action.is_preferred_support", False)
            ),
            apply_edit=bool(self.capability("workspace.apply_edit", False)),
        )

    # -- lifecycle ---------------------------------------------------------------------------------
    def on_initialize(self, params: types.InitializeParams) -> None:
        self.loop = asyncio.get_running_loop()
        self._roots_ready = asyncio.Event()  # set once `initialized` has set up the projects
        self.init_options = params.initialization_options
        self._apply_global_settings()
        self.pull = self.capability("text_document.diagnostic") is not None
        if self.pull:
            self.feature(
                types.TEXT_DOCUMENT_DIAGNOSTIC,
                types.DiagnosticOptions(
                    identifier=NAME, inter_file_dependencies=True, workspace_diagnostics=True
                ),
            )(_plain(self.pull_document))
            self.feature(types.WORKSPACE_DIAGNOSTIC)(_plain(self.pull_workspace))
        info = params.client_info
        client = f"{info.name} {info.version or ''}".strip() if info else "an unnamed client"
        logger.info(
            "initialize from %s (pid %s); diagnostics are %s",
            client,
            params.process_id,
            "pulled" if self.pull else "pushed",
        )

    def _apply_global_settings(self) -> None:
        raw = merge(self.init_options, self.client_settings.get("", {}))
        self.settings, errors = parse_settings(raw)
        self._settings_errors(errors)

    def _settings_errors(self, errors: Iterable[str]) -> None:
        """Log each mistake in the settings once (they are read again on every change)."""
        for error in errors:
            if error not in self._reported:
                self._reported.add(error)
                self.log(logging.WARNING, f"settings: {error}")

    async def on_initialized(self, params: types.InitializedParams) -> None:
        assert self._roots_ready is not None
        try:
            await self._pull_configuration()
            await self._register_dynamic()
            for folder in self._folders():
                self._project_for_folder(folder)
        finally:
            self._roots_ready.set()
        if not self._watching and self.settings.poll_interval > 0:
            self._poll = asyncio.ensure_future(self._poll_loop())

    def on_shutdown(self, params: None) -> None:
        self.stopping = True
        if self._poll is not None:
            self._poll.cancel()
        for timer in (*self._cycle_timers.values(), *self._plan_timers.values()):
            timer.cancel()
        for state in self.projects.values():
            state.close()
        self.quick.shutdown(wait=False, cancel_futures=True)

    def _folders(self) -> list[str]:
        return folders.folders(self)

    async def _pull_configuration(self) -> None:
        await folders.pull_configuration(self)

    def settings_for(self, folder: str | None) -> Settings:
        layers = [self.init_options, self.client_settings.get("", {})]
        if folder is not None:
            layers.append(self.client_settings.get(uris.from_fs_path(folder) or "", {}))
        settings, _ = parse_settings(merge(*layers))
        return settings

    async def _register_dynamic(self) -> None:
        await folders.register_dynamic(self)

    # -- projects ------------------------------------------------------------------------------
    def _root_for(self, folder: str, settings: Settings) -> str:
        if settings.root:
            root = os.path.expanduser(settings.root)
            return os.path.abspath(root if os.path.isabs(root) else os.path.join(folder, root))
        return os.path.abspath(find_root(folder))

    def _project_for_folder(self, folder: str) -> ProjectState:
        return folders.project_for_folder(self, folder)

    def project_of(self, uri: str) -> tuple[ProjectState | None, str | None]:
        """The project holding a document, and its path relative to the root."""
        path = uris.to_fs_path(uri)
        if path is None:
            return None, None
        full = os.path.abspath(path)
        best: ProjectState | None = None
        for root, state in self.projects.items():
            if (full == root or full.startswith(root.rstrip(os.sep) + os.sep)) and (
                best is None or len(root) > len(best.root)
            ):
                best = state
        if best is None:
            real = os.path.realpath(full)
            if real != full:
                return self.project_of(uris.from_fs_path(real) or uri)
            return None, None
        return best, os.path.relpath(full, best.root).replace(os.sep, "/")

    async def _load(self, state: ProjectState) -> None:
        await folders.load(self, state)

    async def _watch_more(self, state: ProjectState) -> None:
        await folders.watch_more(self, state)

    async def _progress_begin(self, title: str, message: str) -> str | None:
        return await folders.progress_begin(self, title, message)

    def _progress_end(self, token: str | None, message: str) -> None:
        folders.progress_end(self, token, message)

    # -- diagnostics -------------------------------------------------------------------------------
    @staticmethod
    def _render(state: ProjectState, renderer: Renderer, reports: list[FileReport]) -> Rendered:
        return delivery.render(state, renderer, reports)

    def _deliver(
        self, state: ProjectState, rendered: Rendered | None, *, quick: bool = False
    ) -> None:
        delivery.deliver(self, state, rendered, quick=quick)

    async def pull_document(
        self, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        return await delivery.pull_document(self, params)

    async def pull_workspace(
        self, params: types.WorkspaceDiagnosticParams
    ) -> types.WorkspaceDiagnosticReport:
        return await delivery.pull_workspace(self, params)

    # -- documents ---------------------------------------------------------------------------------
    async def _projects_known(self) -> None:
        """Wait until ``initialized`` has set up the workspace's projects."""
        if self._roots_ready is not None and not self._roots_ready.is_set():
            await self._roots_ready.wait()

    async def _state_for(self, uri: str) -> tuple[ProjectState | None, str | None]:
        """The project and path of a document, once the workspace's projects are known."""
        await self._projects_known()
        document = self.documents.get(uri)
        if document is not None and document.state is not None:
            return document.state, document.path
        return self.project_of(uri)

    async def did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        await documents.did_open(self, params)

    async def _open(self, document: Document) -> None:
        await documents.open_document(self, document)

    async def _quick(
        self, state: ProjectState, path: str, document: Document | None
    ) -> FileReport | None:
        return await documents.quick(self, state, path, document)

    def _text(self, uri: str) -> str | None:
        return documents.text(self, uri)

    def did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        documents.did_change(self, params)

    def _start(self, document: Document) -> None:
        documents.start(self, document)

    async def _sync(self, document: Document) -> None:
        await documents.sync(self, document)

    async def _flush(self, uri: str) -> None:
        await documents.flush(self, uri)

    async def did_save(self, params: types.DidSaveTextDocumentParams) -> None:
        await documents.did_save(self, params)

    def _schedule_cycles(self, state: ProjectState) -> None:
        scheduling.schedule_cycles(self, state)

    async def _cycles(self, state: ProjectState) -> None:
        await scheduling.cycles(self, state)

    async def did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        await documents.did_close(self, params)

    async def did_change_watched_files(self, params: types.DidChangeWatchedFilesParams) -> None:
        await documents.did_change_watched_files(self, params)

    async def _refresh(self, state: ProjectState, changed: list[str], deleted: list[str]) -> None:
        await documents.refresh(self, state, changed, deleted)

    async def _wait_loaded(self, state: ProjectState) -> None:
        task = self._loads.get(state.root)
        if task is not None and not task.done():
            await asyncio.shield(task)

    def _lenses_changed(self) -> None:
        if self.settings.code_lens and self.capability(
            "workspace.code_lens.refresh_support", False
        ):
            self.workspace_code_lens_refresh(None)

    async def _poll_loop(self) -> None:
        await scheduling.poll_loop(self)

    async def did_change_configuration(self, params: types.DidChangeConfigurationParams) -> None:
        await folders.did_change_configuration(self, params)

    async def _replace_project(self, state: ProjectState, root: str, settings: Settings) -> None:
        await folders.replace_project(self, state, root, settings)

    def _adopt_documents(self) -> None:
        folders.adopt_documents(self)

    async def did_change_folders(self, params: types.DidChangeWorkspaceFoldersParams) -> None:
        await folders.did_change_folders(self, params)

    # -- code actions ----------------------------------------------------------------------------
    async def code_action(
        self, params: types.CodeActionParams
    ) -> list[types.CodeAction | types.Command] | None:
        return await requests.code_action(self, params)

    async def _plan(self, state: ProjectState) -> None:
        await scheduling.plan(self, state)

    async def _plan_now(self, state: ProjectState) -> None:
        await scheduling.plan_now(self, state)

    def _plan_soon(self, state: ProjectState) -> None:
        scheduling.plan_soon(self, state)

    async def cmd_resolve(self, *args: object) -> dict[str, Any]:
        return await commands.resolve(self, *args)

    async def cmd_stage(self, *args: object) -> dict[str, Any]:
        return await commands.stage(self, *args)

    async def cmd_update_manifest(self, *args: object) -> dict[str, Any]:
        return await commands.update_manifest(self, *args)

    async def cmd_show_info(self, *args: object) -> dict[str, Any]:
        return await commands.show_info(self, *args)

    async def cmd_reindex(self, *args: object) -> dict[str, Any]:
        return await commands.reindex(self, *args)

    async def cmd_show_location(self, *args: object) -> bool:
        return await commands.show_location(self, *args)

    # -- navigation ------------------------------------------------------------------------------
    async def _navigate(
        self, uri: str, needs: bool, job: Callable[[ProjectState, str], T]
    ) -> T | None:
        return await requests.navigate(self, uri, needs, job)

    async def hover(self, params: types.HoverParams) -> types.Hover | None:
        return await requests.hover(self, params)

    async def definition(self, params: types.DefinitionParams) -> types.Location | None:
        return await requests.definition(self, params)

    async def document_link(
        self, params: types.DocumentLinkParams
    ) -> list[types.DocumentLink] | None:
        return await requests.document_link(self, params)

    async def code_lens(self, params: types.CodeLensParams) -> list[types.CodeLens] | None:
        return await requests.code_lens(self, params)


# -- helpers ---------------------------------------------------------------------------------------


def _plain(method: Callable[..., Any]) -> Callable[..., Any]:
    """A plain function calling a bound method (pygls marks its handlers with attributes, which
    methods cannot carry). pygls passes the server as ``ls``, which the method already is bound
    to; ``*args`` hands a command's arguments over as they came."""
    if asyncio.iscoroutinefunction(method):

        async def call_async(ls: object, *args: object) -> Any:
            return await method(*args)

        call_async.__name__ = method.__name__
        return call_async

    def call(ls: object, *args: object) -> Any:
        return method(*args)

    call.__name__ = method.__name__
    return call


def _running(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False


class _RoutineProtocolWarnings(logging.Filter):
    """pygls warns of a cancellation that arrives after its request was answered (editors cancel
    finished requests all the time) and of messages that arrive after ``shutdown`` (a restart
    stops the server while the editor still asks): both routine, logged at DEBUG instead."""

    ROUTINE = ("Cancel notification for unknown message id", "Server shutting down.")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and str(record.msg).startswith(self.ROUTINE):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


def _configure_logging(level: str) -> None:
    """pygls logs every message it sends at INFO: keep that for ``--log-level debug``."""
    noisy = logging.DEBUG if level == "debug" else logging.WARNING
    for name in ("pygls", "pygls.protocol", "pygls.server", "pygls.feature_manager"):
        logging.getLogger(name).setLevel(noisy)
    json_rpc = logging.getLogger("pygls.protocol.json_rpc")
    if not any(isinstance(f, _RoutineProtocolWarnings) for f in json_rpc.filters):
        json_rpc.addFilter(_RoutineProtocolWarnings())


def create_server() -> MigrationServer:
    return MigrationServer()


__all__ = ["MigrationServer", "create_server", "path_uri"]
