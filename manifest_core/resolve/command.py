"""``python -m manifest_core resolve``: the command line face of :mod:`manifest_core.resolve`."""

from __future__ import annotations

import argparse
from typing import Any

from manifest_core.cli import EXIT_FINDINGS, EXIT_OK, Context, UsageError, command
from manifest_core.model import Problem
from manifest_core.output import problem_json, render_problems
from manifest_core.plan import Plan
from manifest_core.resolve.model import (
    MERGE,
    SIDES,
    SQUASH,
    STRATEGIES,
    AppResolution,
    Resolution,
)
from manifest_core.resolve.sides import SideContext

NOTHING = (
    "Nothing to resolve: every app has a single leaf migration and migrations.toml has no "
    "conflict markers."
)
REFUSED = "resolve changed nothing: fix the problems above, then run it again."


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default=None,
        help="renumber: move one branch's migrations after the other's (default); "
        "merge: write a merge migration, nothing moves",
    )
    parser.add_argument(
        "--move",
        choices=SIDES,
        default=None,
        help="which side's migrations move (default: not the default branch's; else the side "
        "being merged in or replayed). In a rebase, theirs is your commit being replayed",
    )
    parser.add_argument(
        "--base",
        metavar="BRANCH",
        help="the default branch, whose migrations never move (default: default-branch in "
        "pyproject.toml, else origin/HEAD, else main or master)",
    )
    parser.add_argument(
        "--app",
        action="append",
        metavar="LABEL",
        help="resolve only this app (repeatable; default: every conflicted app)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the plan without changing anything"
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="refuse to move migrations this database applied (sqlite:///path or "
        "postgresql://...; PostgreSQL needs psql)",
    )
    parser.add_argument(
        "--abort",
        action="store_true",
        help="roll back a resolve (or update) that was interrupted while applying its plan, "
        "and do nothing else",
    )
    parser.add_argument(
        "--no-stage",
        action="store_true",
        help="do not git add the edited files and migrations.toml (renames of tracked files are "
        "staged by git mv regardless)",
    )


@command(
    "resolve",
    "repair migration conflicts after a merge or rebase, for every app at once",
    _configure,
)
def cmd_resolve(args: argparse.Namespace, ctx: Context) -> int:
    from manifest_core.fsops import ApplyError, apply_plan
    from manifest_core.resolve.database import DatabaseError, applied_migrations
    from manifest_core.resolve.planner import plan_resolution
    from manifest_core.resolve.settings import load_settings
    from manifest_core.resolve.sides import ContextError, gather_context

    if args.abort:
        return _abort(ctx)
    if not args.dry_run:
        ctx.recover()
    settings = load_settings(ctx.root, ctx.config)
    strategy = args.strategy or settings.strategy
    if args.move and strategy == MERGE:
        raise UsageError("--move applies to the renumber strategy: a merge migration moves nothing")
    project = ctx.project()
    for label in args.app or ():
        if label not in project.apps:
            known = ", ".join(sorted(project.apps)) or "none"
            raise UsageError(f"--app {label}: no app with that label (apps: {known})")
    try:
        context = gather_context(
            ctx.root, project, base=args.base, configured=ctx.config.default_branch
        )
    except ContextError as exc:
        raise UsageError(str(exc)) from None
    applied = None
    if args.database_url:
        try:
            applied = applied_migrations(args.database_url)
        except DatabaseError as exc:
            raise UsageError(str(exc)) from None
    resolution = plan_resolution(
        project,
        context,
        strategy=strategy,
        move=args.move,
        apps=args.app,
        applied=applied,
        migrate_command=settings.migrate_command,
    )
    staged: list[str] = []
    untracked: list[str] = []
    error: str | None = None
    interrupted: int | None = None
    applying = resolution.ok and not args.dry_run
    if applying:
        stage: bool | list[str] = (
            False
            if args.no_stage or not settings.stage
            else _to_stage(resolution, context, project.manifest.path)
        )
        try:
            applied_plan = apply_plan(
                ctx.root,
                resolution.plan,
                use_git=context.is_git,
                stage=stage,
                label="resolve",
                cache_dir=ctx.config.cache_dir,
            )
        except ApplyError as exc:
            error = str(exc)
            interrupted = getattr(exc, "exit_code", None)
        else:
            if context.is_git:
                untracked = sorted(n for o, n in applied_plan.renamed if o not in context.tracked)
                staged = sorted(
                    {n for o, n in applied_plan.renamed if o in context.tracked}
                    | (set(stage) if not isinstance(stage, bool) else set())
                )
    code = EXIT_OK if resolution.ok and error is None else EXIT_FINDINGS
    if interrupted is not None:
        code = interrupted
    done = applying and error is None
    if ctx.fmt == "json":
        ctx.json(_json(resolution, context, strategy, args.dry_run, done, staged, untracked, error))
    else:
        staging = context.is_git and not args.no_stage and settings.stage
        lines = _text(resolution, context, ctx.fmt, args.dry_run, done, staging, args.app)
        for line in lines:
            ctx.print(line)
        for path in untracked:
            ctx.print(f"note: {path} is not tracked by git (it was not before); add it yourself.")
    if error is not None:
        print(f"error: {error}", file=ctx.err)
    return code


ABORTED_NOTHING = "Nothing to abort: no interrupted resolve or update is pending."


def _abort(ctx: Context) -> int:
    """``resolve --abort``: roll back an interrupted plan's journal, explicitly."""
    message = ctx.recover(quiet=True)
    if ctx.fmt == "json":
        ctx.json({"aborted": message is not None, "message": message or ABORTED_NOTHING})
    else:
        ctx.print(message or ABORTED_NOTHING)
    return EXIT_OK if message else EXIT_FINDINGS


def _to_stage(resolution: Resolution, context: SideContext, manifest: str) -> list[str]:
    """What to ``git add``: migrations.toml (so git sees the conflict resolved), the merge
    migrations resolve writes, and the edited files git already tracks. A file git does not
    track stays untracked: resolve does not decide what goes into your commit."""
    if not context.is_git:
        return []
    plan = resolution.plan
    renamed = {r.old_path: r.new_path for r in plan.renames}
    paths = {c.path for c in plan.creates}
    for edit in plan.edits:
        if edit.path in context.tracked or edit.path == manifest:
            paths.add(renamed.get(edit.path, edit.path))
    return sorted(paths)


# --- text ----------------------------------------------------------------------------------------


def _text(
    resolution: Resolution,
    context: SideContext,
    fmt: str,
    dry_run: bool,
    applied: bool,
    staging: bool,
    scope: list[str] | None = None,
) -> list[str]:
    lines: list[str] = []
    if resolution.nothing_to_do and scope:
        apps = ", ".join(sorted(set(scope)))
        return [
            f"Nothing to resolve in {apps}: no app there has two leaf migrations.",
            *(f"note: {note}" for note in resolution.notes),
        ]
    if resolution.nothing_to_do:
        return [NOTHING]
    default = context.default_branch or "none found"
    lines.append(f"resolve: {context.operation_text}; default branch: {default}.")
    for note in context.notes:
        lines.append(f"note: {note}")
    for app in resolution.apps:
        lines.append("")
        lines.extend(_describe_app(app))
    if resolution.errors:
        lines.append("")
        lines.extend(render_problems(resolution.problems, fmt))
        lines.append(REFUSED)
        return lines
    lines.append("")
    lines.append("Plan:")
    lines.extend(f"  {line}" for line in _describe_plan(resolution))
    if resolution.warnings:
        lines.append("")
        lines.extend(render_problems(resolution.warnings, fmt))
    for note in resolution.notes:
        lines.append(f"note: {note}")
    if resolution.migrate_commands:
        lines.append("")
        if applied:
            lines.append(
                "A database that applied the moved migrations under their old names must roll "
                "them back before it gets this change, on a checkout where they still have those "
                "names:"
            )
        else:
            back, again = context.rollback_steps
            lines.append(
                "If your database applied the migrations that move, roll them back before "
                f"resolving, where they still have their old names: {back}, run these, then "
                f"{again} (or pass --database-url and resolve checks it):"
            )
        lines.extend(f"    {c}" for c in resolution.migrate_commands)
    lines.append("")
    if dry_run:
        lines.append("Dry run: nothing was written.")
    elif applied:
        lines.append(_summary(resolution, staging))
        if staging:
            lines.append(f"Next: review with `git diff --cached`, then {context.next_step}.")
        elif context.is_git:
            lines.append(f"Next: review the changes, `git add` them, then {context.next_step}.")
        else:
            lines.append("Next: review the changes.")
    return lines


def _describe_app(app: AppResolution) -> list[str]:
    if app.strategy == MERGE:
        return [
            f"{app.label}: merge migration {app.created} depends on "
            f"{' and '.join(app.leaves)}; nothing moves"
        ]
    if app.strategy == SQUASH:
        head = [
            f"{app.label}: {app.detail}: the squash is depended on instead, and "
            f"{app.moved_side or 'the branch'} moves after it, since {app.reason}:"
        ]
    elif app.strategy == "repair":
        head = [f"{app.label}: migrations renamed earlier are referred to by their new names"]
        if app.renames:
            head[0] += f"; the ones after {app.kept} follow them"
    else:
        side = app.moved_side or "the other branch"
        kept = f"{app.kept} ({app.kept_side})" if app.kept_side else app.kept
        head = [f"{app.label}: {side} moves after {kept}, since {app.reason}:"]
    renamed = dict(app.renames)
    earlier = dict(app.earlier)
    for name in app.moved:
        new = renamed.get(name)
        if name in earlier:
            head.append(f"  {name} -> {earlier[name]} (renamed earlier)")
        else:
            head.append(f"  {name} -> {new}" if new else f"  {name} (keeps its name)")
    return head


def _describe_plan(resolution: Resolution) -> list[str]:
    plan: Plan = resolution.plan
    lines = [f"rename  {r.old_path} -> {r.new_path}" for r in plan.renames]
    manifest_paths = set()
    for edit in sorted(plan.edits, key=lambda e: (e.path, e.span)):
        where = f"{edit.path}:{edit.span.line}:{edit.span.column + 1}"
        if edit.old_text == "":
            lines.append(f"edit    {where}: add {edit.new_text.strip().rstrip(',')}")
        elif edit.old_text is not None and "\n" not in edit.old_text:
            lines.append(f"edit    {where}: {edit.old_text} -> {edit.new_text}")
        else:
            manifest_paths.add(edit.path)
    for create in plan.creates:
        if create.path.endswith(".py"):
            lines.append(f"create  {create.path}")
        else:
            manifest_paths.add(create.path)
    for path in sorted(manifest_paths):
        changes = resolution.manifest_changes or ("rewritten",)
        lines.append(f"write   {path}: {changes[0]}")
        lines.extend(f"        {path}: {change}" for change in changes[1:])
    return lines


def _summary(resolution: Resolution, staging: bool) -> str:
    labels = [a.label for a in resolution.apps]
    renamed = len(resolution.plan.renames)
    created = sum(1 for c in resolution.plan.creates if c.path.endswith(".py"))
    parts = []
    if renamed:
        parts.append(f"{renamed} migration{'s' if renamed != 1 else ''} renamed")
    if resolution.references:
        n = len(resolution.references)
        parts.append(f"{n} reference{'s' if n != 1 else ''} rewritten")
    if created:
        parts.append(f"{created} merge migration{'s' if created != 1 else ''} written")
    if resolution.manifest_changes:
        parts.append("migrations.toml rewritten")
    what = ", ".join(parts) or "nothing changed"
    where = " and ".join(labels) if len(labels) <= 2 else f"{len(labels)} apps"
    staged_text = " Staged for commit." if staging else ""
    return f"Resolved {where or 'migrations.toml'}: {what}.{staged_text}"


# --- json ----------------------------------------------------------------------------------------


def _json(
    resolution: Resolution,
    context: SideContext,
    strategy: str,
    dry_run: bool,
    applied: bool,
    staged: list[str],
    untracked: list[str],
    error: str | None,
) -> dict[str, Any]:
    problems: list[Problem] = list(resolution.problems)
    return {
        "ok": resolution.ok and error is None,
        "nothing_to_do": resolution.nothing_to_do,
        "dry_run": dry_run,
        "applied": applied,
        "error": error,
        "strategy": strategy,
        "operation": {
            "kind": context.kind,
            "git": context.is_git,
            "ours": context.ours_name,
            "theirs": context.theirs_name,
            "default_branch": context.default_branch,
        },
        "apps": {
            app.label: {
                "strategy": app.strategy,
                "leaves": list(app.leaves),
                "head": app.head,
                "kept": app.kept,
                "kept_side": app.kept_side,
                "moved_side": app.moved_side,
                "reason": app.reason,
                "moved": list(app.moved),
                "renames": dict(app.renames),
                "created": app.created,
                "earlier": dict(app.earlier),
                "migrate_target": app.migrate_target,
                "detail": app.detail or None,
            }
            for app in resolution.apps
        },
        "plan": resolution.plan.to_json(),
        "manifest_changes": list(resolution.manifest_changes),
        "migrate_commands": list(resolution.migrate_commands),
        "notes": [*context.notes, *resolution.notes],
        "staged": staged,
        "untracked": untracked,
        "problems": [problem_json(p) for p in problems],
    }
