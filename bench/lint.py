"""The ``lint`` section: linting one migration as an editor does, and ``lint --all``.

On the smallest generated repository:

1. **One typical migration, as the editor lints it.** The migration is the head of an app whose
   size is closest to the repository's mean migration size, so its prior state replays about a
   hundred earlier migrations. Four figures, each the median of many runs:

   * ``ast.parse`` of the file: the floor (any linter that reads the file parses it);
   * a keystroke: :meth:`LintSession.lint_text` on the buffer, the prior state memoised (what the
     language server does while the user types);
   * the same with the prior state replayed from the app's already-parsed migrations (what the
     language server does after another migration of the app changed);
   * cold: a new session, so every earlier migration of the app is read and parsed first.

2. **``lint --all``** over every migration, against a floor measured in the same run: walk the
   tree, read and decode each migration and ``ast.parse`` it. Three figures: the API
   (``lint_project(load_project(root))``: loading the project and linting, no output), the CLI
   in-process, and the CLI as a subprocess (both write every finding as JSON).

Rounds interleave the measurements, after an untimed warm-up round, as in the ``check`` section.
"""

from __future__ import annotations

import ast
import gc
import io
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from manifest_core.cli import main as manifest_main
from manifest_core.lint import LintSession, LintSettings, lint_project
from manifest_core.model import Key
from manifest_core.project import Project, load_project

from .base import Options, Repo, Section, SectionResult, Verdict, Workspace, progress
from .check import verdict_lines
from .timing import CommandFailed, FloorCount, Series, fmt_seconds, run_process, timed

KEYSTROKE_TARGET = 5.0  #: lint of a buffer (prior state memoised) / ast.parse of it
REPLAY_TARGET_S = 0.016  #: lint with the prior state replayed: within one 60 Hz frame
ALL_TARGET = 5.0  #: lint of every migration through the API / (read + ast.parse floor)
ALL_ROUNDS = 3

LABELS = {
    "parse": "ast.parse of the file (floor)",
    "keystroke": "lint_text, prior state memoised (keystroke)",
    "replay": "lint_text + prior-state replay (parsed ancestors)",
    "cold": "lint_text, new session (ancestors read + parsed)",
    "floor_parse": "floor: walk + read + decode + ast.parse each migration",
    "api": "lint_project(load_project(...)), every migration",
    "all": "lint --all --format json, in-process",
    "all_sub": "lint --all --format json, subprocess",
}


def typical_migration(project: Project) -> tuple[Key, str]:
    """An app head whose size is closest to the mean migration size; its path."""
    sizes: dict[Key, int] = {}
    for app in project.apps.values():
        for migration in app.migrations:
            sizes[migration.key] = os.path.getsize(os.path.join(project.root, migration.path))
    mean = statistics.mean(sizes.values())
    heads = [key for leaves in project.graph.leaves.values() for key in leaves]
    key = min(heads, key=lambda k: (abs(sizes[k] - mean), k))
    return key, project.graph.migrations[key].path


def per_call(func: Callable[[], object], budget: float = 0.2) -> float:
    """Seconds per call of a fast function: as many calls as fit in ``budget``, averaged.

    The heap is frozen first, as the language server freezes it once its index is loaded: a
    full collection walking the loaded project would otherwise land in some windows and not
    others, and the figure would measure the collector rather than the call.
    """
    func()
    gc.collect()
    gc.freeze()
    try:
        calls = 0
        start = time.perf_counter()
        while True:
            func()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= budget:
                return elapsed / calls
    finally:
        gc.unfreeze()


def parse_floor(root: str) -> FloorCount:
    """Walk ``root``, read and decode each ``.py`` file in ``migrations`` folders, parse it."""
    files = size = 0
    stack = [root]
    while stack:
        folder = stack.pop()
        in_migrations = os.path.basename(folder) == "migrations"
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif in_migrations and entry.name.endswith(".py"):
                    with open(entry.path, "rb") as handle:
                        data = handle.read()
                    ast.parse(data.decode("utf-8"))
                    files += 1
                    size += len(data)
    return FloorCount(files, size)


def _lint_all(root: str) -> tuple[float, dict[str, Any]]:
    import json

    out, err = io.StringIO(), io.StringIO()
    seconds, code = timed(
        lambda: manifest_main(
            ["--root", root, "--no-cache", "lint", "--all", "--format", "json"], out=out, err=err
        )
    )
    if code not in (0, 1):
        raise CommandFailed(f"lint --all returned {code}: {err.getvalue()}")
    data: dict[str, Any] = json.loads(out.getvalue())
    return seconds, data


def measure(repo: Repo, rounds: int, env: dict[str, str]) -> tuple[Series, dict[str, Any]]:
    root = str(repo.root)
    project = load_project(root, use_cache=False)
    key, path = typical_migration(project)
    with open(os.path.join(root, path), encoding="utf-8") as handle:
        text = handle.read()
    settings = LintSettings()
    warm = LintSession(project, settings)
    result = warm.lint_text(path, text)
    ancestors = bin(warm.same_app_ancestors(key)).count("1")

    def replay() -> object:
        warm.reset_states()
        return warm.lint_text(path, text)

    def cold() -> object:
        return LintSession(project, settings).lint_text(path, text)

    subprocess_all = [sys.executable, "-m", "manifest_core", "--root", root]
    subprocess_all += ["--no-cache", "lint", "--all", "--format", "json"]
    info: dict[str, Any] = {
        "migration": f"{key[0]}.{key[1]}",
        "path": path,
        "bytes": len(text.encode()),
        "operations": result.operations,
        "findings": len(result.findings),
        "ancestors_replayed": ancestors,
    }
    steps: list[tuple[str, Callable[[], float]]] = [
        ("parse", lambda: per_call(lambda: ast.parse(text))),
        ("keystroke", lambda: per_call(lambda: warm.lint_text(path, text))),
        ("replay", lambda: per_call(replay)),
        ("cold", lambda: per_call(cold, budget=0.5)),
        ("floor_parse", lambda: timed(lambda: parse_floor(root))[0]),
        ("api", lambda: timed(lambda: lint_project(load_project(root, use_cache=False)))[0]),
        ("all", lambda: _lint_all(root)[0]),
        ("all_sub", lambda: run_process(subprocess_all, env=env, expect=1)[0]),
    ]
    progress(f"  warm-up round (lint of {info['migration']}, lint --all on {repo.size:,}) ...")
    for _, step in steps:
        step()
    _, data = _lint_all(root)
    info["all_summary"] = data["summary"]
    series = Series()
    for round_number in range(1, rounds + 1):
        progress(f"  round {round_number}/{rounds} ...")
        for name, step in steps:
            series.add(name, LABELS[name], step())
    return series, info


def verdicts(series: Series, scope: str) -> list[Verdict]:
    parse = series.median("parse")
    keystroke = series.median("keystroke") / parse
    replay = series.median("replay")
    all_ratio = series.median("api") / series.median("floor_parse")
    return [
        Verdict(
            "lint of a buffer (state memoised) / ast.parse",
            keystroke,
            f"<= {KEYSTROKE_TARGET}",
            keystroke <= KEYSTROKE_TARGET,
            scope=scope,
        ),
        Verdict(
            "lint + prior-state replay / ast.parse",
            replay / parse,
            "(reference)",
            None,
            scope=scope,
        ),
        Verdict(
            "lint + prior-state replay, milliseconds",
            replay * 1000,
            f"<= {REPLAY_TARGET_S * 1000:g} (a 60 Hz frame)",
            replay <= REPLAY_TARGET_S,
            scope=scope,
        ),
        Verdict(
            "cold lint (ancestors parsed) / ast.parse",
            series.median("cold") / parse,
            "(reference)",
            None,
            scope=scope,
        ),
        Verdict(
            "lint, every migration (API) / read+parse floor",
            all_ratio,
            f"<= {ALL_TARGET}",
            all_ratio <= ALL_TARGET,
            scope=scope,
        ),
        Verdict(
            "lint --all --format json / read+parse floor",
            series.median("all") / series.median("floor_parse"),
            "(reference)",
            None,
            note="includes loading the project and writing every finding as JSON",
            scope=scope,
        ),
    ]


def run(options: Options, workspace: Workspace) -> SectionResult:
    result = SectionResult("lint")
    size = min(options.sizes)
    repo = workspace.repo(size)
    rounds = min(options.repeats_for(size), ALL_ROUNDS)
    series, info = measure(repo, rounds, workspace.python_env())
    scope = f"{size:,} migrations"
    found = verdicts(series, scope)
    summary = info["all_summary"]
    result.verdicts += found
    result.lines += [
        f"one migration, as the editor lints it: {info['migration']} ({info['bytes']:,} bytes, "
        f"{info['operations']} operations, {info['findings']} findings; its prior state replays "
        f"{info['ancestors_replayed']} earlier migrations of the app); median of {rounds} rounds",
        f"lint --all on {size:,} migrations: {summary['migrations']:,} linted, "
        f"{summary['operations']:,} operations, {summary['errors']:,} errors, "
        f"{summary['warnings']:,} warnings, {summary['notes']:,} notes",
        f"  {'measurement':<56} {'median':>10} {'min':>10} {'max':>10}",
    ]
    for samples in series.samples.values():
        result.lines.append(
            f"  {samples.label:<56} {fmt_seconds(samples.median):>10} "
            f"{fmt_seconds(samples.low):>10} {fmt_seconds(samples.high):>10}"
        )
    per_migration = series.median("all") / max(summary["migrations"], 1)
    result.lines += [
        f"  lint --all per migration: {per_migration * 1e6:.0f} us",
        "",
        "  ratios:",
        *verdict_lines(found),
        "",
    ]
    result.data = {
        "targets": {
            "keystroke_over_parse": KEYSTROKE_TARGET,
            "replay_seconds": REPLAY_TARGET_S,
            "all_over_parse_floor": ALL_TARGET,
        },
        "migration": info,
        "repo": repo.to_json(),
        "rounds": rounds,
        "measurements": series.to_json(),
        "ratios": [v.to_json() for v in found],
    }
    return result


SECTION = Section(
    name="lint",
    description="`lint` of one migration as an editor does it, and `lint --all`, against "
    "ast.parse floors",
    enabled=lambda options: True,
    run=run,
)
