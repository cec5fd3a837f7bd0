"""Diagnostics to the client: rendered from the projects' reports, then pushed
(``textDocument/publishDiagnostics``, skipping what the client already has and results for
versions no longer current) or, for clients that pull, answered (``textDocument/diagnostic``,
``workspace/diagnostic``, with result ids).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from .diagnostics import Renderer, fingerprint
from .project import FileReport, ProjectState

if TYPE_CHECKING:
    from .server import MigrationServer

#: Diagnostics whose fixes are planned ahead (two leaves, conflict markers in the manifest).
CONFLICT_CODES = frozenset({"MM009", "MM002"})

Rendered = list[tuple[str, int | None, list[types.Diagnostic]]]


def render(state: ProjectState, renderer: Renderer, reports: list[FileReport]) -> Rendered:
    return [
        (report.path, report.version, renderer.diagnostics(report, state.text_of))
        for report in reports
    ]


def deliver(
    server: MigrationServer, state: ProjectState, rendered: Rendered | None, *, quick: bool = False
) -> None:
    """Send what was computed (push), or note it for the client to pull; drop results for
    document versions that are no longer current."""
    while state.events:
        server.log(logging.INFO, state.events.pop(0))
    if not rendered:
        return
    renderer = server.renderer(state)
    changed = False
    if any(d.code in CONFLICT_CODES for _, _, found in rendered for d in found):
        server._plan_soon(state)
    for path, version, diagnostics in rendered:
        uri = renderer.uri(path)
        document = server.documents.get(uri)
        if document is not None and version is not None and document.version != version:
            continue  # stale: a newer version is on its way
        if document is None and version is not None:
            continue  # closed meanwhile
        digest = fingerprint(diagnostics, server.protocol._converter)
        if server.pull:
            if server.pulled.get(uri) != digest:
                changed = True
            continue
        if server.published.get(uri) == digest and not quick:
            continue
        if not diagnostics and uri not in server.published:
            continue
        server.published[uri] = digest
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )
        if not diagnostics:
            server.published.pop(uri, None)
    if changed and server.capability("workspace.diagnostics.refresh_support", False):
        server.workspace_diagnostic_refresh(None)


async def pull_document(
    server: MigrationServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    uri = params.text_document.uri
    state, path = await server._state_for(uri)
    empty = types.RelatedFullDocumentDiagnosticReport(items=[])
    if state is None or path is None:
        return empty
    await server._flush(uri)
    if not state.ready:
        document = server.documents.get(uri)
        report = await server._quick(state, path, document)
        rendered = server._render(state, server.renderer(state), [report]) if report else []
    else:
        renderer = server.renderer(state)
        rendered = (
            await server.run(state, lambda: server._render(state, renderer, [state.report(path)]))
            or []
        )
    diagnostics = rendered[0][2] if rendered else []
    digest = fingerprint(diagnostics, server.protocol._converter)
    server.pulled[uri] = digest
    if params.previous_result_id == digest:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=digest)
    return types.RelatedFullDocumentDiagnosticReport(items=diagnostics, result_id=digest)


async def pull_workspace(
    server: MigrationServer, params: types.WorkspaceDiagnosticParams
) -> types.WorkspaceDiagnosticReport:
    previous = {p.uri: p.value for p in params.previous_result_ids}
    # Every file the client holds a result for gets a new one (empty once fixed): a file
    # left out of the report would keep its old problems in the client.
    held: dict[str, set[str]] = {}
    for uri in previous:
        owner, path = server.project_of(uri)
        if owner is not None and path is not None:
            held.setdefault(owner.root, set()).add(path)
    items: list[
        types.WorkspaceFullDocumentDiagnosticReport
        | types.WorkspaceUnchangedDocumentDiagnosticReport
    ] = []
    for state in list(server.projects.values()):
        if not state.ready:
            continue
        renderer = server.renderer(state)

        client_holds = held.get(state.root, set())

        def job(
            state: ProjectState = state,
            renderer: Renderer = renderer,
            client_holds: set[str] = client_holds,
        ) -> Rendered:
            paths = state.problem_paths() | state.reported | client_holds
            return server._render(state, renderer, [state.report(p) for p in sorted(paths)])

        for path, version, diagnostics in await server.run(state, job) or []:
            uri = renderer.uri(path)
            digest = fingerprint(diagnostics, server.protocol._converter)
            server.pulled[uri] = digest
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
