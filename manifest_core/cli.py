"""``python -m manifest_core``: the command-line face of the core.

Exit codes: 0 clean, 1 findings (or a refused change), 2 usage or configuration error,
3 internal error (a bug: please report it). Run as the ``migration-manifest`` console script
(:func:`console_main`), it names itself so in ``--help`` and ``--version``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from . import __version__

# Only what ``--help`` needs is imported here: each command imports what it uses, so ``check``
# never loads the resolve planner, the linter or the manifest writer (a test holds it to that).
# ``TYPE_CHECKING`` is spelled out rather than imported: ``typing`` costs start-up time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

    from .config import Config
    from .graph import Graph
    from .manifest import Manifest
    from .model import ProjectSummary
    from .project import Project
    from .verdict import Witness

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
FORMATS = ("text", "json", "github")
#: The labels of :class:`~manifest_core.model.Severity`, lowest first (a test holds them equal).
SEVERITIES = ("info", "warning", "error")
#: The program's name in ``--help``, ``--version`` and usage errors, unless run as a console script.
MODULE_PROG = "python -m manifest_core"
EXIT_CODES = (
    "Exit codes: 0 clean, 1 findings, 2 usage or configuration error, 3 internal error (a bug: "
    "please report it, with the output of MIGRATION_MANIFEST_DEBUG=1)."
)


class UsageError(Exception):
    """A mistake in how the command was called: exit code 2."""


class CommandExit(Exception):
    """Stop the command with ``code`` after printing ``message`` to stderr."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class Context:
    """What every command is given: where the repository is, how to write, and lazy loaders."""

    def __init__(self, root: str, fmt: str, use_cache: bool, out: TextIO, err: TextIO) -> None:
        self.root = root
        self.fmt = fmt
        self.use_cache = use_cache
        self.out = out
        self.err = err
        self._config: Config | None = None
        self._manifest: Manifest | None = None
        #: Told what ``check`` reads, so that its answer can be remembered (``verdict``).
        self.witness: Witness | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from .config import load_config

            self._config = load_config(self.root, memo=self.use_cache, witness=self.witness)
        return self._config

    @property
    def manifest(self) -> Manifest:
        if self._manifest is None:
            from .project import read_manifest

            self._manifest = read_manifest(self.root, self.config, witness=self.witness)
        return self._manifest

    def summary(self) -> ProjectSummary:
        from .project import load_summary

        return load_summary(
            self.root,
            config=self.config,
            manifest=self.manifest,
            use_cache=self.use_cache,
            witness=self.witness,
        )

    def project(self) -> Project:
        from .project import load_project

        return load_project(
            self.root, config=self.config, manifest=self.manifest, use_cache=self.use_cache
        )

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def recover(self, *, quiet: bool = False) -> str | None:
        """Before a command writes: roll back a plan an interrupted command left (its journal).

        Prints one sentence (to stderr) when it did; returns it. Exit 1 if rolling back fails.
        """
        from .fsops import Interrupted
        from .journal import JournalError, recover

        try:
            message = recover(self.root, self.config.cache_dir)
        except JournalError as exc:
            raise CommandExit(
                EXIT_FINDINGS,
                f"error: an interrupted plan could not be rolled back: {exc}; nothing else was "
                "done. Fix that, then run `python -m manifest_core resolve --abort`.",
            ) from None
        except Interrupted as exc:
            raise CommandExit(exc.exit_code, f"error: {exc}") from None
        if message and not quiet:
            print(message, file=self.err)
        return message

    def apply_failed(self, exc: Exception) -> int:
        """Report a plan that was not applied (and rolled back); the exit code to return."""
        print(f"error: {exc}", file=self.err)
        return int(getattr(exc, "exit_code", EXIT_FINDINGS))

    def json(self, data: Any) -> None:
        import json

        json.dump(data, self.out, indent=2, sort_keys=False)
        self.out.write("\n")


Command = Callable[[argparse.Namespace, Context], int]


class CommandSpec:
    """A subcommand: its help line, its arguments, its function and its output formats."""

    __slots__ = ("configure", "formats", "help", "run")

    def __init__(
        self,
        help: str,
        configure: Callable[[argparse.ArgumentParser], None],
        run: Command,
        formats: tuple[str, ...],
    ) -> None:
        self.help = help
        self.configure = configure
        self.run = run
        self.formats = formats


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
    from .model import Problem
    from .output import problem_json, render_problems
    from .scope import no_apps_sentence

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
    if not summary.apps and not ctx.manifest.exists:
        ctx.print(no_apps_sentence(ctx.root))
    elif not summary.apps:
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
        choices=SEVERITIES,
        default="error",
        help="the lowest severity that makes the command fail (default: error)",
    )


@command("check", "compare migrations.toml with the migrations on disk", _configure_check)
def cmd_check(args: argparse.Namespace, ctx: Context) -> int:
    from .checks import check_manifest
    from .codes import UNREADABLE_FILE
    from .model import Severity
    from .output import count_line, problem_json, render_problems
    from .scope import guide, no_apps_sentence

    summary = ctx.summary()
    problems = guide(check_manifest(ctx.manifest, summary), summary, ctx.config.exclude)
    if ctx.witness is not None and any(p.code == UNREADABLE_FILE.code for p in problems):
        ctx.witness.refuse()  # a file that could not be opened may open next time, unchanged
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
        if not failed and not summary.apps and not ctx.manifest.exists:
            ctx.print(no_apps_sentence(ctx.root))
        elif not failed:
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
    from .output import problem_json, render_problems
    from .scope import exclude_advice, fixture_apps, guide, no_apps_sentence
    from .update import plan_update

    if not args.dry_run:
        ctx.recover()
    manifest = ctx.manifest
    summary = ctx.summary()
    if not summary.apps and not manifest.exists:
        if ctx.fmt == "json":
            ctx.json(
                {"changed": False, "dry_run": bool(args.dry_run), "changes": [], "problems": []}
            )
        elif ctx.fmt == "text":
            ctx.print(no_apps_sentence(ctx.root))
        return EXIT_OK
    result = plan_update(summary, manifest)
    if result.blocking:
        blocking = guide(result.blocking, summary, ctx.config.exclude)
        if ctx.fmt == "json":
            ctx.json(
                {
                    "changed": False,
                    "changes": [],
                    "problems": [problem_json(p) for p in blocking],
                }
            )
        else:
            for line in render_problems(blocking, ctx.fmt):
                ctx.print(line)
            if ctx.fmt == "text":
                ctx.print(f"{manifest.path} was not written: fix the problems above first.")
                for line in exclude_advice(fixture_apps(blocking, summary), ctx.config.exclude):
                    ctx.print(line)
        return EXIT_FINDINGS
    changed = not result.plan.empty
    if changed and not args.dry_run:
        try:
            apply_plan(
                ctx.root, result.plan, use_git=False, label="update", cache_dir=ctx.config.cache_dir
            )
        except ApplyError as exc:
            return ctx.apply_failed(exc)
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


# --- init -----------------------------------------------------------------------------------------


def _configure_init(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be done without writing anything"
    )


@command(
    "init",
    "adopt migrations.toml: write it, propose excludes and settings, print the next steps",
    _configure_init,
    formats=("text",),
)
def cmd_init(args: argparse.Namespace, ctx: Context) -> int:
    from .fsops import ApplyError, apply_plan
    from .init import (
        literal_settings,
        next_steps,
        settings_modules,
        swappable_advice,
        swappable_settings,
    )
    from .output import render_problems
    from .scope import (
        TABLE_LINE,
        app_folder,
        exclude_advice,
        exclude_line,
        fixture_apps,
        guide,
        looks_like_test_data,
        no_apps_sentence,
    )
    from .update import plan_update

    if not args.dry_run:
        ctx.recover()
    manifest = ctx.manifest
    if manifest.exists and (manifest.problems or manifest.conflicted):
        first = (manifest.problems or (None,))[0]
        why = first.message if first is not None else "it holds merge conflict markers"
        ctx.print(
            f"{manifest.path} already exists and is not a manifest init can update ({why}); "
            "init never overwrites it. Run `python -m manifest_core check` to see what is "
            "wrong, and `python -m manifest_core resolve` after a merge conflict."
        )
        return EXIT_FINDINGS
    project = ctx.project()
    summary = project.summary()
    if not summary.apps and not manifest.exists:
        ctx.print(no_apps_sentence(ctx.root))
        return EXIT_OK
    # swappable settings: the static reader resolves swappable_dependency() with them
    found = literal_settings(
        ctx.root,
        settings_modules(ctx.root, ctx.config),
        swappable_settings(project.decls.values()),
    )
    advice = swappable_advice(found, ctx.config)
    settings_lines: list[str] = []
    if advice.add:
        settings_lines.append(
            "Your settings set swappable models; tell the static tools, under "
            "[tool.django-migration-manifest.swappable] in pyproject.toml:"
        )
        settings_lines.extend(f'    {name} = "{value}"' for name, value in advice.add.items())
    for name, values in advice.ambiguous.items():
        where = ", ".join(f"{v.value!r} ({v.path}:{v.line})" for v in values)
        settings_lines.append(
            f"{name} differs between settings modules: {where}; set the one your "
            "migrations are made with under [tool.django-migration-manifest.swappable]."
        )
    result = plan_update(summary, manifest)
    if result.blocking:
        blocking = guide(result.blocking, summary, ctx.config.exclude)
        for line in render_problems(blocking, "text"):
            ctx.print(line)
        ctx.print(f"{manifest.path} was not written: fix the problems above first.")
        fixtures = fixture_apps(blocking, summary)
        for line in exclude_advice(fixtures, ctx.config.exclude):
            ctx.print(line)
        if fixtures:
            ctx.print(f"({TABLE_LINE} goes in the pyproject.toml at {ctx.root}.)")
            ctx.print("Then run `python -m manifest_core init` again.")
        for line in settings_lines:
            ctx.print(line)
        return EXIT_FINDINGS
    changed = not result.plan.empty
    migrations = sum(app.migration_count for app in summary.apps)
    counts = f"{_plural(len(summary.apps), 'app')}, {_plural(migrations, 'migration')}"
    if not changed:
        ctx.print(f"{manifest.path} is already up to date: {counts}.")
    elif args.dry_run:
        verb = "update" if manifest.exists else "create"
        ctx.print(f"Dry run: init would {verb} {manifest.path} ({counts}):")
        for change in result.changes:
            ctx.print(f"  {change}")
    else:
        try:
            apply_plan(
                ctx.root, result.plan, use_git=False, label="init", cache_dir=ctx.config.cache_dir
            )
        except ApplyError as exc:
            return ctx.apply_failed(exc)
        verb = "Updated" if manifest.exists else "Created"
        ctx.print(f"{verb} {manifest.path} ({counts}):")
        for change in result.changes:
            ctx.print(f"  {change}")
    test_data = {
        app.label: app_folder(app.path) for app in summary.apps if looks_like_test_data(app.path)
    }
    if test_data:
        named = ", ".join(f"{label} ({folder})" for label, folder in test_data.items())
        ctx.print(
            f"Recorded from folders that look like tests or fixtures: {named}. They count like "
            f"any app; to leave them out, add under {TABLE_LINE} in pyproject.toml:"
        )
        ctx.print(f"    {exclude_line(test_data.values(), ctx.config.exclude)}")
    for line in settings_lines:
        ctx.print(line)
    ctx.print()
    for line in next_steps(manifest.path):
        ctx.print(line)
    return EXIT_OK


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


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


#: Commands whose code lives in a module of its own, imported only when that command is chosen
#: (``check`` and ``--help`` never pay for them): name -> (module, help, output formats). Importing
#: the module registers the command with :func:`command`; a test holds its help and formats equal
#: to the ones here, which are all ``--help`` needs.
LAZY_COMMANDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "resolve": (
        "manifest_core.resolve.command",
        "repair migration conflicts after a merge or rebase, for every app at once",
        FORMATS,
    ),
    "lint": (
        "manifest_core.lint.command",
        "check migrations for operations that lock PostgreSQL tables or break rolling deploys",
        (*FORMATS, "sarif"),
    ),
}


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, measuring the terminal without importing ``shutil`` (and with it
    ``bz2``, ``lzma`` and ``fnmatch``): every parser makes one, ``--help`` or not."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def _terminal_columns() -> int:
    """What ``shutil.get_terminal_size().columns`` says: $COLUMNS, the terminal, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


#: Options of the main parser that take a value in the next argument.
_VALUE_OPTIONS = ("--root", "--format")


def chosen_command(argv: Sequence[str]) -> str | None:
    """The command named in ``argv``: the first argument that is a command's name and not the
    value of an option (a guess that :func:`parse_arguments` corrects when it is wrong)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--":
            return None
        elif arg in _VALUE_OPTIONS:
            skip = True
        elif arg in COMMANDS or arg in LAZY_COMMANDS:
            return arg
    return None


def load_command(name: str) -> CommandSpec | None:
    """The command called ``name``, importing its module if it lives in one."""
    if name not in COMMANDS and name in LAZY_COMMANDS:
        import importlib

        importlib.import_module(LAZY_COMMANDS[name][0])
    return COMMANDS.get(name)


def build_parser(chosen: str | None = None, prog: str = MODULE_PROG) -> argparse.ArgumentParser:
    """The parser, with the arguments of the ``chosen`` command (importing its module).

    The other commands appear with their help line only, so ``--help`` and ``check`` import no
    other command's code. Without ``chosen``, every command is complete (for tools and tests
    that inspect the whole parser).
    """
    names = [*COMMANDS, *(name for name in LAZY_COMMANDS if name not in COMMANDS)]
    parser = argparse.ArgumentParser(
        prog=prog,
        formatter_class=_Formatter,
        description="Keep migrations.toml, the record of every Django app's latest migration, "
        "in step with the migration files, and repair migration conflicts.",
        epilog=EXIT_CODES,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    every_format = tuple(
        dict.fromkeys(
            [f for spec in COMMANDS.values() for f in spec.formats]
            + [f for _, _, formats in LAZY_COMMANDS.values() for f in formats]
        )
    )
    _common_options(parser, suppress=False, formats=every_format)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in names:
        complete = chosen is None or name == chosen
        spec = load_command(name) if complete else COMMANDS.get(name)
        if spec is not None:
            help_text, formats = spec.help, spec.formats
        else:
            _, help_text, formats = LAZY_COMMANDS[name]
        child = sub.add_parser(
            name,
            help=help_text,
            description=help_text[:1].upper() + help_text[1:] + ".",
            formatter_class=_Formatter,
        )
        _common_options(child, suppress=True, formats=formats)
        if complete and spec is not None:
            spec.configure(child)
    return parser


def parse_arguments(argv: Sequence[str], prog: str = MODULE_PROG) -> argparse.Namespace:
    """Parse ``argv``, importing only the module of the command it names."""
    chosen = chosen_command(argv)
    args, unknown = build_parser(chosen or "", prog).parse_known_args(argv)
    if unknown or args.command != chosen:
        # an option's value looked like a command: parse again with the one argparse found
        # (or, when the guess was right, to report the unknown arguments as argparse does)
        args = build_parser(args.command, prog).parse_args(argv)
    return args


def console_main() -> int:
    """The ``migration-manifest`` console script: named as it was invoked."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    name = name.removesuffix(".exe").removesuffix("-script.py")
    return main(prog=name or "migration-manifest")


def _writes(args: argparse.Namespace) -> bool:
    """Whether the command may write (it then rolls back a pending journal itself)."""
    if getattr(args, "dry_run", False):
        return False
    return args.command in ("resolve", "update", "init") or bool(getattr(args, "fix", False))


def _note_pending_journal(ctx: Context) -> None:
    """Read-only commands say when an interrupted plan is pending, and how to roll it back."""
    from .journal_path import find_git_dir, pending, pending_note

    cache_dir = ctx.config.cache_dir if find_git_dir(ctx.root) is None else ""
    folder = pending(ctx.root, cache_dir)
    if folder is not None:
        print(pending_note(folder), file=ctx.err)


def _check_remembered(
    args: argparse.Namespace, ctx: Context, run: Command, argv: Sequence[str]
) -> int:
    """Run ``check``, and remember its answer for a warm ``check`` to repeat (``verdict``)."""
    from .verdict import Tee, Witness, record

    try:
        cwd = os.getcwd()
    except OSError:  # the folder it was run from is gone: nothing to remember it by
        _note_pending_journal(ctx)
        return run(args, ctx)
    witness = ctx.witness = Witness(ctx.root, cwd, argv)
    out = ctx.out = Tee(ctx.out)  # type: ignore[assignment]
    err = ctx.err = Tee(ctx.err)  # type: ignore[assignment]
    _note_pending_journal(ctx)
    code = run(args, ctx)
    record(witness, out.text(), err.text(), code, ctx.config.cache_dir)
    return code


def main(
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    *,
    prog: str = MODULE_PROG,
) -> int:
    from .streams import tolerant

    out = out or tolerant(sys.stdout)
    err = err or tolerant(sys.stderr)
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = parse_arguments(argv, prog)
    except SystemExit as exc:
        return int(exc.code or 0)
    from .config import ConfigError
    from .where import find_root

    try:
        root = os.path.abspath(args.root) if args.root else find_root(os.getcwd())
        if not os.path.isdir(root):
            raise UsageError(f"--root {args.root}: not a folder")
        spec = load_command(args.command)
        assert spec is not None  # argparse accepts only the names of commands
        if args.format not in spec.formats:
            raise UsageError(
                f"--format {args.format}: {args.command} writes {', '.join(spec.formats)}"
            )
        ctx = Context(root=root, fmt=args.format, use_cache=not args.no_cache, out=out, err=err)
        if args.command == "check" and ctx.use_cache:
            return _check_remembered(args, ctx, spec.run, argv)
        if not _writes(args):
            _note_pending_journal(ctx)
        return spec.run(args, ctx)
    except CommandExit as exc:
        print(str(exc), file=err)
        return exc.code
    except UsageError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
    except ConfigError as exc:
        print(f"error: {exc}", file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("Interrupted; nothing was written.", file=err)
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
