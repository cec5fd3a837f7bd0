"""The workspace: its folders and the project (root) each maps to, the settings per folder, file
watchers registered with the client, and indexing each project in the background with work-done
progress.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls import uris

from . import NAME, PREFIX
from .diagnostics import Renderer
from .project import ProjectState
from .settings import Settings

if TYPE_CHECKING:
    from .delivery import Rendered
    from .server import MigrationServer

logger = logging.getLogger("lsp_server")
#: Files watched on the client (``workspace/didChangeWatchedFiles``).
WATCHED = ("**/migrations/*.py", "**/migrations", "**/apps.py", "**/pyproject.toml")


def folders(server: MigrationServer) -> list[str]:
    """Folder paths of the workspace (``rootUri`` when the client gives no folders)."""
    folders = []
    for folder in server.workspace.folders.values():
        path = uris.to_fs_path(folder.uri)
        if path is None:
            server.log(logging.WARNING, f"{folder.uri}: not a local folder, ignored")
            continue
        folders.append(path)
    if not folders and server.workspace.root_path:
        folders.append(server.workspace.root_path)
    return folders


async def pull_configuration(server: MigrationServer) -> None:
    if not server.capability("workspace.configuration", False):
        return
    scopes = ["", *(uris.from_fs_path(f) or "" for f in server._folders())]
    items = [types.ConfigurationItem(scope_uri=s or None, section=PREFIX) for s in scopes]
    try:
        result = await asyncio.wait_for(
            server.workspace_configuration_async(types.ConfigurationParams(items=items)), 10
        )
    except Exception as exc:
        server.log(logging.WARNING, f"workspace/configuration failed ({exc}): using defaults")
        return
    server.client_settings = {}
    for scope, value in zip(scopes, result or [], strict=False):
        if value is not None:
            server.client_settings[scope] = value
    server._apply_global_settings()


async def register_dynamic(server: MigrationServer) -> None:
    registrations = []
    if server.capability("workspace.did_change_watched_files.dynamic_registration", False):
        watchers = [types.FileSystemWatcher(glob_pattern=p) for p in WATCHED]
        watchers.append(types.FileSystemWatcher(glob_pattern="**/migrations.toml"))
        registrations.append(
            types.Registration(
                id=str(uuid.uuid4()),
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers),
            )
        )
    if server.capability("workspace.did_change_configuration.dynamic_registration", False):
        registrations.append(
            types.Registration(
                id=str(uuid.uuid4()),
                method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                register_options=types.DidChangeConfigurationRegistrationOptions(section=PREFIX),
            )
        )
    if not registrations:
        return
    try:
        await asyncio.wait_for(
            server.client_register_capability_async(types.RegistrationParams(registrations)), 10
        )
    except Exception as exc:
        server.log(logging.WARNING, f"client/registerCapability failed: {exc}")
        return
    server._watching = any(
        r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES for r in registrations
    )


def project_for_folder(server: MigrationServer, folder: str) -> ProjectState:
    settings = server.settings_for(folder)
    root = server._root_for(folder, settings)
    state = server.projects.get(root)
    if state is None:
        state = server.projects[root] = ProjectState(root, settings)
        server.plans.pop(root, None)  # made on first use
        if not os.path.isdir(root):
            server.notify_user(
                logging.ERROR,
                f"{NAME}: the project root {root} does not exist (check the `root` setting); "
                "migrations there are not checked",
            )
        server._loads[root] = asyncio.ensure_future(server._load(state))
    return state


async def load(server: MigrationServer, state: ProjectState) -> None:
    token = await server._progress_begin("Indexing migrations", state.root)
    renderer = server.renderer(state)

    def job() -> tuple[Any, Rendered]:
        result = state.load()
        return result, server._render(state, renderer, state.all_reports())

    outcome = await server.run(state, job)
    if outcome is None:
        server._progress_end(token, "failed")
        return
    result, rendered = outcome
    if result.error:
        server.notify_user(logging.ERROR, f"{NAME}: {state.root}: {result.error}")
    else:
        server.log(
            logging.INFO,
            f"indexed {state.root}: {result.apps} apps, {result.migrations} migrations in "
            f"{result.seconds:.2f} s",
        )
    server._deliver(state, rendered)
    server._progress_end(
        token,
        result.error or f"{result.apps} apps, {result.migrations} migrations",
    )
    await server._watch_more(state)
    if server.capability("workspace.code_lens.refresh_support", False):
        server.workspace_code_lens_refresh(None)


async def watch_more(server: MigrationServer, state: ProjectState) -> None:
    """Watch what the usual patterns miss in this project (registered once per pattern)."""
    if not server._watching:
        return
    globs = [g for g in state.watch_globs() if g not in server._watched_extra]
    if not globs:
        return
    server._watched_extra.update(globs)
    base = uris.from_fs_path(state.root) or ""
    watchers = [
        types.FileSystemWatcher(glob_pattern=types.RelativePattern(base_uri=base, pattern=g))
        if server.capability("workspace.did_change_watched_files.relative_pattern_support", False)
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
            server.client_register_capability_async(types.RegistrationParams([registration])),
            10,
        )
    except Exception as exc:
        server.log(logging.WARNING, f"client/registerCapability failed: {exc}")


async def progress_begin(server: MigrationServer, title: str, message: str) -> str | None:
    if not server.capability("window.work_done_progress", False):
        return None
    server._progress += 1
    token = f"{PREFIX}/{server._progress}"
    try:
        await asyncio.wait_for(server.work_done_progress.create_async(token), 10)
    except Exception as exc:
        logger.debug("work done progress refused: %s", exc)
        return None
    server.work_done_progress.begin(
        token, types.WorkDoneProgressBegin(title=title, message=message, cancellable=False)
    )
    return token


def progress_end(server: MigrationServer, token: str | None, message: str) -> None:
    if token is not None:
        server.work_done_progress.end(token, types.WorkDoneProgressEnd(message=message))


async def did_change_configuration(
    server: MigrationServer, params: types.DidChangeConfigurationParams
) -> None:
    if server.capability("workspace.configuration", False):
        await server._pull_configuration()
    else:
        server.client_settings[""] = params.settings or {}
        server._apply_global_settings()
    for root, state in list(server.projects.items()):
        settings = server.settings_for(_folder_of(server, root))
        new_root = settings.root and server._root_for(_folder_of(server, root) or root, settings)
        if new_root and new_root != root:
            await server._replace_project(state, new_root, settings)
            continue
        renderer = server.renderer(state)

        def job(
            state: ProjectState = state,
            settings: Settings = settings,
            renderer: Renderer = renderer,
        ) -> Rendered:
            if not state.apply_settings(settings):
                return []
            return server._render(state, renderer, state.all_reports())

        server._deliver(state, await server.run(state, job))
    server._lenses_changed()
    if server._poll is None and not server._watching and server.settings.poll_interval > 0:
        server._poll = asyncio.ensure_future(server._poll_loop())


async def replace_project(
    server: MigrationServer, state: ProjectState, root: str, settings: Settings
) -> None:
    """The ``root`` setting changed: index the new root, clear what the old one showed."""
    old = server.projects.pop(state.root)
    server.plans.pop(state.root, None)
    cleared: Rendered = [(path, None, []) for path in sorted(old.reported)]
    server._deliver(old, cleared)
    old.close()
    new = server.projects[root] = ProjectState(root, settings)
    server.plans.pop(root, None)  # made on first use
    if not os.path.isdir(root):
        server.notify_user(logging.ERROR, f"{NAME}: the project root {root} does not exist")
    server._loads[root] = asyncio.ensure_future(server._load(new))
    server._adopt_documents()


def adopt_documents(server: MigrationServer) -> None:
    """Give the open documents to the projects that now hold them (after a project was
    added, removed or moved)."""
    for uri, document in server.documents.items():
        if document.state is not None and document.state.root in server.projects:
            continue
        state, path = server.project_of(uri)
        document.state, document.path = state, path
        if state is not None and path is not None:
            server._start(document)


async def did_change_folders(
    server: MigrationServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    for folder in params.event.added:
        path = uris.to_fs_path(folder.uri)
        if path is not None:
            server._project_for_folder(path)
    server._adopt_documents()
    for folder in params.event.removed:
        path = uris.to_fs_path(folder.uri)
        if path is None:
            continue
        root = server._root_for(path, server.settings_for(path))
        state = server.projects.get(root)
        if (
            state is not None
            and not any(d.state is state for d in server.documents.values())
            and not any(
                server._root_for(f, server.settings_for(f)) == root for f in server._folders()
            )
        ):
            cleared: Rendered = [(p, None, []) for p in sorted(state.reported)]
            server._deliver(state, cleared)
            server.projects.pop(root).close()


def _folder_of(server: MigrationServer, root: str) -> str | None:
    for folder in server._folders():
        if server._root_for(folder, server.settings_for(folder)) == root:
            return folder
    return None
