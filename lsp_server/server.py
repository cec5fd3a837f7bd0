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
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
import traceback
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from lsprotocol import types
from pygls import uris
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

import manifest_core
from manifest_core.fsops import ApplyError, apply_plan
from manifest_core.index import Change
from manifest_core.model import Span
from manifest_core.project import find_root
from manifest_core.resolve.command import _to_stage
from manifest_core.resolve.model import MERGE, RENUMBER

from . import NAME, PREFIX, __version__, staging
from . import actions as act
from . import navigation as nav
from .diagnostics import Renderer, fingerprint, path_uri
from .positions import UTF16, Lines
from .project import FileReport, ProjectState
from .quick import quick_report
from .settings import Settings, merge, parse_settings, to_json

logger = logging.getLogger("lsp_server")
#: A log record's attribute: the client received the message as ``window/logMessage``.
CLIENT_COPY = "mm_client_copy"
T = TypeVar("T")

#: Diagnostics whose fixes are planned ahead (two leaves, conflict markers in the manifest).
CONFLICT_CODES = frozenset({"MM009", "MM002"})
#: Seconds after a conflict is shown before its fixes are planned in the background.
PLAN_DELAY_S = 0.3
#: Seconds without edits after a save before cycles through several apps are looked for.
CYCLES_DELAY_S = 1.0
#: Files watched on the client (``workspace/didChangeWatchedFiles``).
WATCHED = ("**/migrations/*.py", "**/migrations", "**/apps.py", "**/pyproject.toml")
LOG_TYPES = {
    logging.ERROR: types.MessageType.Error,
    logging.WARNING: types.MessageType.Warning,
    logging.INFO: types.MessageType.Info,
    logging.DEBUG: types.MessageType.Log,
}

Rendered = list[tuple[str, int | None, list[types.Diagnostic]]]


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


class MigrationServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            NAME, __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental
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
            types.CodeActionOptions(code_action_kinds=list(act.KINDS), resolve_provider=False),
        )(self.code_action)
        feature(types.TEXT_DOCUMENT_HOVER)(self.hover)
        feature(types.TEXT_DOCUMENT_DEFINITION)(self.definition)
        feature(types.TEXT_DOCUMENT_DOCUMENT_LINK, types.DocumentLinkOptions())(self.document_link)
        feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions())(self.code_lens)
        command(act.RESOLVE)(self.cmd_resolve)
        command(act.UPDATE_MANIFEST)(self.cmd_update_manifest)
        command(act.SHOW_INFO)(self.cmd_show_info)
        command(act.REINDEX)(self.cmd_reindex)
        command(act.SHOW_LOCATION)(self.cmd_show_location)
        command(act.STAGE)(self.cmd_stage)

    def capability(self, dotted: str, default: Any = None) -> Any:
        """A client capability by its dotted (snake_case) path, ``default`` when absent."""
        value: Any = self.client_capabilities
        for part in dotted.split("."):
            value = getattr(value, part, None)
            if value is None:
                return default
        return value

    def log(self, level: int, message: str) -> None:
        """Log to the client (``window/logMessage``) at its level, and to the server's log,
        from any thread. On stderr, a message the client received is not written again: editors
        keep stderr in the same log (once per message, at its level)."""
        if self.stopping and level > logging.INFO:
            level = logging.DEBUG  # work cut short by a shutdown (a restart) is no error
        to_client = level >= logging.getLevelName(self.settings.log_level.upper())
        logger.log(level, message, extra={CLIENT_COPY: to_client})
        if not to_client:
            return
        params = types.LogMessageParams(
            type=LOG_TYPES.get(level, types.MessageType.Log), message=message
        )
        self._on_loop(self.window_log_message, params)

    def notify_user(self, level: int, message: str) -> None:
        """Show a message (``window/showMessage``) and log it."""
        self.log(level, message)
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
        """Folder paths of the workspace (``rootUri`` when the client gives no folders)."""
        folders = []
        for folder in self.workspace.folders.values():
            path = uris.to_fs_path(folder.uri)
            if path is None:
                self.log(logging.WARNING, f"{folder.uri}: not a local folder, ignored")
                continue
            folders.append(path)
        if not folders and self.workspace.root_path:
            folders.append(self.workspace.root_path)
        return folders

    async def _pull_configuration(self) -> None:
        if not self.capability("workspace.configuration", False):
            return
        scopes = ["", *(uris.from_fs_path(f) or "" for f in self._folders())]
        items = [types.ConfigurationItem(scope_uri=s or None, section=PREFIX) for s in scopes]
        try:
            result = await asyncio.wait_for(
                self.workspace_configuration_async(types.ConfigurationParams(items=items)), 10
            )
        except Exception as exc:
            self.log(logging.WARNING, f"workspace/configuration failed ({exc}): using defaults")
            return
        self.client_settings = {}
        for scope, value in zip(scopes, result or [], strict=False):
            if value is not None:
                self.client_settings[scope] = value
        self._apply_global_settings()

    def settings_for(self, folder: str | None) -> Settings:
        layers = [self.init_options, self.client_settings.get("", {})]
        if folder is not None:
            layers.append(self.client_settings.get(uris.from_fs_path(folder) or "", {}))
        settings, _ = parse_settings(merge(*layers))
        return settings

    async def _register_dynamic(self) -> None:
        registrations = []
        if self.capability("workspace.did_change_watched_files.dynamic_registration", False):
            watchers = [types.FileSystemWatcher(glob_pattern=p) for p in WATCHED]
            watchers.append(types.FileSystemWatcher(glob_pattern="**/migrations.toml"))
            registrations.append(
                types.Registration(
                    id=str(uuid.uuid4()),
                    method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers),
                )
            )
        if self.capability("workspace.did_change_configuration.dynamic_registration", False):
            registrations.append(
                types.Registration(
                    id=str(uuid.uuid4()),
                    method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                    register_options=types.DidChangeConfigurationRegistrationOptions(
                        section=PREFIX
                    ),
                )
            )
        if not registrations:
            return
        try:
            await asyncio.wait_for(
                self.client_register_capability_async(types.RegistrationParams(registrations)), 10
            )
        except Exception as exc:
            self.log(logging.WARNING, f"client/registerCapability failed: {exc}")
            return
        self._watching = any(
            r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in registrations
        )

    # -- projects ------------------------------------------------------------------------------
    def _root_for(self, folder: str, settings: Settings) -> str:
        if settings.root:
            root = os.path.expanduser(settings.root)
            return os.path.abspath(root if os.path.isabs(root) else os.path.join(folder, root))
        return os.path.abspath(find_root(folder))

    def _project_for_folder(self, folder: str) -> ProjectState:
        settings = self.settings_for(folder)
        root = self._root_for(folder, settings)
        state = self.projects.get(root)
        if state is None:
            state = self.projects[root] = ProjectState(root, settings)
            self.plans[root] = act.Plans()
            if not os.path.isdir(root):
                self.notify_user(
                    logging.ERROR,
                    f"{NAME}: the project root {root} does not exist (check the `root` setting); "
                    "migrations there are not checked",
                )
            self._loads[root] = asyncio.ensure_future(self._load(state))
        return state

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
        token = await self._progress_begin("Indexing migrations", state.root)
        renderer = self.renderer(state)

        def job() -> tuple[Any, Rendered]:
            result = state.load()
            return result, self._render(state, renderer, state.all_reports())

        outcome = await self.run(state, job)
        if outcome is None:
            self._progress_end(token, "failed")
            return
        result, rendered = outcome
        if result.error:
            self.notify_user(logging.ERROR, f"{NAME}: {state.root}: {result.error}")
        else:
            self.log(
                logging.INFO,
                f"indexed {state.root}: {result.apps} apps, {result.migrations} migrations in "
                f"{result.seconds:.2f} s",
            )
        self._deliver(state, rendered)
        self._progress_end(
            token,
            result.error or f"{result.apps} apps, {result.migrations} migrations",
        )
        await self._watch_more(state)
        if self.capability("workspace.code_lens.refresh_support", False):
            self.workspace_code_lens_refresh(None)

    async def _watch_more(self, state: ProjectState) -> None:
        """Watch what the usual patterns miss in this project (registered once per pattern)."""
        if not self._watching:
            return
        globs = [g for g in state.watch_globs() if g not in self._watched_extra]
        if not globs:
            return
        self._watched_extra.update(globs)
        base = uris.from_fs_path(state.root) or ""
        watchers = [
            types.FileSystemWatcher(glob_pattern=types.RelativePattern(base_uri=base, pattern=g))
            if self.capability("workspace.did_change_watched_files.relative_pattern_support", False)
            else types.FileSystemWatcher(glob_pattern=f"**/{g}")
            for g in globs
        ]
        registration = types.Registration(
            id=str(uuid.uuid4()),
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers),
        )
        try:
            await asyncio.wait_for(
                self.client_register_capability_async(types.RegistrationParams([registration])),
                10,
            )
        except Exception as exc:
            self.log(logging.WARNING, f"client/registerCapability failed: {exc}")

    async def _progress_begin(self, title: str, message: str) -> str | None:
        if not self.capability("window.work_done_progress", False):
            return None
        self._progress += 1
        token = f"{PREFIX}/{self._progress}"
        try:
            await asyncio.wait_for(self.work_done_progress.create_async(token), 10)
        except Exception as exc:
            logger.debug("work done progress refused: %s", exc)
            return None
        self.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title=title, message=message, cancellable=False)
        )
        return token

    def _progress_end(self, token: str | None, message: str) -> None:
        if token is not None:
            self.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))

    # -- diagnostics -------------------------------------------------------------------------------
    @staticmethod
    def _render(state: ProjectState, renderer: Renderer, reports: list[FileReport]) -> Rendered:
        return [
            (report.path, report.version, renderer.diagnostics(report, state.text_of))
            for report in reports
        ]

    def _deliver(
        self, state: ProjectState, rendered: Rendered | None, *, quick: bool = False
    ) -> None:
        """Send what was computed (push), or note it for the client to pull; drop results for
        document versions that are no longer current."""
        while state.events:
            self.log(logging.INFO, state.events.pop(0))
        if not rendered:
            return
        renderer = self.renderer(state)
        changed = False
        if any(d.code in CONFLICT_CODES for _, _, found in rendered for d in found):
            self._plan_soon(state)
        for path, version, diagnostics in rendered:
            uri = renderer.uri(path)
            document = self.documents.get(uri)
            if document is not None and version is not None and document.version != version:
                continue  # stale: a newer version is on its way
            if document is None and version is not None:
                continue  # closed meanwhile
            digest = fingerprint(diagnostics, self.protocol._converter)
            if self.pull:
                if self.pulled.get(uri) != digest:
                    changed = True
                continue
            if self.published.get(uri) == digest and not quick:
                continue
            if not diagnostics and uri not in self.published:
                continue
            self.published[uri] = digest
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
            )
            if not diagnostics:
                self.published.pop(uri, None)
        if changed and self.capability("workspace.diagnostics.refresh_support", False):
            self.workspace_diagnostic_refresh(None)

    async def pull_document(
        self, params: types.DocumentDiagnosticParams
    ) -> types.DocumentDiagnosticReport:
        uri = params.text_document.uri
        state, path = await self._state_for(uri)
        empty = types.RelatedFullDocumentDiagnosticReport(items=[])
        if state is None or path is None:
            return empty
        await self._flush(uri)
        if not state.ready:
            document = self.documents.get(uri)
            report = await self._quick(state, path, document)
            rendered = self._render(state, self.renderer(state), [report]) if report else []
        else:
            renderer = self.renderer(state)
            rendered = (
                await self.run(state, lambda: self._render(state, renderer, [state.report(path)]))
                or []
            )
        diagnostics = rendered[0][2] if rendered else []
        digest = fingerprint(diagnostics, self.protocol._converter)
        self.pulled[uri] = digest
        if params.previous_result_id == digest:
            return types.RelatedUnchangedDocumentDiagnosticReport(result_id=digest)
        return types.RelatedFullDocumentDiagnosticReport(items=diagnostics, result_id=digest)

    async def pull_workspace(
        self, params: types.WorkspaceDiagnosticParams
    ) -> types.WorkspaceDiagnosticReport:
        previous = {p.uri: p.value for p in params.previous_result_ids}
        # Every file the client holds a result for gets a new one (empty once fixed): a file
        # left out of the report would keep its old problems in the client.
        held: dict[str, set[str]] = {}
        for uri in previous:
            owner, path = self.project_of(uri)
            if owner is not None and path is not None:
                held.setdefault(owner.root, set()).add(path)
        items: list[
            types.WorkspaceFullDocumentDiagnosticReport
            | types.WorkspaceUnchangedDocumentDiagnosticReport
        ] = []
        for state in list(self.projects.values()):
            if not state.ready:
                continue
            renderer = self.renderer(state)

            client_holds = held.get(state.root, set())

            def job(
                state: ProjectState = state,
                renderer: Renderer = renderer,
                client_holds: set[str] = client_holds,
            ) -> Rendered:
                paths = state.problem_paths() | state.reported | client_holds
                return self._render(state, renderer, [state.report(p) for p in sorted(paths)])

            for path, version, diagnostics in await self.run(state, job) or []:
                uri = renderer.uri(path)
                digest = fingerprint(diagnostics, self.protocol._converter)
                self.pulled[uri] = digest
                if previous.get(uri) == digest:
                    items.append(
                        types.WorkspaceUnchangedDocumentDiagnosticReport(
                            uri=uri, version=version, result_id=digest
                        )
                    )
                else:
                    items.append(
                        types.WorkspaceFullDocumentDiagnosticReport(
                            uri=uri, version=version, items=diagnostics, result_id=digest
                        )
                    )
        return types.WorkspaceDiagnosticReport(items=items)

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
        item = params.text_document
        # known at once: edits may arrive while the projects are still being set up
        document = self.documents[item.uri] = Document(item.uri, None, None, item.version)
        document.opened = asyncio.Event()
        # sent again once open, even if unchanged: clients such as eglot and Neovim drop what
        # was pushed for a file they had not opened
        self.published.pop(item.uri, None)
        try:
            await self._open(document)
        finally:
            document.opened.set()

    async def _open(self, document: Document) -> None:
        uri = document.uri
        if self._roots_ready is not None:
            await self._roots_ready.wait()
        if self.documents.get(uri) is not document:
            return  # closed meanwhile
        state, path = self.project_of(uri)
        if state is None and uris.to_fs_path(uri) is not None and _ours(uri):
            folder = os.path.dirname(uris.to_fs_path(uri) or "")
            state = self._project_for_folder(folder)  # a file outside every workspace folder
            state, path = self.project_of(uri)
        document.state, document.path = state, path
        if state is None or path is None:
            return
        if not state.ready and not self.pull:
            report = await self._quick(state, path, document)
            if report is not None and not state.ready:
                self._deliver(
                    state, self._render(state, self.renderer(state), [report]), quick=True
                )
        self._start(document)

    async def _quick(
        self, state: ProjectState, path: str, document: Document | None
    ) -> FileReport | None:
        if document is None:
            return None
        text = self._text(document.uri)
        if text is None or len(text) > state.settings.max_file_size:
            return None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                self.quick,
                functools.partial(
                    quick_report, state.root, path, text, document.version, state.settings
                ),
            )
        except Exception as exc:
            self.log(
                logging.WARNING, f"{path}: first diagnostics failed ({type(exc).__name__}: {exc})"
            )
            return None

    def _text(self, uri: str) -> str | None:
        try:
            document: TextDocument = self.workspace.get_text_document(uri)
            return document.source
        except Exception:
            return None

    def did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        document = self.documents.get(params.text_document.uri)
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
            self._start(document)
        else:
            document.timer = loop.call_later(delay, self._start, document)

    def _start(self, document: Document) -> None:
        document.timer = None
        if document.task is not None and not document.task.done():
            document.pending = True
            return
        document.task = asyncio.ensure_future(self._sync(document))

    async def _sync(self, document: Document) -> None:
        """Give the worker the document's newest text, then send what changed; repeat while
        edits arrived meanwhile."""
        state, path = document.state, document.path
        if state is None or path is None:
            return
        while True:
            document.pending = False
            text = self._text(document.uri)
            if text is None or self.documents.get(document.uri) is not document:
                return
            version = document.version
            if len(text) > state.settings.max_file_size and not document.warned_large:
                document.warned_large = True
                self.log(
                    logging.WARNING,
                    f"{path}: {len(text):,} characters is more than "
                    f"maxFileSize ({state.settings.max_file_size:,}): the buffer is not "
                    "parsed or linted; the file on disk is indexed",
                )
            renderer = self.renderer(state)

            def job(
                text: str = text, version: int | None = version, renderer: Renderer = renderer
            ) -> tuple[Change, Rendered]:
                change = state.set_text(path, text, version)
                report = state.reports(Change(), [path])  # the edited file first
                return change, self._render(state, renderer, report)

            outcome = await self.run(state, job)
            if outcome is None:
                return
            change, rendered = outcome
            self._deliver(state, rendered)

            def others(change: Change = change, renderer: Renderer = renderer) -> Rendered:
                """Then the files the edit changed for the others (the other leaf...)."""
                return self._render(state, renderer, state.reports(change, skip=[path]))

            if change.apps or change.manifest or change.reloaded or state.affects_others(path):
                self._deliver(state, await self.run(state, others))
            if not document.pending:
                return

    async def _flush(self, uri: str) -> None:
        """Wait until the worker has the document's newest text."""
        document = self.documents.get(uri)
        if document is None:
            return
        if document.opened is not None and not document.opened.is_set():
            await document.opened.wait()
        if document.timer is not None:
            document.timer.cancel()
            self._start(document)
        while document.task is not None and not document.task.done():
            await asyncio.shield(document.task)

    async def did_save(self, params: types.DidSaveTextDocumentParams) -> None:
        """A backstop for clients that do not report file changes: re-read the saved file and
        its folder, then look for cycles through several apps."""
        uri = params.text_document.uri
        state, path = await self._state_for(uri)
        if state is None or path is None:
            return
        await self._flush(uri)
        renderer = self.renderer(state)

        def job() -> Rendered:
            changed, deleted = _folder_changes(state, path)
            change = state.refresh([path, *changed], deleted)
            return self._render(state, renderer, state.reports(change, [path]))

        self._deliver(state, await self.run(state, job))
        self._lenses_changed()
        self._schedule_cycles(state)

    def _schedule_cycles(self, state: ProjectState) -> None:
        """Look for cycles through several apps once the editing pauses (it needs the whole
        repository's graph: a second at 50,000 migrations, which must not delay a keystroke)."""
        timer = self._cycle_timers.pop(state.root, None)
        if timer is not None:
            timer.cancel()
        loop = asyncio.get_running_loop()

        def start() -> None:
            self._cycle_timers.pop(state.root, None)
            if any(d.timer is not None or d.pending for d in self.documents.values()):
                self._schedule_cycles(state)  # still typing: later
                return
            task = asyncio.ensure_future(self._cycles(state))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

        self._cycle_timers[state.root] = loop.call_later(CYCLES_DELAY_S, start)

    async def _cycles(self, state: ProjectState) -> None:
        renderer = self.renderer(state)

        def job() -> Rendered:
            change = state.cross_component_cycles()
            if not (change.apps or change.manifest):
                return []
            return self._render(state, renderer, state.reports(change))

        self._deliver(state, await self.run(state, job))

    async def did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = self.documents.pop(uri, None)
        if document is None or document.state is None or document.path is None:
            return
        if document.timer is not None:
            document.timer.cancel()
        state, path = document.state, document.path
        renderer = self.renderer(state)

        def job() -> Rendered:
            change = state.set_text(path, None)
            # what stays: the project's problems in that file, not its linting
            return self._render(state, renderer, state.reports(change, [path]))

        self._deliver(state, await self.run(state, job))

    async def did_change_watched_files(self, params: types.DidChangeWatchedFilesParams) -> None:
        """Files changed on disk (``makemigrations`` in a terminal, ``git checkout``...)."""
        grouped: dict[str, tuple[ProjectState, list[str], list[str]]] = {}
        for event in params.changes:
            state, path = self.project_of(event.uri)
            if state is None or path is None:
                continue
            entry = grouped.setdefault(state.root, (state, [], []))
            (entry[2] if event.type == types.FileChangeType.Deleted else entry[1]).append(path)
        for state, changed, deleted in grouped.values():
            await self._refresh(state, changed, deleted)

    async def _refresh(self, state: ProjectState, changed: list[str], deleted: list[str]) -> None:
        if not state.ready:
            await self._wait_loaded(state)
        renderer = self.renderer(state)

        def job() -> Rendered:
            change = state.refresh(changed, deleted)
            return self._render(state, renderer, state.reports(change))

        self._deliver(state, await self.run(state, job))
        self._lenses_changed()

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
        """For clients that cannot watch files: look for changes in the migration folders."""
        while True:
            await asyncio.sleep(max(self.settings.poll_interval, 0.2))
            for state in list(self.projects.values()):
                if not state.ready or state.index is None:
                    continue
                found = await self.run(state, state.scan)
                if found and (found[0] or found[1]):
                    self.log(logging.DEBUG, f"changed on disk: {found[0] + found[1]}")
                    await self._refresh(state, *found)

    async def did_change_configuration(self, params: types.DidChangeConfigurationParams) -> None:
        if self.capability("workspace.configuration", False):
            await self._pull_configuration()
        else:
            self.client_settings[""] = params.settings or {}
            self._apply_global_settings()
        for root, state in list(self.projects.items()):
            settings = self.settings_for(_folder_of(self, root))
            new_root = settings.root and self._root_for(_folder_of(self, root) or root, settings)
            if new_root and new_root != root:
                await self._replace_project(state, new_root, settings)
                continue
            renderer = self.renderer(state)

            def job(
                state: ProjectState = state,
                settings: Settings = settings,
                renderer: Renderer = renderer,
            ) -> Rendered:
                if not state.apply_settings(settings):
                    return []
                return self._render(state, renderer, state.all_reports())

            self._deliver(state, await self.run(state, job))
        self._lenses_changed()
        if self._poll is None and not self._watching and self.settings.poll_interval > 0:
            self._poll = asyncio.ensure_future(self._poll_loop())

    async def _replace_project(self, state: ProjectState, root: str, settings: Settings) -> None:
        """The ``root`` setting changed: index the new root, clear what the old one showed."""
        old = self.projects.pop(state.root)
        self.plans.pop(state.root, None)
        cleared: Rendered = [(path, None, []) for path in sorted(old.reported)]
        self._deliver(old, cleared)
        old.close()
        new = self.projects[root] = ProjectState(root, settings)
        self.plans[root] = act.Plans()
        if not os.path.isdir(root):
            self.notify_user(logging.ERROR, f"{NAME}: the project root {root} does not exist")
        self._loads[root] = asyncio.ensure_future(self._load(new))
        self._adopt_documents()

    def _adopt_documents(self) -> None:
        """Give the open documents to the projects that now hold them (after a project was
        added, removed or moved)."""
        for uri, document in self.documents.items():
            if document.state is not None and document.state.root in self.projects:
                continue
            state, path = self.project_of(uri)
            document.state, document.path = state, path
            if state is not None and path is not None:
                self._start(document)

    async def did_change_folders(self, params: types.DidChangeWorkspaceFoldersParams) -> None:
        for folder in params.event.added:
            path = uris.to_fs_path(folder.uri)
            if path is not None:
                self._project_for_folder(path)
        self._adopt_documents()
        for folder in params.event.removed:
            path = uris.to_fs_path(folder.uri)
            if path is None:
                continue
            root = self._root_for(path, self.settings_for(path))
            state = self.projects.get(root)
            if (
                state is not None
                and not any(d.state is state for d in self.documents.values())
                and not any(
                    self._root_for(f, self.settings_for(f)) == root for f in self._folders()
                )
            ):
                cleared: Rendered = [(p, None, []) for p in sorted(state.reported)]
                self._deliver(state, cleared)
                self.projects.pop(root).close()

    # -- code actions ----------------------------------------------------------------------------
    async def code_action(
        self, params: types.CodeActionParams
    ) -> list[types.CodeAction | types.Command] | None:
        uri = params.text_document.uri
        state, path = await self._state_for(uri)
        if state is None or path is None or not state.settings.code_actions:
            return None
        await self._flush(uri)
        if not state.ready:
            await self._wait_loaded(state)
        renderer, support = self.renderer(state), self.edit_support()
        plans = self.plans.setdefault(state.root, act.Plans())
        only = [str(kind) for kind in params.context.only] if params.context.only else None
        await self._plan(state)

        def job() -> list[types.CodeAction | types.Command]:
            found = act.code_actions(state, plans, renderer, support, path, params.range, only)
            return act.to_lsp(found, state, renderer, support)

        return await self.run(state, job)

    async def _plan(self, state: ProjectState) -> None:
        """Plan the resolutions the project's conflicts call for, on its plans thread (one
        planning at a time; a request that finds one running waits for it, then plans what
        the latest state still lacks)."""
        running = self._planning.get(state.root)
        if running is not None and not running.done():
            await asyncio.shield(running)
        task = asyncio.ensure_future(self._plan_now(state))
        self._planning[state.root] = task
        await asyncio.shield(task)

    async def _plan_now(self, state: ProjectState) -> None:
        plans = self.plans.setdefault(state.root, act.Plans())
        wanted = await self.run(state, lambda: act.request(state, plans, act.wanted(state)))
        if wanted is None:
            return
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(state.plans_executor, act.plan, plans, wanted)
        except Exception as exc:
            self.log(logging.ERROR, f"{NAME}: planning failed: {type(exc).__name__}: {exc}")

    def _plan_soon(self, state: ProjectState) -> None:
        """A conflict is shown: plan its fixes in the background once the edits pause, so that
        the code actions are ready when asked for."""
        timer = self._plan_timers.pop(state.root, None)
        if timer is not None:
            timer.cancel()

        def start() -> None:
            self._plan_timers.pop(state.root, None)
            if state.root in self.projects:
                task = asyncio.ensure_future(self._plan(state))
                self._background.add(task)
                task.add_done_callback(self._background.discard)

        loop = asyncio.get_running_loop()
        self._plan_timers[state.root] = loop.call_later(PLAN_DELAY_S, start)

    async def cmd_resolve(self, *args: object) -> dict[str, Any]:
        """Resolve the conflicts (every conflicted app, or ``apps``) on disk, as
        ``python -m manifest_core resolve`` does: atomic, ``git mv``, staged as configured."""
        await self._projects_known()
        options = _options(args)
        state = self._project_arg(options)
        if state is None:
            return {"ok": False, "message": "no project"}
        await self._flush_all(state)
        await self._wait_loaded(state)
        strategy = options.get("strategy")
        plans = self.plans.setdefault(state.root, act.Plans())
        await self._plan(state)
        apps = options.get("apps")
        renderer = self.renderer(state)

        def job() -> tuple[dict[str, Any], Rendered]:
            chosen = (
                strategy if strategy in (RENUMBER, MERGE) else act.resolve_settings(state).strategy
            )
            result = act.resolution(state, plans, apps if isinstance(apps, list) else None, chosen)
            if result.nothing_to_do:
                return {
                    "ok": False,
                    "message": "Nothing to resolve: every app has a single leaf "
                    "migration and migrations.toml has no conflict markers.",
                }, []
            if not result.ok:
                return {
                    "ok": False,
                    "message": "resolve refused: " + act.refusal(result.problems),
                }, []
            dirty = state.dirty_paths(act.touched(result.plan))
            if dirty:
                return {
                    "ok": False,
                    "message": "save these files first (resolve changes the files "
                    f"on disk): {', '.join(dirty)}",
                }, []
            context = plans.context
            settings = act.resolve_settings(state)
            is_git = bool(context and context.is_git)
            stage: bool | list[str] = False
            if is_git and settings.stage and context is not None:
                stage = _to_stage(result, context, state.manifest_path)
            try:
                applied = apply_plan(state.root, result.plan, use_git=is_git, stage=stage)
            except ApplyError as exc:
                return {"ok": False, "message": f"resolve failed, nothing was changed: {exc}"}, []
            renamed = dict(applied.renamed)
            written = {p: _read(state.root, p) for p in applied.written if p not in renamed}
            change = state.after_disk_change(
                {p: t for p, t in written.items() if t is not None}, renamed, applied.created
            )
            rendered = self._render(state, renderer, state.reports(change, sorted(state.open)))
            summary = _resolved_summary(result, bool(stage))
            return {
                "ok": True,
                "message": summary,
                "renamed": [[o, n] for o, n in applied.renamed],
                "created": applied.created,
                "written": applied.written,
                "migrate_commands": list(result.migrate_commands),
            }, rendered

        outcome = await self.run(state, job)
        if outcome is None:
            return {"ok": False, "message": "internal error (see the server log)"}
        answer, rendered = outcome
        self._deliver(state, rendered)
        self._lenses_changed()
        self.notify_user(logging.INFO if answer["ok"] else logging.WARNING, answer["message"])
        for old, new in answer.get("renamed", []):
            if renderer.uri(old) in self.documents:
                self.notify_user(logging.INFO, f"{old} is now {new}: close the old buffer")
        return answer

    async def cmd_stage(self, *args: object) -> dict[str, Any]:
        """After the editor applied a resolution's workspace edit: stage it as ``resolve``
        does (see :mod:`lsp_server.staging`)."""
        options = _options(args)
        root = options.get("root")
        renames = options.get("renames") or []
        contents = options.get("contents") or {}
        valid = (
            isinstance(root, str)
            and isinstance(renames, list)
            and all(isinstance(r, list) and len(r) == 2 for r in renames)
            and isinstance(contents, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in contents.items())
        )
        if not valid:
            return {"ok": False, "message": "stageResolution: malformed arguments"}
        assert isinstance(root, str)
        if root not in self.projects:
            return {"ok": False, "message": f"stageResolution: {root} is not an open project"}
        pairs = [(str(old), str(new)) for old, new in renames]
        loop = asyncio.get_running_loop()
        done = await loop.run_in_executor(None, staging.stage, root, pairs, contents)
        self.notify_user(logging.INFO if done.ok else logging.WARNING, done.message)
        return {"ok": done.ok, "message": done.message, "staged": done.staged}

    async def cmd_update_manifest(self, *args: object) -> dict[str, Any]:
        """Regenerate migrations.toml: through the editor (``workspace/applyEdit``) when it can,
        else on disk."""
        await self._projects_known()
        options = _options(args)
        state = self._project_arg(options)
        if state is None:
            return {"ok": False, "message": "no project"}
        await self._flush_all(state)
        await self._wait_loaded(state)
        plans = self.plans.setdefault(state.root, act.Plans())
        support = self.edit_support()
        renderer = self.renderer(state)

        def job() -> tuple[dict[str, Any], types.WorkspaceEdit | None, Rendered]:
            result = act.update(state, plans)
            path = state.manifest_path
            if result.blocking:
                return (
                    {
                        "ok": False,
                        "message": f"{path} was not written: " + act.refusal(result.blocking),
                    },
                    None,
                    [],
                )
            if result.plan.empty:
                return (
                    {"ok": True, "message": f"{path} is already up to date", "changes": []},
                    None,
                    [],
                )
            answer = {
                "ok": True,
                "message": f"Updated {path}: " + "; ".join(result.changes),
                "changes": list(result.changes),
            }
            if support.apply_edit and support.can_apply(result.plan):
                return answer, act.workspace_edit(result.plan, state, renderer, support), []
            if state.dirty_paths([path]):
                return {"ok": False, "message": f"save {path} first"}, None, []
            try:
                apply_plan(state.root, result.plan, use_git=False)
            except ApplyError as exc:
                return {"ok": False, "message": f"{path} was not written: {exc}"}, None, []
            text = _read(state.root, path)
            change = state.after_disk_change({path: text} if text is not None else {}, {})
            return answer, None, self._render(state, renderer, state.reports(change))

        outcome = await self.run(state, job)
        if outcome is None:
            return {"ok": False, "message": "internal error (see the server log)"}
        answer, edit, rendered = outcome
        if edit is not None:
            response = await self.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=edit, label=f"Update {state.manifest_path}")
            )
            if not response.applied:
                reason = response.failure_reason or "refused"
                answer = {"ok": False, "message": f"the editor did not apply the change: {reason}"}
        self._deliver(state, rendered)
        self.notify_user(logging.INFO if answer["ok"] else logging.WARNING, answer["message"])
        return answer

    async def cmd_show_info(self, *args: object) -> dict[str, Any]:
        await self._projects_known()
        projects = []
        for state in list(self.projects.values()):
            index = state.index
            projects.append(
                {
                    "root": state.root,
                    "ready": state.ready,
                    "error": state.error,
                    "apps": len(index.apps) if index else 0,
                    "migrations": len(index.decls) if index else 0,
                    "manifest": state.manifest_path,
                    "default_branch": state.baseline,
                    "open_documents": sorted(state.open),
                    "settings": to_json(state.settings),
                }
            )
        info = {
            "name": NAME,
            "version": __version__,
            "manifest_core": manifest_core.__version__,
            "pygls": _version("pygls"),
            "python": sys.version.split()[0],
            "diagnostics": "pull" if self.pull else "push",
            "position_encoding": self.encoding,
            "watching_files": "client"
            if self._watching
            else (
                f"scan every {self.settings.poll_interval:g} s" if self._poll else "on save only"
            ),
            "projects": projects,
        }
        lines = [f"{NAME} {__version__} (pygls {info['pygls']}, diagnostics {info['diagnostics']})"]
        for project in projects:
            state_text = project["error"] or (
                f"{project['apps']} apps, {project['migrations']} migrations"
                if project["ready"]
                else "indexing"
            )
            lines.append(f"{project['root']}: {state_text}")
        self.notify_user(logging.INFO, "; ".join(lines))
        return info

    async def cmd_reindex(self, *args: object) -> dict[str, Any]:
        await self._projects_known()
        for state in list(self.projects.values()):
            await self._wait_loaded(state)
            task = self._loads[state.root] = asyncio.ensure_future(self._load(state))
            await asyncio.shield(task)
        return await self.cmd_show_info()

    async def cmd_show_location(self, *args: object) -> bool:
        options = _options(args)
        uri, selection = options.get("uri"), options.get("range")
        if not isinstance(uri, str):
            return False
        if not self.capability("window.show_document.support", False):
            return False
        range_ = self.protocol._converter.structure(selection, types.Range) if selection else None
        result = await self.window_show_document_async(
            types.ShowDocumentParams(uri=uri, take_focus=True, selection=range_)
        )
        return bool(result and result.success)

    def _project_arg(self, options: dict[str, Any]) -> ProjectState | None:
        root = options.get("root")
        if isinstance(root, str) and os.path.abspath(root) in self.projects:
            return self.projects[os.path.abspath(root)]
        if isinstance(options.get("uri"), str):
            state, _ = self.project_of(options["uri"])
            if state is not None:
                return state
        return next(iter(self.projects.values()), None)

    async def _flush_all(self, state: ProjectState) -> None:
        for uri, document in list(self.documents.items()):
            if document.state is state:
                await self._flush(uri)

    # -- navigation ------------------------------------------------------------------------------
    async def _navigate(
        self, uri: str, needs: bool, job: Callable[[ProjectState, str], T]
    ) -> T | None:
        state, path = await self._state_for(uri)
        if state is None or path is None or not needs:
            return None
        await self._flush(uri)
        if not state.ready:
            await self._wait_loaded(state)
        if state.index is None:
            return None
        return await self.run(state, job, state, path)

    async def hover(self, params: types.HoverParams) -> types.Hover | None:
        state, _ = await self._state_for(params.text_document.uri)
        enabled = state is not None and state.settings.hover
        formats = self.capability("text_document.hover.content_format", []) or []
        markdown = not formats or types.MarkupKind.Markdown in formats
        encoding = self.encoding

        def job(state: ProjectState, path: str) -> types.Hover | None:
            text = state.text_of(path) or ""
            lines = Lines(text, encoding)
            line, column = lines.to_core(params.position)
            result = state.lint(path)
            finding = nav.finding_at(result.findings, line, column) if result else None
            span: Span | None
            if finding is not None:
                value, span = nav.finding_hover(finding), finding.span
            else:
                target = nav.reference_at(state, path, line, column)
                if target is None:
                    return None
                value, span = nav.reference_hover(state, target), target.ref.span
            kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
            return types.Hover(
                contents=types.MarkupContent(kind=kind, value=value),
                range=lines.range(span) if span else None,
            )

        return await self._navigate(params.text_document.uri, enabled, job)

    async def definition(self, params: types.DefinitionParams) -> types.Location | None:
        state, _ = await self._state_for(params.text_document.uri)
        enabled = state is not None and state.settings.definition
        encoding = self.encoding

        def job(state: ProjectState, path: str) -> types.Location | None:
            line, column = Lines(state.text_of(path) or "", encoding).to_core(params.position)
            target = nav.reference_at(state, path, line, column)
            if target is None or target.path is None:
                return None
            lines = Lines(state.text_of(target.path) or "", encoding)
            return types.Location(self.renderer(state).uri(target.path), lines.range(target.span))

        return await self._navigate(params.text_document.uri, enabled, job)

    async def document_link(
        self, params: types.DocumentLinkParams
    ) -> list[types.DocumentLink] | None:
        state, _ = await self._state_for(params.text_document.uri)
        enabled = state is not None and state.settings.document_links
        encoding = self.encoding

        def job(state: ProjectState, path: str) -> list[types.DocumentLink]:
            lines = Lines(state.text_of(path) or "", encoding)
            renderer = self.renderer(state)
            links = []
            for target in nav.references(state, path):
                span = target.ref.name_span or target.ref.span
                if target.path is None or span is None:
                    continue
                key = target.resolved or target.key
                links.append(
                    types.DocumentLink(
                        range=lines.range(span),
                        target=renderer.uri(target.path),
                        tooltip=f"{key[0]}.{key[1]} ({target.path})",
                    )
                )
            return links

        return await self._navigate(params.text_document.uri, enabled, job)

    async def code_lens(self, params: types.CodeLensParams) -> list[types.CodeLens] | None:
        state, _ = await self._state_for(params.text_document.uri)
        enabled = state is not None and state.settings.code_lens
        encoding = self.encoding

        def job(state: ProjectState, path: str) -> list[types.CodeLens]:
            lines = Lines(state.text_of(path) or "", encoding)
            renderer = self.renderer(state)
            found = []
            for lens in nav.lenses(state, path):
                arguments = None
                command = ""
                if lens.target is not None:
                    target_path, span = lens.target
                    target_lines = Lines(state.text_of(target_path) or "", encoding)
                    range_ = self.protocol._converter.unstructure(target_lines.range(span))
                    arguments = [{"uri": renderer.uri(target_path), "range": range_}]
                    command = act.SHOW_LOCATION
                found.append(
                    types.CodeLens(
                        range=lines.range(lens.span),
                        command=types.Command(
                            title=lens.title, command=command, arguments=arguments
                        ),
                    )
                )
            return found

        return await self._navigate(params.text_document.uri, enabled, job)


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


def _ours(uri: str) -> bool:
    """Whether a document outside every workspace folder is worth indexing its project for."""
    path = uris.to_fs_path(uri) or ""
    folder, name = os.path.split(path)
    return name == "migrations.toml" or (
        name.endswith(".py") and os.path.basename(folder) == "migrations"
    )


def _folder_of(server: MigrationServer, root: str) -> str | None:
    for folder in server._folders():
        if server._root_for(folder, server.settings_for(folder)) == root:
            return folder
    return None


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


def _options(args: Iterable[object]) -> dict[str, Any]:
    for arg in args:
        if isinstance(arg, dict):
            return arg
    return {}


def _read(root: str, path: str) -> str | None:
    from manifest_core.text import DecodeError, decode_source

    try:
        with open(os.path.join(root, path), "rb") as handle:
            return decode_source(handle.read())
    except (OSError, DecodeError):
        return None


def _resolved_summary(result: Any, staged: bool) -> str:
    parts = []
    for app in result.apps:
        if app.strategy == MERGE:
            parts.append(f"{app.label}: merge migration {app.created}")
        elif app.renames:
            moves = ", ".join(f"{old} → {new}" for old, new in app.renames)
            parts.append(f"{app.label}: {moves}")
        else:
            parts.append(f"{app.label}: {app.strategy}")
    text = "Resolved " + ("; ".join(parts) if parts else "migrations.toml")
    if result.migrate_commands:
        text += ". A database that applied the moved migrations must first run: " + "; ".join(
            result.migrate_commands
        )
    return text + (". Staged for commit." if staged else ".")


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def _configure_logging(level: str) -> None:
    """pygls logs every message it sends at INFO: keep that for ``--log-level debug``."""
    noisy = logging.DEBUG if level == "debug" else logging.WARNING
    for name in ("pygls", "pygls.protocol", "pygls.server", "pygls.feature_manager"):
        logging.getLogger(name).setLevel(noisy)


def create_server() -> MigrationServer:
    return MigrationServer()


__all__ = ["MigrationServer", "create_server", "path_uri"]
