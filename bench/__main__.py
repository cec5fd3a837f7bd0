"""``python -m bench``: speed figures as ratios against floors measured in the same run.

Generates synthetic repositories (:mod:`bench.synth`) in a temporary folder, runs each enabled
section of :data:`SECTIONS`, prints a report and writes it as JSON (default:
``bench/results/bench-<timestamp>.json``). A target missed is reported as MISS, not as a failure;
the exit status is non-zero only when a measured command itself fails (1) or on bad arguments (2).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import check, linear, lint, lsp
from .base import Options, Section, Workspace, progress
from .timing import CommandFailed

#: The registry: every benchmark section, in the order they run.
SECTIONS: list[Section] = [check.SECTION, lint.SECTION, linear.SECTION, lsp.SECTION]

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SIZES = (5_000, 50_000)
QUICK_SIZES = (5_000,)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(sorted({int(part.replace("_", "")) for part in text.split(",") if part}))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected numbers like 5000,50000") from None
    if not sizes or any(size <= 0 for size in sizes):
        raise argparse.ArgumentTypeError(f"{text!r}: sizes must be positive")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark django-migration-manifest on synthetic repositories, reporting "
        "its times as ratios against floors (stat, read, read + regex) measured in the same run.",
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=None,
        help="repository sizes in migrations, comma-separated (default: 5000,50000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        metavar="N",
        help="runs per measurement (default: 5 up to 10,000 migrations, else 3)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="5,000 migrations only, 3 runs per measurement"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated repositories and print where"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="PATH",
        help="where to write the JSON report (default: bench/results/bench-<timestamp>.json)",
    )
    parser.add_argument(
        "--with-linear-migrations",
        action="store_true",
        help="also time `manage.py check` with django-linear-migrations on the smallest "
        "repository (creates a throwaway virtualenv; needs network access to PyPI)",
    )
    parser.add_argument(
        "--per-app", type=int, default=100, help="migrations per app (default: 100)"
    )
    parser.add_argument("--seed", type=int, default=2025, help="generator seed (default: 2025)")
    parser.add_argument(
        "--python",
        default=sys.executable,
        metavar="PATH",
        help="the interpreter the timed subprocesses run, with django-migration-manifest "
        "installed (`make bench` gives a virtualenv with a regular install of the tree; "
        "default: this interpreter)",
    )
    parser.add_argument(
        "--section",
        action="append",
        choices=[s.name for s in SECTIONS],
        help="run only this section (repeatable; default: every enabled section)",
    )
    return parser


def parse_options(argv: Sequence[str] | None) -> tuple[Options, list[str] | None]:
    parser = build_parser()
    args = parser.parse_args(argv)
    sizes: tuple[int, ...] = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    if args.per_app < 1:
        parser.error("--per-app must be at least 1")
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    for size in sizes:
        if size % args.per_app:
            parser.error(f"size {size} is not a multiple of --per-app {args.per_app}")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    options = Options(
        sizes=sizes,
        repeat=args.repeat,
        per_app=args.per_app,
        seed=args.seed,
        quick=args.quick,
        keep=args.keep,
        with_linear_migrations=args.with_linear_migrations,
        json_path=args.json or RESULTS / f"bench-{stamp}.json",
        python=args.python,
    )
    return options, args.section


def _git_commit() -> str | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(RESULTS.parent.parent), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return result.stdout.strip() or None


def environment() -> dict[str, Any]:
    try:
        import django

        django_version: str | None = django.get_version()
    except ImportError:
        django_version = None
    from manifest_core import __version__

    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "django": django_version,
        "manifest_core": __version__,
        "commit": _git_commit(),
    }


def installed(python: str) -> dict[str, Any]:
    """Where ``python`` imports ``manifest_core`` from, run outside the repository, and how."""
    code = (
        "import json, manifest_core, importlib.metadata as m; d = m.distribution("
        "'django-migration-manifest'); print(json.dumps([manifest_core.__file__, "
        "d.read_text('direct_url.json')]))"
    )
    result = subprocess.run(
        [python, "-c", code], cwd=tempfile.gettempdir(), capture_output=True, text=True
    )
    if result.returncode:
        return {"python": python, "error": result.stderr.strip()[-500:]}
    where, direct = json.loads(result.stdout)
    editable = bool(direct and json.loads(direct).get("dir_info", {}).get("editable"))
    return {"python": python, "manifest_core": where, "editable": editable}


def run(options: Options, only: list[str] | None) -> int:
    sections = [s for s in SECTIONS if (s.name in only if only else s.enabled(options))]
    started = dt.datetime.now(dt.timezone.utc)
    base = Path(tempfile.mkdtemp(prefix="migration-manifest-bench-"))
    workspace = Workspace(base, options)
    env = environment()
    env["installed"] = installed(options.python)
    failed: str | None = None
    try:
        for section in sections:
            progress(f"[{section.name}] {section.description}")
            try:
                workspace.results[section.name] = section.run(options, workspace)
            except CommandFailed as exc:
                failed = f"[{section.name}] a measured command failed: {exc}"
                break
    finally:
        if options.keep:
            progress(f"generated repositories kept in {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    header = (
        f"django-migration-manifest benchmark: seed {options.seed}, {env['implementation']} "
        f"{env['python']}, {env['cpus']} CPUs, {env['platform']}, commit {env['commit']}"
    )
    print(header)
    where = env["installed"]
    print(
        f"timed processes: {where['python']}, manifest_core from "
        f"{where.get('manifest_core', where.get('error'))}"
        f"{' (EDITABLE install: start-up overstated)' if where.get('editable') else ''}"
    )
    print("=" * min(len(header), 100))
    for name, result in workspace.results.items():
        print(f"\n[{name}]")
        for line in result.lines:
            print(line)
    verdicts = [v for r in workspace.results.values() for v in r.verdicts if v.passed is not None]
    misses = [v for v in verdicts if not v.passed]
    print(
        f"\nTargets: {len(verdicts) - len(misses)} PASS, {len(misses)} MISS"
        + (f": MISS {'; '.join(v.title for v in misses)}" if misses else "")
    )
    report = {
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "argv": sys.argv[1:],
        "options": {
            "sizes": list(options.sizes),
            "repeat": options.repeat,
            "per_app": options.per_app,
            "seed": options.seed,
            "quick": options.quick,
            "with_linear_migrations": options.with_linear_migrations,
            "python": options.python,
        },
        "environment": env,
        "sections": {name: result.data for name, result in workspace.results.items()},
        "verdicts": [v.to_json() for r in workspace.results.values() for v in r.verdicts],
        "error": failed,
    }
    options.json_path.parent.mkdir(parents=True, exist_ok=True)
    options.json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"JSON report: {options.json_path}")
    if failed:
        print(f"\nerror: {failed}", file=sys.stderr)
        if not options.keep:
            print("(run again with --keep to inspect the generated repositories)", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    options, only = parse_options(argv)
    return run(options, only)


if __name__ == "__main__":
    sys.exit(main())
