"""``python -m manifest_core``: the command-line face of the core.

Exit codes: 0 clean, 1 findings (or a refused change), 2 usage or configuration error,
3 internal error (a bug: please report it).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from . import __version__
from .checks import check_manifest
from .config import Config, ConfigError, load_config
from .manifest import Manifest
from .model import Problem, ProjectSummary, Severity
from .output import count_line, problem_json, render_problems, tolerant
from .project import Project, find_root, load_project, load_summary, read_manifest

if TYPE_CHECKING:
    from .graph import Graph

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
FORMATS = ("text", "json", "github")


class UsageError(Exception):
    """A mistake in how the command was called: exit code 2."""


@dataclass
class Context:
    root: str
    fmt: str
    use_cache: bool
    out: TextIO
    err: TextIO
    _config: Config | None = None
    _manifest: Manifest | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.root)
        return self._config

    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            self._manifest = read_manifest(self.root, self.config)
        return self._manifest

    def summary(self) -> ProjectSummary:
        return load_summary(
            self.root, config=self.config, manifest=self.manifest, use_cache=self.use_cache
        )

    def project(self) -> Project:
        return load_project(
            self.root, config=self.config, manifest=self.manifest, use_cache=self.use_cache
        )

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def json(self, data: Any) -> None:
        import json

        json.dump(data, self.out, indent=2, sort_keys=False)
        self.out.write("\n")


Command = Callable[[argparse.Namespace, Context], int]


@dataclass(frozen=True)
class CommandSpec:
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Command
    formats: tuple[str, ...]


COMMANDS: dict[str, CommandSpec] = {}


def command(
    name: str,
    help_text: str,
    configure: Callable[[argparse.ArgumentParser], None] | None = None,
    *,
    formats: tuple[str, ...] = FORMATS,
) -> Callable[[Command], Command]:
    """Register a subcommand: its help, its arguments, its function and its output formats."""

    def register(func: Command) -> Command:
        COMMANDS[name] = CommandSpec(help_text, configure or (lambda parser: None), func, formats)
        return func

    return register


# --- show -----------------------------------------------------------------------------------------


def _configure_show(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--graph",
        action="store_true",
        help="also list every node with its dependencies, as Django evaluates them",
    )


@command("show", "list each app's migrations folder, heads and migration count", _configure_show)
def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    project = ctx.project() if args.graph else None
    summary = project.summary() if project else ctx.summary()
    problems = sorted((*summary.problems, *ctx.manifest.problems), key=Problem.sort_key)
    if ctx.fmt == "json":
        data: dict[str, Any] = {
            "apps": {
                app.label: {
                    "path": app.path,
                    "heads": sorted(app.head_names),
                    "migrations": app.migration_count,
                }
                for app in summary.apps
            },
            "problems": [problem_json(p) for p in problems],
        }
        if project is not None:
            data["nodes"] = _graph_json(project.graph)
        ctx.json(data)
        return EXIT_OK
    if ctx.fmt == "github":
        for line in render_problems(problems, "github"):
            ctx.print(line)
        return EXIT_OK
    if not summary.apps:
        ctx.print(f"No migrations found under {ctx.root}.")
    else:
        rows = [("App", "Head", "Migrations", "Path")]
        for app in summary.apps:
            heads = ", ".join(app.head_names) or "(all replaced)"
            if len(app.heads) > 1:
                heads += f"  <- {len(app.heads)} leaves"
            rows.append((app.label, heads, str(app.migration_count), app.path))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for row in rows:
            label, heads, count, path = row
            line = f"{label:<{widths[0]}}  {heads:<{widths[1]}}  {count:>{widths[2]}}  {path}"
            ctx.print(line.rstrip())
    if project is not None:
        ctx.print()
        for key in sorted(project.graph.nodes):
            deps = ", ".join(f"{a}.{n}" for a, n in project.graph.dependencies(key)) or "-"
            ctx.print(f"{key[0]}.{key[1]} <- {deps}")
    if problems:
        ctx.print()
        for line in render_problems(problems, "text"):
            ctx.print(line)
    return EXIT_OK


def _graph_json(graph: Graph) -> dict[str, Any]:
    nodes = {}
    for key in sorted(graph.nodes):
        migration = graph.migrations[key]
        nodes[f"{key[0]}.{key[1]}"] = {
            "dependencies": [list(k) for k in graph.dependencies(key)],
            "replaces": [list(r[:2]) for r in migration.decl.replaces],
            "run_before": [list(r[:2]) for r in migration.decl.run_before],
            "initial": bool(migration.decl.initial),
            "path": migration.path,
            "line": migration.decl.class_span.line if migration.decl.class_span else 1,
        }
    return nodes


# --- check ----------------------------------------------------------------------------------------


def _configure_check(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fail-level",
        choices=[s.label for s in Severity],
        default="error",
        help="the lowest severity that makes the command fail (default: error)",
    )


@command("check", "compare migrations.toml with the migrations on disk", _configure_check)
def cmd_check(args: argparse.Namespace, ctx: Context) -> int:
    summary = ctx.summary()
    problems = check_manifest(ctx.manifest, summary)
    fail_level = Severity.parse(args.fail_level)
    failed = any(p.severity >= fail_level for p in problems)
    if ctx.fmt == "json":
        ctx.json({"ok": not failed, "problems": [problem_json(p) for p in problems]})
    elif ctx.fmt == "github":
        for line in render_problems(problems, "github"):
            ctx.print(line)
    else:
        for line in render_problems(problems, "text"):
            ctx.print(line)
        if problems:
            ctx.print(f"Found {count_line(problems)}.")
        if not failed:
            migrations = sum(a.migration_count for a in summary.apps)
            ctx.print(
                f"{ctx.manifest.path} is up to date: {len(summary.apps)} apps, "
                f"{migrations} migrations."
            )
    return EXIT_FINDINGS if failed else EXIT_OK


# --- update ---------------------------------------------------------------------------------------


def _configure_update(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="print the changes without writing anything"
    )


@command("update", "write migrations.toml from the migrations on disk", _configure_update)
def cmd_update(args: argparse.Namespace, ctx: Context) -> int:
    from .fsops import ApplyError, apply_plan
    from .update import plan_update

    manifest = ctx.manifest
    result = plan_update(ctx.summary(), manifest)
    if result.blocking:
        if ctx.fmt == "json":
            ctx.json(
                {
                    "changed": False,
                    "changes": [],
                    "problems": [problem_json(p) for p in result.blocking],
                }
            )
        else:
            for line in render_problems(result.blocking, ctx.fmt):
                ctx.print(line)
            if ctx.fmt == "text":
                ctx.print(f"{manifest.path} was not written: fix the problems above first.")
        return EXIT_FINDINGS
    changed = not result.plan.empty
    if changed and not args.dry_run:
        try:
            apply_plan(ctx.root, result.plan, use_git=False)
        except ApplyError as exc:
            print(f"error: {exc}", file=ctx.err)
            return EXIT_FINDINGS
    if ctx.fmt == "json":
        ctx.json(
            {
                "changed": changed,
                "dry_run": bool(args.dry_run),
                "changes": list(result.changes),
                "plan": result.plan.to_json(),
                "problems": [],
            }
        )
        return EXIT_OK
    if not changed:
        ctx.print(f"{manifest.path} is already up to date.")
        return EXIT_OK
    if args.dry_run:
        import difflib

        diff = difflib.unified_diff(
            manifest.text.splitlines(keepends=True),
            result.content.splitlines(keepends=True),
            fromfile=f"a/{manifest.path}",
            tofile=f"b/{manifest.path}",
        )
        ctx.out.writelines(diff)
        ctx.print(f"Dry run: {manifest.path} was not written.")
        return EXIT_OK
    verb = "Updated" if manifest.exists else "Created"
    ctx.print(f"{verb} {manifest.path}:")
    for change in result.changes:
        ctx.print(f"  {change}")
    return EXIT_OK


# --- entry point ----------------------------------------------------------------------------------


def _common_options(
    parser: argparse.ArgumentParser, *, suppress: bool, formats: tuple[str, ...]
) -> None:
    default: Any = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--root",
        metavar="DIR",
        default=default,
        help="the repository root (default: the git work tree, else the current folder)",
    )
    parser.add_argument(
        "--format",
        choices=formats,
        default=argparse.SUPPRESS if suppress else "text",
        help=f"output format: {', '.join(formats)} (default: text)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="read every file, and do not write the cache",
    )


#: Modules that register further commands with :func:`command` when imported.
COMMAND_MODULES = ("manifest_core.resolve.command", "manifest_core.lint.command")


def _import_command_modules() -> None:
    # imported here rather than at the top: those modules import this one for ``command``
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name)


def build_parser() -> argparse.ArgumentParser:
    _import_command_modules()
    parser = argparse.ArgumentParser(
        prog="python -m manifest_core",
        description="Keep migrations.toml, the record of every Django app's latest migration, "
        "in step with the migration files, and repair migration conflicts.",
        epilog="Exit codes: 0 clean, 1 findings, 2 usage or configuration error.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    every_format = tuple(dict.fromkeys(f for spec in COMMANDS.values() for f in spec.formats))
    _common_options(parser, suppress=False, formats=every_format)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, spec in COMMANDS.items():
        child = sub.add_parser(
            name, help=spec.help, description=spec.help[:1].upper() + spec.help[1:] + "."
        )
        _common_options(child, suppress=True, formats=spec.formats)
        spec.configure(child)
    return parser


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or tolerant(sys.stdout)
    err = err or tolerant(sys.stderr)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        root = os.path.abspath(args.root) if args.root else find_root(os.getcwd())
        if not os.path.isdir(root):
            raise UsageError(f"--root {args.root}: not a folder")
        spec = COMMANDS[args.command]
        if args.format not in spec.formats:
            raise UsageError(
                f"--format {args.format}: {args.command} writes {', '.join(spec.formats)}"
            )
        ctx = Context(root=root, fmt=args.format, use_cache=not args.no_cache, out=out, err=err)
        return spec.run(args, ctx)
    except UsageError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
    except ConfigError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("MIGRATION_MANIFEST_DEBUG"):
            raise
        print(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in django-migration-manifest; set MIGRATION_MANIFEST_DEBUG=1 "
            "to see the traceback, and please report it.",
            file=err,
        )
        return EXIT_INTERNAL
