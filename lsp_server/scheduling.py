"""Work the server starts by itself, off the editing path: resolutions planned once a conflict
shows, cycles through several apps looked for once editing pauses after a save, and the scans of
the migration folders for clients that cannot watch files.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from . import NAME
from ._lazy import LazyModule
from .project import ProjectState

if TYPE_CHECKING:
    from . import actions as act
else:
    # code actions (the resolve planner, the manifest writer) load on first use
    act = LazyModule("lsp_server.actions")

if TYPE_CHECKING:
    from .delivery import Rendered
    from .server import MigrationServer

#: Seconds after a conflict is shown before its fixes are planned in the background.
PLAN_DELAY_S = 0.3
#: Seconds without edits after a save before cycles through several apps are looked for.
CYCLES_DELAY_S = 1.0


async def plan(server: MigrationServer, state: ProjectState) -> None:
    """Plan the resolutions the project's conflicts call for, on its plans thread (one
    planning at a time; a request that finds one running waits for it, then plans what
    the latest state still lacks)."""
    running = server._planning.get(state.root)
    if running is not None and not running.done():
        await asyncio.shield(running)
    task = asyncio.ensure_future(server._plan_now(state))
    server._planning[state.root] = task
    await asyncio.shield(task)


async def plan_now(server: MigrationServer, state: ProjectState) -> None:
    plans = server.plans.setdefault(state.root, act.Plans())
    wanted = await server.run(state, lambda: act.request(state, plans, act.wanted(state)))
    if wanted is None:
        return
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(state.plans_executor, act.plan, plans, wanted)
    except Exception as exc:
        server.log(logging.ERROR, f"{NAME}: planning failed: {type(exc).__name__}: {exc}")


def plan_soon(server: MigrationServer, state: ProjectState) -> None:
    """A conflict is shown: plan its fixes in the background once the edits pause, so that
    the code actions are ready when asked for."""
    timer = server._plan_timers.pop(state.root, None)
    if timer is not None:
        timer.cancel()

    def start() -> None:
        server._plan_timers.pop(state.root, None)
        if state.root in server.projects:
            task = asyncio.ensure_future(server._plan(state))
            server._background.add(task)
            task.add_done_callback(server._background.discard)

    loop = asyncio.get_running_loop()
    server._plan_timers[state.root] = loop.call_later(PLAN_DELAY_S, start)


def schedule_cycles(server: MigrationServer, state: ProjectState) -> None:
    """Look for cycles through several apps once the editing pauses (it needs the whole
    repository's graph: a second at 50,000 migrations, which must not delay a keystroke)."""
    timer = server._cycle_timers.pop(state.root, None)
    if timer is not None:
        timer.cancel()
    loop = asyncio.get_running_loop()

    def start() -> None:
        server._cycle_timers.pop(state.root, None)
        if any(d.timer is not None or d.pending for d in server.documents.values()):
            server._schedule_cycles(state)  # still typing: later
            return
        task = asyncio.ensure_future(server._cycles(state))
        server._background.add(task)
        task.add_done_callback(server._background.discard)

    server._cycle_timers[state.root] = loop.call_later(CYCLES_DELAY_S, start)


async def cycles(server: MigrationServer, state: ProjectState) -> None:
    renderer = server.renderer(state)

    def job() -> Rendered:
        change = state.cross_component_cycles()
        if not (change.apps or change.manifest):
            return []
        return server._render(state, renderer, state.reports(change))

    server._deliver(state, await server.run(state, job))


async def poll_loop(server: MigrationServer) -> None:
    """For clients that cannot watch files: look for changes in the migration folders."""
    while True:
        await asyncio.sleep(max(server.settings.poll_interval, 0.2))
        for state in list(server.projects.values()):
            if not state.ready or state.index is None:
                continue
            found = await server.run(state, state.scan)
            if found and (found[0] or found[1]):
                server.log(logging.DEBUG, f"changed on disk: {found[0] + found[1]}")
                await server._refresh(state, *found)
