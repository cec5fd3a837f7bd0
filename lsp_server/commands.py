"""The server's commands (``workspace/executeCommand``): resolve, stage a resolution the editor
applied, regenerate migrations.toml, show the server's state, index again, open a location.

Each takes the server (for its projects, their worker threads and what is sent to the client)
and the command's arguments as they came; the work on a project runs on its worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from lsprotocol import types

import manifest_core

from . import NAME, __version__, staging
from ._lazy import LazyModule
from .settings import to_json

if TYPE_CHECKING:
    from . import actions as act
else:
    # code actions (the resolve planner, the manifest writer) load on first use
    act = LazyModule("lsp_server.actions")

if TYPE_CHECKING:
    from .delivery import Rendered
    from .project import ProjectState
    from .server import MigrationServer


async def resolve(server: MigrationServer, *args: object) -> dict[str, Any]:
    """Resolve the conflicts (every conflicted app, or ``apps``) on disk, as
    ``python -m manifest_core resolve`` does: atomic, ``git mv``, staged as configured."""
    from manifest_core.fsops import ApplyError, apply_plan
    from manifest_core.resolve.command import _to_stage
    from manifest_core.resolve.model import MERGE, RENUMBER

    options = _options(args)
    state = await _ready_project(server, options)
    if state is None:
        return {"ok": False, "message": "no project"}
    strategy = options.get("strategy")
    plans = server.plans.setdefault(state.root, act.Plans())
    await server._plan(state)
    apps = options.get("apps")
    renderer = server.renderer(state)

    def job() -> tuple[dict[str, Any], Rendered]:
        chosen = strategy if strategy in (RENUMBER, MERGE) else act.resolve_settings(state).strategy
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
        rendered = server._render(state, renderer, state.reports(change, sorted(state.open)))
        summary = _resolved_summary(result, bool(stage))
        return {
            "ok": True,
            "message": summary,
            "renamed": [[o, n] for o, n in applied.renamed],
            "created": applied.created,
            "written": applied.written,
            "migrate_commands": list(result.migrate_commands),
        }, rendered

    outcome = await server.run(state, job)
    if outcome is None:
        return {"ok": False, "message": "internal error (see the server log)"}
    answer, rendered = outcome
    server._deliver(state, rendered)
    server._lenses_changed()
    server.notify_user(logging.INFO if answer["ok"] else logging.WARNING, answer["message"])
    for old, new in answer.get("renamed", []):
        if renderer.uri(old) in server.documents:
            server.notify_user(logging.INFO, f"{old} is now {new}: close the old buffer")
    return answer


async def stage(server: MigrationServer, *args: object) -> dict[str, Any]:
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
    if root not in server.projects:
        return {"ok": False, "message": f"stageResolution: {root} is not an open project"}
    pairs = [(str(old), str(new)) for old, new in renames]
    loop = asyncio.get_running_loop()
    done = await loop.run_in_executor(None, staging.stage, root, pairs, contents)
    server.notify_user(logging.INFO if done.ok else logging.WARNING, done.message)
    return {"ok": done.ok, "message": done.message, "staged": done.staged}


async def update_manifest(server: MigrationServer, *args: object) -> dict[str, Any]:
    """Regenerate migrations.toml: through the editor (``workspace/applyEdit``) when it can,
    else on disk."""
    from manifest_core.fsops import ApplyError, apply_plan

    options = _options(args)
    state = await _ready_project(server, options)
    if state is None:
        return {"ok": False, "message": "no project"}
    plans = server.plans.setdefault(state.root, act.Plans())
    support = server.edit_support()
    renderer = server.renderer(state)

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
        return answer, None, server._render(state, renderer, state.reports(change))

    outcome = await server.run(state, job)
    if outcome is None:
        return {"ok": False, "message": "internal error (see the server log)"}
    answer, edit, rendered = outcome
    if edit is not None:
        response = await server.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=f"Update {state.manifest_path}")
        )
        if not response.applied:
            reason = response.failure_reason or "refused"
            answer = {"ok": False, "message": f"the editor did not apply the change: {reason}"}
    server._deliver(state, rendered)
    server.notify_user(logging.INFO if answer["ok"] else logging.WARNING, answer["message"])
    return answer


async def show_info(server: MigrationServer, *args: object) -> dict[str, Any]:
    await server._projects_known()
    projects = []
    for state in list(server.projects.values()):
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
        "diagnostics": "pull" if server.pull else "push",
        "position_encoding": server.encoding,
        "watching_files": "client"
        if server._watching
        else (
            f"scan every {server.settings.poll_interval:g} s" if server._poll else "on save only"
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
    server.notify_user(logging.INFO, "; ".join(lines))
    return info


async def reindex(server: MigrationServer, *args: object) -> dict[str, Any]:
    await server._projects_known()
    for state in list(server.projects.values()):
        await server._wait_loaded(state)
        task = server._loads[state.root] = asyncio.ensure_future(server._load(state))
        await asyncio.shield(task)
    return await show_info(server)


async def show_location(server: MigrationServer, *args: object) -> bool:
    options = _options(args)
    uri, selection = options.get("uri"), options.get("range")
    if not isinstance(uri, str):
        return False
    if not server.capability("window.show_document.support", False):
        return False
    range_ = server.protocol._converter.structure(selection, types.Range) if selection else None
    result = await server.window_show_document_async(
        types.ShowDocumentParams(uri=uri, take_focus=True, selection=range_)
    )
    return bool(result and result.success)


async def _ready_project(server: MigrationServer, options: dict[str, Any]) -> ProjectState | None:
    """The project a command names (see :func:`project_arg`), with every open buffer flushed
    into it and its index loaded; ``None`` when there is no such project."""
    await server._projects_known()
    state = project_arg(server, options)
    if state is None:
        return None
    await flush_all(server, state)
    await server._wait_loaded(state)
    return state


def project_arg(server: MigrationServer, options: dict[str, Any]) -> ProjectState | None:
    root = options.get("root")
    if isinstance(root, str) and os.path.abspath(root) in server.projects:
        return server.projects[os.path.abspath(root)]
    if isinstance(options.get("uri"), str):
        state, _ = server.project_of(options["uri"])
        if state is not None:
            return state
    return next(iter(server.projects.values()), None)


async def flush_all(server: MigrationServer, state: ProjectState) -> None:
    for uri, document in list(server.documents.items()):
        if document.state is state:
            await server._flush(uri)


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
    from manifest_core.resolve.model import MERGE

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
