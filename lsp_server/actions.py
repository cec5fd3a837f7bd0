"""Code actions and the plans behind them: the core's plans as LSP workspace edits.

Each fix is a :class:`~manifest_core.plan.Plan` made by the core: ``plan_resolution`` (renumber
or merge, for one app or all), ``plan_update`` (regenerate migrations.toml) or a lint finding's
fix. A plan travels as a ``WorkspaceEdit`` when the client can apply all of it: text edits,
and, in ``documentChanges``, the ``RenameFile``/``CreateFile`` operations it declares in
``workspace.workspaceEdit.resourceOperations``. Otherwise the action runs a server command that
computes the same plan again and applies it on disk (``fsops.apply_plan``: atomic, rolled back on
failure, ``git mv`` for tracked files).

The functions here that touch the index run on the project's worker thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types

from manifest_core import codes
from manifest_core.config import ConfigError
from manifest_core.lint import Finding
from manifest_core.model import Problem, Severity
from manifest_core.plan import EditError, Plan, apply_edits
from manifest_core.project import Project
from manifest_core.resolve import (
    ContextError,
    Resolution,
    SideContext,
    gather_context,
    plan_resolution,
)
from manifest_core.resolve.command import _to_stage
from manifest_core.resolve.model import MERGE, RENUMBER
from manifest_core.resolve.settings import ResolveSettings, load_settings
from manifest_core.update import UpdateResult, plan_update

from .diagnostics import Renderer
from .names import COMMANDS as COMMANDS  # the names, in a module the server loads at start
from .names import KINDS as KINDS
from .names import REINDEX as REINDEX
from .names import RESOLVE as RESOLVE
from .names import SHOW_INFO as SHOW_INFO
from .names import SHOW_LOCATION as SHOW_LOCATION
from .names import SOURCE_RESOLVE as SOURCE_RESOLVE
from .names import SOURCE_UPDATE as SOURCE_UPDATE
from .names import STAGE as STAGE
from .names import UPDATE_MANIFEST as UPDATE_MANIFEST
from .positions import Lines, overlaps
from .project import ProjectState

#: Problems that a regenerated migrations.toml fixes.
_MANIFEST_CODES = frozenset(
    {
        codes.MANIFEST_MISSING.code,
        codes.MANIFEST_CONFLICT.code,
        codes.MANIFEST_INVALID.code,
        codes.MANIFEST_DUPLICATE.code,
        codes.APP_NOT_IN_MANIFEST.code,
        codes.UNKNOWN_APP.code,
        codes.STALE_HEAD.code,
        codes.WRONG_PATH.code,
    }
)


@dataclass(frozen=True)
class EditSupport:
    """What the client can apply: from ``workspace.workspaceEdit`` and ``codeAction``."""

    document_changes: bool = False
    resource_operations: frozenset[str] = frozenset()
    literals: bool = True  #: ``codeActionLiteralSupport``: CodeAction objects, not Commands
    disabled: bool = False  #: ``disabledSupport``
    preferred: bool = False  #: ``isPreferredSupport``
    apply_edit: bool = False  #: ``workspace.applyEdit``: the server may ask for edits

    def can_apply(self, plan: Plan) -> bool:
        if not (plan.renames or plan.creates):
            return True
        needed = set()
        if plan.renames:
            needed.add("rename")
        if plan.creates:
            needed.add("create")
        return self.document_changes and needed <= self.resource_operations


@dataclass
class Action:
    """A code action before it is written for the client."""

    title: str
    kind: str
    diagnostics: list[types.Diagnostic] = field(default_factory=list)
    plan: Plan | None = None
    #: ``(command, arguments)`` when the plan must be applied by the server.
    command: tuple[str, dict[str, Any]] | None = None
    preferred: bool = False
    disabled: str | None = None


def workspace_edit(
    plan: Plan, state: ProjectState, renderer: Renderer, support: EditSupport
) -> types.WorkspaceEdit:
    """The plan as a ``WorkspaceEdit``: edits on the original paths, then renames, then creates
    (the order :mod:`manifest_core.plan` prescribes), positions in the client's encoding."""
    by_path: dict[str, list[types.TextEdit]] = {}
    for edit in plan.edits:
        lines = Lines(state.text_of(edit.path) or "", renderer.encoding)
        by_path.setdefault(edit.path, []).append(
            types.TextEdit(
                range=types.Range(
                    lines.position(edit.span.line, edit.span.column),
                    lines.position(edit.span.end_line, edit.span.end_column),
                ),
                new_text=edit.new_text,
            )
        )
    if not support.document_changes:
        return types.WorkspaceEdit(
            changes={renderer.uri(path): edits for path, edits in by_path.items()}
        )
    changes: list[
        types.TextDocumentEdit | types.CreateFile | types.RenameFile | types.DeleteFile
    ] = []
    for path, edits in by_path.items():
        document = state.open.get(path)
        version = document.version if document is not None and not document.detached else None
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=renderer.uri(path), version=version
                ),
                edits=list(edits),
            )
        )
    for rename in plan.renames:
        changes.append(
            types.RenameFile(
                old_uri=renderer.uri(rename.old_path),
                new_uri=renderer.uri(rename.new_path),
                options=types.RenameFileOptions(overwrite=False, ignore_if_exists=False),
            )
        )
    for create in plan.creates:
        uri = renderer.uri(create.path)
        changes.append(
            types.CreateFile(
                uri=uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False)
            )
        )
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                edits=[
                    types.TextEdit(
                        types.Range(types.Position(0, 0), types.Position(0, 0)), create.content
                    )
                ],
            )
        )
    return types.WorkspaceEdit(document_changes=changes)


# -- the plans -------------------------------------------------------------------------------


@dataclass
class Plans:
    """The core's plans for one state of the index, computed once each (code action requests
    come with every cursor move). Resolutions are planned on the project's plans thread (see
    :func:`plan`), from a snapshot the worker takes, so that planning a large repository never
    holds up the diagnostics of an edit."""

    generation: int = -1
    resolutions: dict[tuple[frozenset[str] | None, str], Resolution] = field(default_factory=dict)
    context: SideContext | None = None
    update: UpdateResult | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self, generation: int) -> None:
        with self.lock:
            if generation != self.generation:
                self.generation = generation
                self.resolutions.clear()
                self.context = None
                self.update = None


Key = tuple[frozenset[str] | None, str]


@dataclass(frozen=True)
class PlanRequest:
    """What planning needs, taken on the worker: the project as it is, and the settings."""

    generation: int
    project: Project
    default_branch: str | None
    migrate_command: str
    keys: tuple[Key, ...]


def resolve_settings(state: ProjectState) -> ResolveSettings:
    assert state.index is not None
    try:
        return load_settings(state.root, state.index.config)
    except ConfigError:
        return ResolveSettings()


def wanted(state: ProjectState) -> list[Key]:
    """The resolutions the project's conflicts call for: each conflicted app renumbered or
    merged, and all of them at once (worker thread)."""
    index = state.index
    if index is None:
        return []
    conflicted = [label for label in sorted(index.apps) if len(index.leaves(label)) > 1]
    if not conflicted and not index.manifest.conflicted:
        return []
    keys: list[Key] = [(frozenset({label}), s) for label in conflicted for s in (RENUMBER, MERGE)]
    return [*keys, (None, RENUMBER), (None, MERGE)]


def request(state: ProjectState, plans: Plans, keys: Iterable[Key]) -> PlanRequest | None:
    """A snapshot for planning the ``keys`` not planned yet (worker thread)."""
    plans.reset(state.generation)
    missing = tuple(k for k in keys if k not in plans.resolutions)
    if not missing or state.index is None:
        return None
    return PlanRequest(
        state.generation,
        state.full_project(),
        state.index.config.default_branch,
        resolve_settings(state).migrate_command,
        missing,
    )


def plan(plans: Plans, wanted: PlanRequest) -> None:
    """Plan the requested resolutions (plans thread): ``plan_resolution`` is pure, and works on
    the snapshot while the worker goes on with edits."""
    project = wanted.project
    context = plans.context
    if context is None:
        try:
            context = gather_context(project.root, project, configured=wanted.default_branch)
        except ContextError as exc:
            problem = codes.RESOLVE_SIDE_UNKNOWN.problem(project.manifest.path, None, str(exc))
            refused = Resolution(Plan("resolve: refused"), problems=(problem,))
            with plans.lock:
                if plans.generation == wanted.generation:
                    plans.resolutions.update(dict.fromkeys(wanted.keys, refused))
            return
    for key in wanted.keys:
        found = plan_resolution(
            project,
            context,
            strategy=key[1],
            apps=key[0],
            migrate_command=wanted.migrate_command,
        )
        with plans.lock:
            if plans.generation != wanted.generation:
                return  # the project changed meanwhile: these plans are of no use
            plans.context = context
            plans.resolutions[key] = found


def resolution(
    state: ProjectState, plans: Plans, apps: Iterable[str] | None, strategy: str
) -> Resolution:
    """``plan_resolution`` for these apps (``None``: every conflicted app), as ``resolve``
    makes it: with git's facts and the project's resolve settings (worker thread; planned
    here when :func:`plan` has not done it yet)."""
    plans.reset(state.generation)
    key = (frozenset(apps) if apps is not None else None, strategy)
    found = plans.resolutions.get(key)
    if found is None:
        wanted = request(state, plans, [key])
        assert wanted is not None
        plan(plans, wanted)
        found = plans.resolutions[key]
    return found


def update(state: ProjectState, plans: Plans) -> UpdateResult:
    plans.reset(state.generation)
    if plans.update is None:
        assert state.index is not None
        plans.update = plan_update(state.index.summary(), state.index.manifest)
    return plans.update


def refusal(problems: Iterable[Problem]) -> str:
    """Why a plan was refused, in one line."""
    errors = [p for p in problems if p.severity >= Severity.ERROR]
    if not errors:
        return "nothing to change"
    first = errors[0]
    where = f"{first.path}:{first.line}: " if first.path else ""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}{first.message}{more}"


def _resolve_title(result: Resolution, label: str, strategy: str) -> str:
    app = next((a for a in result.apps if a.label == label), None)
    if strategy == MERGE:
        created = f" ({app.created})" if app is not None and app.created else ""
        return f"Create a merge migration for {label} instead{created}"
    if app is None or not app.moved:
        return f"Renumber this branch's {label} migrations after the other head"
    moved = ", ".join(app.moved) if len(app.moved) <= 2 else f"{len(app.moved)} migrations"
    return f"Renumber {label}: move {moved} after {app.kept}"


def conflict_actions(
    state: ProjectState,
    plans: Plans,
    label: str,
    diagnostics: list[types.Diagnostic],
    support: EditSupport,
) -> list[Action]:
    """Renumber this app's moving branch after the other head, or write a merge migration."""
    preferred = resolve_settings(state).strategy
    found = []
    for strategy in (RENUMBER, MERGE):
        result = resolution(state, plans, {label}, strategy)
        action = Action(
            _resolve_title(result, label, strategy),
            types.CodeActionKind.QuickFix,
            diagnostics,
            preferred=strategy == preferred,
        )
        if not result.ok:
            action.disabled = refusal(result.problems)
        elif support.can_apply(result.plan):
            action.plan = result.plan
            action.command = staging(state, plans, result)
        else:
            action.command = (RESOLVE, {"root": state.root, "apps": [label], "strategy": strategy})
        found.append(action)
    return found


def staging(
    state: ProjectState, plans: Plans, result: Resolution
) -> tuple[str, dict[str, Any]] | None:
    """The command that follows a resolution's workspace edit: git sees what ``resolve``
    leaves staged (the renames as ``git mv`` makes them; migrations.toml, the merge migrations
    and the edited tracked files as ``git add`` would, with the planned text). Without it, an
    editor's file rename leaves the old file in git's index during a merge, and a commit of
    what git lists as conflicted loses the renamed migration. ``None`` outside git."""
    context = plans.context
    if context is None or not context.is_git:
        return None
    plan = result.plan
    renames = [[r.old_path, r.new_path] for r in plan.renames if r.old_path in context.tracked]
    contents: dict[str, str] = {}
    if resolve_settings(state).stage:
        original = {r.new_path: r.old_path for r in plan.renames}
        created = {c.path: c.content for c in plan.creates}
        for path in _to_stage(result, context, state.manifest_path):
            if path in created:
                contents[path] = created[path]
                continue
            source = original.get(path, path)
            text = state.text_of(source)
            if text is None:
                return None
            try:
                contents[path] = apply_edits(text, [e for e in plan.edits if e.path == source])
            except EditError:
                return None
    return STAGE, {"root": state.root, "renames": renames, "contents": contents}


def update_action(
    state: ProjectState, plans: Plans, diagnostics: list[types.Diagnostic], kind: str
) -> Action:
    result = update(state, plans)
    path = state.manifest_path
    changes = "; ".join(result.changes)
    title = f"Regenerate {path}" + (f" ({changes})" if changes and len(changes) < 80 else "")
    action = Action(title, kind, diagnostics)
    if result.blocking:
        action.disabled = refusal(result.blocking)
    elif result.plan.empty:
        action.disabled = f"{path} is up to date"
    else:
        action.plan = result.plan
    return action


def lint_actions(finding: Finding, diagnostic: types.Diagnostic) -> list[Action]:
    found = []
    if finding.fix is not None:
        found.append(
            Action(
                finding.fix.title,
                types.CodeActionKind.QuickFix,
                [diagnostic],
                finding.fix,
                preferred=True,
            )
        )
    suppress = finding.suppression_fix
    if suppress is not None:
        found.append(Action(suppress.title, types.CodeActionKind.QuickFix, [diagnostic], suppress))
    return found


def code_actions(
    state: ProjectState,
    plans: Plans,
    renderer: Renderer,
    support: EditSupport,
    path: str,
    range_: types.Range,
    only: list[str] | None,
) -> list[Action]:
    """Quick fixes for the diagnostics under ``range_``, then the source actions."""
    index = state.index
    if index is None:
        return []
    report = state.report(path)
    lines = Lines(report.text or "", renderer.encoding)
    wanted = lines.span(range_)
    actions: list[Action] = []

    def allowed(kind: str) -> bool:
        return not only or any(kind == k or kind.startswith(k + ".") for k in only)

    if allowed(types.CodeActionKind.QuickFix):
        manifest_diagnostics: list[types.Diagnostic] = []
        conflicts: dict[str, list[types.Diagnostic]] = {}
        for problem in report.problems:
            if not overlaps(problem.span, wanted) and not _whole_line(problem, wanted):
                continue
            diagnostic = renderer.problem(problem, lines, lambda p: Lines(state.text_of(p) or ""))
            if problem.code == codes.MULTIPLE_LEAVES.code:
                label = problem.app or index.app_of(path)
                if label is not None:
                    conflicts.setdefault(label, []).append(diagnostic)
            elif problem.code == codes.MANIFEST_CONFLICT.code:
                conflicts.setdefault("", []).append(diagnostic)
            elif problem.code in _MANIFEST_CODES:
                manifest_diagnostics.append(diagnostic)
        for label, diagnostics in sorted(conflicts.items()):
            if label:
                actions += conflict_actions(state, plans, label, diagnostics, support)
            else:
                actions += _manifest_conflict_actions(state, plans, diagnostics, support)
        if manifest_diagnostics:
            actions.append(
                update_action(state, plans, manifest_diagnostics, types.CodeActionKind.QuickFix)
            )
        for finding in report.findings:
            if overlaps(finding.span, wanted) or overlaps(finding.operation_span, wanted):
                actions += lint_actions(finding, renderer.finding(finding, lines))
    if allowed(SOURCE_RESOLVE) and only:
        result = resolution(state, plans, None, resolve_settings(state).strategy)
        action = Action("Resolve all migration conflicts", SOURCE_RESOLVE)
        if not result.ok:
            action.disabled = (
                refusal(result.problems) if not result.nothing_to_do else ("nothing to resolve")
            )
        else:
            action.command = (RESOLVE, {"root": state.root})
        actions.append(action)
    if allowed(SOURCE_UPDATE) and only:
        actions.append(update_action(state, plans, [], SOURCE_UPDATE))
    return actions


def _manifest_conflict_actions(
    state: ProjectState, plans: Plans, diagnostics: list[types.Diagnostic], support: EditSupport
) -> list[Action]:
    """Conflict markers in migrations.toml: resolve every conflicted app (which rewrites the
    manifest), or, when no app has two leaves, regenerate it."""
    preferred = resolve_settings(state).strategy
    found = []
    for strategy in (RENUMBER, MERGE):
        result = resolution(state, plans, None, strategy)
        if result.nothing_to_do:
            continue
        labels = ", ".join(a.label for a in result.apps if a.strategy != "repair")
        if strategy == MERGE and not labels:
            continue  # only the manifest to rewrite: the renumber action does it
        verb = "Renumber" if strategy == RENUMBER else "Write merge migrations for"
        title = (
            f"{verb} {labels} and rewrite {state.manifest_path}"
            if labels
            else (f"Rewrite {state.manifest_path} from the migrations on disk")
        )
        action = Action(
            title, types.CodeActionKind.QuickFix, diagnostics, preferred=strategy == preferred
        )
        if not result.ok:
            action.disabled = refusal(result.problems)
        elif support.can_apply(result.plan):
            action.plan = result.plan
            action.command = staging(state, plans, result)
        else:
            action.command = (RESOLVE, {"root": state.root, "strategy": strategy})
        found.append(action)
    return found


def _whole_line(problem: Problem, wanted: Any) -> bool:
    """Manifest problems sit on a line: any cursor on it counts."""
    span = problem.span
    return span is not None and span.line <= wanted.line <= span.end_line


def to_lsp(
    actions: list[Action],
    state: ProjectState,
    renderer: Renderer,
    support: EditSupport,
) -> list[types.CodeAction | types.Command]:
    """Write the actions for the client (plans as workspace edits, or server commands)."""
    written: list[types.CodeAction | types.Command] = []
    for action in actions:
        command = None
        if action.command is not None:
            name, arguments = action.command
            command = types.Command(title=action.title, command=name, arguments=[arguments])
        if not support.literals:
            if command is not None and action.disabled is None:
                written.append(command)
            continue
        if action.disabled is not None and not support.disabled:
            continue
        edit = None
        if action.plan is not None and action.disabled is None:
            edit = workspace_edit(action.plan, state, renderer, support)
        written.append(
            types.CodeAction(
                title=action.title,
                kind=action.kind,
                diagnostics=action.diagnostics or None,
                edit=edit,
                command=command if action.disabled is None else None,
                is_preferred=action.preferred if support.preferred else None,
                disabled=types.CodeActionDisabled(action.disabled)
                if action.disabled is not None
                else None,
            )
        )
    return written


def touched(plan: Plan) -> list[str]:
    """Paths a plan reads before writing: edited files and files renamed away."""
    return sorted({e.path for e in plan.edits} | {r.old_path for r in plan.renames})
