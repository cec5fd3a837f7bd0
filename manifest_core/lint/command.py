"""``python -m manifest_core lint``: registered with the CLI when this module is imported."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from manifest_core.cli import EXIT_FINDINGS, EXIT_OK, FORMATS, Context, UsageError, command
from manifest_core.model import Key, Severity

if TYPE_CHECKING:
    from manifest_core.plan import Plan
    from manifest_core.project import Project

    from .runner import LintReport
    from .settings import LintSettings

# Everything else is imported when the command runs: the CLI imports this module to register
# ``lint`` whenever it starts, and the other commands must not pay for the linter.

LINT_FORMATS = (*FORMATS, "sarif")


def _configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="lint these migration files (or the migrations under these folders) only",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="lint every migration, not only those new on this branch",
    )
    parser.add_argument(
        "--since",
        metavar="REF",
        help="migrations not present at REF count as new (default: the default branch)",
    )
    parser.add_argument(
        "--fail-level",
        choices=[s.label for s in Severity],
        default=None,
        help="the lowest severity that makes the command fail (default: warning, or "
        "fail-level in the configuration)",
    )
    parser.add_argument(
        "--select",
        metavar="RULES",
        help="comma-separated rule codes or names to run, replacing the configured selection",
    )
    parser.add_argument(
        "--ignore", metavar="RULES", help="comma-separated rule codes or names not to run"
    )
    parser.add_argument(
        "--fix",
        action="store_true",
        help="apply the mechanical fixes (review them: they change what the migrations do), "
        "then report what is left",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="with --fix: print the fixes as a diff, and what they would leave, without "
        "writing anything",
    )
    parser.add_argument(
        "--show-suppressed",
        action="store_true",
        help="also list suppressed findings, with their reasons (text format)",
    )


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _settings(args: argparse.Namespace, ctx: Context) -> LintSettings:
    from .settings import load_lint_settings

    settings = load_lint_settings(ctx.root, ctx.config.extra.get("lint"))
    select = _split(args.select) if args.select is not None else None
    if select == []:  # an empty $RULES in a script would silently lint nothing
        raise UsageError("--select: name at least one rule code or name")
    try:
        return settings.selecting(select, _split(args.ignore))
    except ValueError as exc:
        raise UsageError(f"--{exc}") from None


def _baseline(args: argparse.Namespace, ctx: Context) -> str | None:
    from manifest_core import gitinfo

    if args.since:
        if gitinfo.resolve_ref(ctx.root, args.since) is None:
            raise UsageError(f"--since {args.since}: git knows no such commit here")
        return str(args.since)
    # What is deployed is what was pushed: on a local ``main`` with unpushed commits, their
    # migrations are new.
    return gitinfo.default_branch(ctx.root, configured=ctx.config.default_branch, pushed=True)


def _paths(project: Project, paths: list[str], root: str) -> tuple[list[Key], list[str]]:
    """The migrations named by paths (files or folders), and the paths that name none."""
    by_path = {m.path: m.key for app in project.apps.values() for m in app.migrations}
    keys: list[Key] = []
    skipped: list[str] = []
    for given in paths:
        full = os.path.abspath(given)
        if not os.path.exists(full):
            raise UsageError(f"{given}: no such file or folder")
        relative = os.path.relpath(full, root).replace(os.sep, "/")
        if relative == ".." or relative.startswith("../"):
            raise UsageError(f"{given}: outside the repository root {root}")
        if os.path.isdir(full):
            prefix = "" if relative == "." else relative + "/"
            found = [key for path, key in by_path.items() if path.startswith(prefix)]
            if not found:
                skipped.append(relative)
            keys.extend(found)
        elif relative in by_path:
            keys.append(by_path[relative])
        else:
            skipped.append(relative)
    return keys, skipped


@command(
    "lint",
    "check migrations for operations that lock PostgreSQL tables or break rolling deploys",
    _configure,
    formats=LINT_FORMATS,
)
def cmd_lint(args: argparse.Namespace, ctx: Context) -> int:
    from manifest_core import gitinfo
    from manifest_core.scope import no_apps_sentence

    from .runner import all_migrations, lint_project, new_migrations, unreadable_files

    settings = _settings(args, ctx)
    fail_level = Severity.parse(args.fail_level) if args.fail_level else settings.fail_level
    if args.all and args.paths:
        raise UsageError("give migration paths or --all, not both")
    if args.dry_run and not args.fix:
        raise UsageError("--dry-run goes with --fix: without it, lint writes nothing")
    if args.fix and not args.dry_run:
        ctx.recover()
    project = ctx.project()
    # a repository without Django migrations: nothing to lint, and no branch to compare with
    no_django = not project.apps and not ctx.manifest.exists
    baseline = None if no_django else _baseline(args, ctx)
    present = gitinfo.files_at(ctx.root, baseline) if baseline else set()
    new = new_migrations(project, baseline, present) if baseline else frozenset()
    skipped: list[str] = []
    explicit = False
    unreadable = unreadable_files(project)
    nothing: str | None = None  #: why nothing is linted, when no migration is chosen
    if args.paths:
        keys, skipped = _paths(project, args.paths, ctx.root)
        explicit = True
        given = set(skipped)
        unreadable = {p: r for p, r in unreadable.items() if p in given}
        skipped = [p for p in skipped if p not in unreadable]
    elif args.all or settings.new_migrations == "all":
        keys = all_migrations(project)
        if not keys and not unreadable:
            nothing = (
                no_apps_sentence(ctx.root)
                if no_django
                else f"No migrations found under {ctx.root}: nothing to lint."
            )
    else:
        if baseline is None and not no_django:
            configured = ctx.config.default_branch
            missing = (
                f"the default branch {configured!r} set in pyproject.toml exists neither as a "
                f"branch nor as origin/{configured}"
                if configured
                else "no default branch found (not a git repository, or no main/master/origin/HEAD)"
            )
            raise UsageError(
                f"cannot tell which migrations are new on this branch: {missing}; in CI, fetch "
                "it. Pass --since REF, --all, or migration paths"
                + (
                    ""
                    if configured
                    else ", or set default-branch in [tool.django-migration-manifest]"
                )
            )
        keys = sorted(new)
        unreadable = {p: r for p, r in unreadable.items() if p not in present}
        if not keys and not unreadable and no_django:
            nothing = no_apps_sentence(ctx.root)
        elif not keys and not unreadable:
            nothing = (
                f"No migration is new since {baseline}: nothing to lint "
                "(lint --all checks every migration)."
            )

    def run(current: Project) -> LintReport:
        return lint_project(
            current,
            settings,
            keys=keys,
            new=new,
            explicit=explicit,
            baseline=baseline,
            skipped=skipped,
            unreadable=unreadable,
        )

    report = run(project)
    fixed: list[tuple[str, str]] = []
    error: str | None = None
    if args.fix:
        fixed_report, fixed, plan = _fix(ctx, project, report, run)
        if args.dry_run:
            report = fixed_report
            if ctx.fmt == "text" and not plan.empty:
                ctx.out.writelines(_diff(plan))
        elif not plan.empty:
            from manifest_core.fsops import ApplyError, apply_plan

            try:
                apply_plan(
                    ctx.root,
                    plan,
                    use_git=False,
                    label="lint --fix",
                    cache_dir=ctx.config.cache_dir,
                )
            except ApplyError as exc:
                if getattr(exc, "exit_code", None):
                    return ctx.apply_failed(exc)
                error, fixed = f"--fix: {exc}", []  # nothing was written: the findings stand
            else:
                report = fixed_report
    failed = report.failed(fail_level)
    _output(
        ctx,
        args,
        report,
        settings,
        failed,
        nothing=nothing,
        fixed=fixed,
    )
    if error is not None:
        print(f"error: {error}", file=ctx.err)
        return EXIT_FINDINGS
    return EXIT_FINDINGS if failed else EXIT_OK


#: Rounds of ``--fix``: each applies at most one fix per file (fixes of one file may overlap).
MAX_FIX_ROUNDS = 50


def _fix(
    ctx: Context,
    project: Project,
    report: LintReport,
    run: Callable[[Project], LintReport],
) -> tuple[LintReport, list[tuple[str, str]], Plan]:
    """Apply one mechanical fix per file to the files' text, lint again, and repeat until none
    is left, all in memory (the project read with the fixed texts as overlays).

    Returns the report of what is left, the fixes applied (path, title) and the plan that
    writes them: one edit of each fixed file's whole text, to apply all or nothing.
    """
    from manifest_core.plan import EditError, Plan, TextEdit, apply_edits, whole_text_span
    from manifest_core.project import load_project
    from manifest_core.text import DecodeError, decode_source

    from .findings import Finding

    originals: dict[str, str] = {}
    texts: dict[str, str] = {}
    applied: list[tuple[str, str]] = []
    tried: set[tuple[str, int, str]] = set()
    for _ in range(MAX_FIX_ROUNDS):
        chosen: dict[str, Finding] = {}
        for finding in report.findings:
            fix = finding.fix
            if fix is None or finding.path in chosen:
                continue
            mark = (finding.path, finding.line, fix.title)
            if mark not in tried:
                chosen[finding.path] = finding
                tried.add(mark)
        changed = False
        for path, finding in chosen.items():
            fix = finding.fix
            assert fix is not None
            if any(edit.path != path for edit in fix.edits):
                continue  # fixes edit the migration they are about
            try:
                if path not in texts:
                    with open(os.path.join(ctx.root, path), "rb") as handle:
                        originals[path] = texts[path] = decode_source(handle.read())
                texts[path] = apply_edits(texts[path], fix.edits)
            except (OSError, DecodeError, EditError):
                continue  # the fix does not fit the text: its finding stays, explained
            applied.append((path, fix.title))
            changed = True
        if not changed:
            break
        current = load_project(
            ctx.root,
            config=ctx.config,
            manifest=ctx.manifest,
            overlays=texts,
            use_cache=ctx.use_cache,
        )
        report = run(current)
    edits = tuple(
        TextEdit(path, whole_text_span(originals[path]), texts[path], originals[path])
        for path in sorted(texts)
        if texts[path] != originals[path]
    )
    return report, applied, Plan(title="lint --fix", edits=edits)


def _diff(plan: Plan) -> list[str]:
    """The plan's whole-file edits as a unified diff, for ``--fix --dry-run``."""
    import difflib

    lines: list[str] = []
    for edit in plan.edits:
        lines.extend(
            difflib.unified_diff(
                (edit.old_text or "").splitlines(keepends=True),
                edit.new_text.splitlines(keepends=True),
                fromfile=f"a/{edit.path}",
                tofile=f"b/{edit.path}",
            )
        )
    return lines


def _output(
    ctx: Context,
    args: argparse.Namespace,
    report: LintReport,
    settings: LintSettings,
    failed: bool,
    *,
    nothing: str | None,
    fixed: list[tuple[str, str]],
) -> None:
    from .report import render_github, render_json, render_sarif, render_text, write_json
    from .rules import RULES

    if ctx.fmt == "json":
        data = render_json(report, failed)
        if args.fix:
            data["fixed"] = [{"path": path, "title": title} for path, title in fixed]
            data["dry_run"] = bool(args.dry_run)
        write_json(ctx.out, data, depth=2)
    elif ctx.fmt == "sarif":
        severities = {rule.code: settings.severity(rule) for rule in RULES}
        write_json(ctx.out, render_sarif(report, severities, ctx.root), depth=5)
    elif ctx.fmt == "github":
        for line in render_github(report.findings):
            ctx.print(line)
    else:
        if nothing is not None:
            ctx.print(nothing)
            return
        for path in report.skipped:
            ctx.print(f"{path}: not a migration of this project, skipped")
        verb = "would fix" if args.dry_run else "fixed"
        for path, title in fixed:
            ctx.print(f"{path}: {verb}: {title}")
        for line in render_text(report, show_suppressed=args.show_suppressed):
            ctx.print(line)
        if args.fix and args.dry_run:
            ctx.print("Dry run: nothing was written.")
