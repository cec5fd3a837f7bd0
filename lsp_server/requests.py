"""The language features a client asks for about a document: code actions, hovers, definitions,
document links and code lenses. Each finds the document's project, waits for what it needs
(pending edits, the index) and computes on the project's worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from lsprotocol import types

from manifest_core.model import Span

from ._lazy import LazyModule
from .positions import Lines
from .project import ProjectState

if TYPE_CHECKING:
    from . import actions as act
    from . import navigation as nav
else:
    # code actions (the resolve planner, the manifest writer) load on first use
    act = LazyModule("lsp_server.actions")
    nav = LazyModule("lsp_server.navigation")

if TYPE_CHECKING:
    from .server import MigrationServer

T = TypeVar("T")


async def code_action(
    server: MigrationServer, params: types.CodeActionParams
) -> list[types.CodeAction | types.Command] | None:
    uri = params.text_document.uri
    state, path = await server._state_for(uri)
    if state is None or path is None or not state.settings.code_actions:
        return None
    await server._flush(uri)
    if not state.ready:
        await server._wait_loaded(state)
    renderer, support = server.renderer(state), server.edit_support()
    plans = server.plans.setdefault(state.root, act.Plans())
    only = [str(kind) for kind in params.context.only] if params.context.only else None
    await server._plan(state)

    def job() -> list[types.CodeAction | types.Command]:
        found = act.code_actions(state, plans, renderer, support, path, params.range, only)
        return act.to_lsp(found, state, renderer, support)

    return await server.run(state, job)


async def navigate(
    server: MigrationServer, uri: str, needs: bool, job: Callable[[ProjectState, str], T]
) -> T | None:
    state, path = await server._state_for(uri)
    if state is None or path is None or not needs:
        return None
    await server._flush(uri)
    if not state.ready:
        await server._wait_loaded(state)
    if state.index is None:
        return None
    return await server.run(state, job, state, path)


async def hover(server: MigrationServer, params: types.HoverParams) -> types.Hover | None:
    state, _ = await server._state_for(params.text_document.uri)
    enabled = state is not None and state.settings.hover
    formats = server.capability("text_document.hover.content_format", []) or []
    markdown = not formats or types.MarkupKind.Markdown in formats
    encoding = server.encoding

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

    return await server._navigate(params.text_document.uri, enabled, job)


async def definition(
    server: MigrationServer, params: types.DefinitionParams
) -> types.Location | None:
    state, _ = await server._state_for(params.text_document.uri)
    enabled = state is not None and state.settings.definition
    encoding = server.encoding

    def job(state: ProjectState, path: str) -> types.Location | None:
        line, column = Lines(state.text_of(path) or "", encoding).to_core(params.position)
        target = nav.reference_at(state, path, line, column)
        if target is None or target.path is None:
            return None
        lines = Lines(state.text_of(target.path) or "", encoding)
        return types.Location(server.renderer(state).uri(target.path), lines.range(target.span))

    return await server._navigate(params.text_document.uri, enabled, job)


async def document_link(
    server: MigrationServer, params: types.DocumentLinkParams
) -> list[types.DocumentLink] | None:
    state, _ = await server._state_for(params.text_document.uri)
    enabled = state is not None and state.settings.document_links
    encoding = server.encoding

    def job(state: ProjectState, path: str) -> list[types.DocumentLink]:
        lines = Lines(state.text_of(path) or "", encoding)
        renderer = server.renderer(state)
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

    return await server._navigate(params.text_document.uri, enabled, job)


async def code_lens(
    server: MigrationServer, params: types.CodeLensParams
) -> list[types.CodeLens] | None:
    state, _ = await server._state_for(params.text_document.uri)
    enabled = state is not None and state.settings.code_lens
    encoding = server.encoding

    def job(state: ProjectState, path: str) -> list[types.CodeLens]:
        lines = Lines(state.text_of(path) or "", encoding)
        renderer = server.renderer(state)
        found = []
        for lens in nav.lenses(state, path):
            arguments = None
            command = ""
            if lens.target is not None:
                target_path, span = lens.target
                target_lines = Lines(state.text_of(target_path) or "", encoding)
                range_ = server.protocol._converter.unstructure(target_lines.range(span))
                arguments = [{"uri": renderer.uri(target_path), "range": range_}]
                command = act.SHOW_LOCATION
            found.append(
                types.CodeLens(
                    range=lines.range(lens.span),
                    command=types.Command(title=lens.title, command=command, arguments=arguments),
                )
            )
        return found

    return await server._navigate(params.text_document.uri, enabled, job)
