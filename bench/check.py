"""The ``check`` section: ``python -m manifest_core check``, cold and warm, against the floors.

For each size, every round runs, in this order and on the same repository:

1. the three floors (:mod:`bench.timing`);
2. ``check`` in-process, cold (the tool's cache folder deleted first), then warm (the cache the
   cold run just wrote);
3. ``python -c pass``, ``python -c "import manifest_core.cli"`` and ``python -m manifest_core
   --help`` (start-up references);
4. the stat and read + regex floors as whole Python processes (:data:`bench.timing.FLOOR_SCRIPT`);
5. ``check`` as a subprocess, cold then warm.

Subprocesses run ``--python`` (``make bench``: a virtualenv with a regular, non-editable install
of the current tree), from the generated repository, so they import the installed package. The
targets compare whole processes with whole processes: warm ``check`` with the stat floor process,
cold ``check`` with the read + regex floor process, and ``--help`` with ``python -c pass``.

Rounds repeat, and each figure is the median over rounds, so that slow drift (CPU frequency, other
load) lands on floors and tool alike. One untimed round comes first, so the OS page cache holds
every file in all measurements: "cold" means the *tool's* cache is empty, not the disk cache.
"""

from __future__ import annotations

import io
import itertools
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from manifest_core.cli import main as manifest_main

from .base import (
    CACHE_DIR,
    Options,
    Repo,
    Section,
    SectionResult,
    Verdict,
    Workspace,
    clear_cache,
    progress,
)
from .timing import (
    FLOOR_SCRIPT,
    CommandFailed,
    FloorCount,
    Series,
    fmt_count,
    fmt_seconds,
    read_floor,
    regex_floor,
    run_process,
    stat_floor,
    timed,
)

COLD_TARGET = 1.5  #: cold check / (read + regex floor), processes
WARM_TARGET = 2.0  #: warm check / stat floor, processes
STARTUP_TARGET_S = 0.040  #: --help over `python -c pass`; warm check over the stat floor process
GROWTH_SLACK = 1.2  #: growth over the size factor that is flagged (10x the size: flag > 12)

LABELS = {
    "floor_stat": "stat floor: scandir walk + os.stat",
    "floor_read": "read floor: stat floor + read bytes",
    "floor_regex": "read + regex floor: + decode + 1 re pass",
    "cold": "check, cold cache, in-process",
    "warm": "check, warm cache, in-process",
    "startup": "python -c pass (start-up floor)",
    "import": "python -c 'import manifest_core.cli'",
    "help": "python -m manifest_core --help",
    "proc_stat": "stat floor, as a process",
    "proc_regex": "read + regex floor, as a process",
    "cold_sub": "check, cold cache, subprocess",
    "warm_sub": "check, warm cache, subprocess",
}
PAGE_CACHE_NOTE = (
    "The OS page cache is warm in every measurement (an untimed round runs first); "
    "'cold' means the tool's own cache (.migration_manifest_cache) was deleted before the run. "
    "Subprocesses keep bytecode (PYTHONPYCACHEPREFIX in the workspace), as installed code does."
)


def _in_process(root: str) -> float:
    out, err = io.StringIO(), io.StringIO()
    seconds, code = timed(lambda: manifest_main(["--root", root, "check"], out=out, err=err))
    if code != 0:
        raise CommandFailed(
            f"in-process check on {root} returned {code}:\n{out.getvalue()}{err.getvalue()}"
        )
    return seconds


def _floor(func: Callable[[str], FloorCount], root: str, repo: Repo) -> float:
    seconds, count = timed(lambda: func(root))
    if count.files != repo.py_files:
        raise CommandFailed(f"a floor saw {count.files} files, expected {repo.py_files}")
    return seconds


def measure(
    repo: Repo, repeats: int, env: dict[str, str], python: str = sys.executable
) -> tuple[Series, list[str]]:
    """Interleaved rounds of every measurement (see the module docstring).

    Subprocesses run ``python`` from the repository's root, with ``env``
    (:meth:`Workspace.python_env`: bytecode cached).
    """
    root = str(repo.root)
    subprocess_check = [python, "-m", "manifest_core", "--root", root, "check"]
    notes: list[str] = []

    cpu = Series()  #: the CPU time of each process measurement, next to its wall time
    recording = False

    def timed_process(key: str, argv: list[str]) -> tuple[float, str]:
        used: list[float] = []
        seconds, result = run_process(argv, env=env, cwd=root, cpu=used)
        if recording:
            cpu.add(f"{key}_cpu", f"  CPU time of: {LABELS[key]}", used[0])
        return seconds, result.stdout

    def process(key: str, *argv: str) -> float:
        return timed_process(key, [python, *argv])[0]

    def floor_process(key: str, mode: str) -> float:
        seconds, out = timed_process(key, [python, "-c", FLOOR_SCRIPT, mode, root])
        if out.strip() != str(repo.py_files):
            raise CommandFailed(f"the {mode} floor process saw {out.strip()} files")
        return seconds

    def cold() -> float:
        clear_cache(repo.root)
        return _in_process(root)

    def warm() -> float:
        if not (repo.root / CACHE_DIR / "summary.marshal").exists():
            note = "the cold check wrote no summary cache, so 'warm' runs were not warm"
            if note not in notes:
                notes.append(note)
        return _in_process(root)

    def cold_sub() -> float:
        clear_cache(repo.root)
        return timed_process("cold_sub", subprocess_check)[0]

    steps: list[tuple[str, Callable[[], float]]] = [
        ("floor_stat", lambda: _floor(stat_floor, root, repo)),
        ("floor_read", lambda: _floor(read_floor, root, repo)),
        ("floor_regex", lambda: _floor(regex_floor, root, repo)),
        ("cold", cold),
        ("warm", warm),
        ("startup", lambda: process("startup", "-c", "pass")),
        ("import", lambda: process("import", "-c", "import manifest_core.cli")),
        ("help", lambda: process("help", "-m", "manifest_core", "--help")),
        ("proc_stat", lambda: floor_process("proc_stat", "stat")),
        ("proc_regex", lambda: floor_process("proc_regex", "regex")),
        ("cold_sub", cold_sub),
        ("warm_sub", lambda: timed_process("warm_sub", subprocess_check)[0]),
    ]
    progress(f"  warm-up round on {repo.size:,} migrations ...")
    for _, step in steps:
        step()
    series = Series()
    recording = True
    for round_number in range(1, repeats + 1):
        progress(f"  round {round_number}/{repeats} on {repo.size:,} migrations ...")
        for key, step in steps:
            series.add(key, LABELS[key], step())
    series.samples.update(cpu.samples)
    return series, notes


def ratios(series: Series, scope: str) -> list[Verdict]:
    """The targets, on whole processes; the in-process figures are for reference."""
    startup, imported = series.median("startup"), series.median("import")
    warm_sub, cold_sub = series.median("warm_sub"), series.median("cold_sub")
    proc_stat, proc_regex = series.median("proc_stat"), series.median("proc_regex")
    warm, cold = warm_sub / proc_stat, cold_sub / proc_regex
    over_floor = warm_sub - proc_stat
    over_bare = series.median("help") - startup
    limit = f"<= {STARTUP_TARGET_S * 1000:g} ms"
    verdicts = [
        Verdict(
            "warm check / stat floor (processes)",
            warm,
            f"<= {WARM_TARGET}",
            warm <= WARM_TARGET,
            note=f"{fmt_seconds(warm_sub)} / {fmt_seconds(proc_stat)}",
        ),
        Verdict(
            "cold check / read + regex floor (processes)",
            cold,
            f"<= {COLD_TARGET}",
            cold <= COLD_TARGET,
            note=f"{fmt_seconds(cold_sub)} / {fmt_seconds(proc_regex)}",
        ),
        Verdict(
            "warm check - stat floor (processes), ms",
            over_floor * 1000,
            limit,
            over_floor <= STARTUP_TARGET_S,
        ),
        Verdict(
            "--help - python -c pass, ms",
            over_bare * 1000,
            limit,
            over_bare <= STARTUP_TARGET_S,
            note=f"importing manifest_core.cli alone takes {fmt_seconds(imported - startup)}",
        ),
        Verdict(
            "CPU time: warm check / stat floor (processes)",
            series.median("warm_sub_cpu") / series.median("proc_stat_cpu"),
            "(reference)",
            None,
            note="CPU time hardly grows when other work shares the machine; wall time does",
        ),
        Verdict(
            "CPU time: cold check / read + regex floor (processes)",
            series.median("cold_sub_cpu") / series.median("proc_regex_cpu"),
            "(reference)",
            None,
        ),
        Verdict(
            "CPU time: --help - python -c pass, ms",
            (series.median("help_cpu") - series.median("startup_cpu")) * 1000,
            "(reference)",
            None,
        ),
        Verdict(
            "cold check / read + regex floor, in-process",
            series.median("cold") / series.median("floor_regex"),
            "(reference)",
            None,
        ),
        Verdict(
            "warm check / stat floor, in-process",
            series.median("warm") / series.median("floor_stat"),
            "(reference)",
            None,
        ),
    ]
    return [replace(v, scope=scope) for v in verdicts]


def growth(small: int, large: int, by_size: dict[int, Series]) -> list[Verdict]:
    factor = large / small
    flag = factor * GROWTH_SLACK
    target = f"~{factor:g} (linear), flag > {flag:g}"
    verdicts = []
    for key, label, judged in (
        ("cold", "check cold, in-process", True),
        ("warm", "check warm, in-process", True),
        ("floor_stat", "stat floor", False),
        ("floor_regex", "read + regex floor", False),
        ("cold_sub", "check cold, subprocess", False),
        ("warm_sub", "check warm, subprocess", False),
    ):
        value = by_size[large].median(key) / by_size[small].median(key)
        verdicts.append(
            Verdict(
                f"growth {large:,}/{small:,}: {label}",
                value,
                target if judged else "(reference)",
                value <= flag if judged else None,
            )
        )
    return verdicts


def _table(repo: Repo, series: Series, repeats: int) -> list[str]:
    lines = [
        f"check on {repo.size:,} migrations ({repo.apps} apps x {repo.per_app}, "
        f"{fmt_count(repo.py_files)} .py files in migrations/, {repo.bytes / 1e6:.1f} MB, "
        f"mean {repo.bytes / repo.size / 1000:.2f} KB per migration); median of {repeats} runs",
        f"  (generated in {repo.generate_s:.1f} s; `update` wrote migrations.toml from scratch, "
        f"cold, as a subprocess, in {fmt_seconds(repo.update_s)})",
        f"  {'measurement':<44} {'median':>10} {'min':>10} {'max':>10} {'per file':>10}",
    ]
    for key, samples in series.samples.items():
        per_file = ""
        if key.replace("_cpu", "") not in ("startup", "import", "help"):
            per_file = f"{samples.median / repo.py_files * 1e6:.1f} us"
        lines.append(
            f"  {samples.label:<44} {fmt_seconds(samples.median):>10} "
            f"{fmt_seconds(samples.low):>10} {fmt_seconds(samples.high):>10} {per_file:>10}"
        )
    return lines


def verdict_lines(verdicts: list[Verdict]) -> list[str]:
    lines = []
    for verdict in verdicts:
        line = f"  {verdict.label:<52} {verdict.value:>8.2f}  {verdict.target:<28} {verdict.mark}"
        lines.append(line.rstrip())
        if verdict.note:
            lines.append(f"    ({verdict.note})")
    return lines


def run(options: Options, workspace: Workspace) -> SectionResult:
    result = SectionResult("check")
    by_size: dict[int, Series] = {}
    sizes: dict[str, Any] = {}
    for size in options.sizes:
        repo = workspace.repo(size)
        repeats = options.repeats_for(size)
        series, notes = measure(repo, repeats, workspace.python_env(), options.python)
        by_size[size] = series
        verdicts = ratios(series, f"{size:,} migrations")
        result.verdicts += verdicts
        result.lines += [*_table(repo, series, repeats), "", "  ratios:"]
        result.lines += verdict_lines(verdicts)
        result.lines += [f"  warning: {note}" for note in notes]
        result.lines.append("")
        sizes[str(size)] = {
            "repo": repo.to_json(),
            "repeats": repeats,
            "measurements": series.to_json(),
            "ratios": [v.to_json() for v in verdicts],
            "warnings": notes,
        }
    ordered = sorted(by_size)
    growth_verdicts: list[Verdict] = []
    for small, large in itertools.pairwise(ordered):
        growth_verdicts += growth(small, large, by_size)
    if growth_verdicts:
        result.lines += ["growth with repository size:", *verdict_lines(growth_verdicts), ""]
        result.verdicts += growth_verdicts
    result.lines.append(PAGE_CACHE_NOTE)
    result.data = {
        "page_cache": PAGE_CACHE_NOTE,
        "targets": {
            "cold_over_read_regex_floor_processes": COLD_TARGET,
            "warm_over_stat_floor_processes": WARM_TARGET,
            "startup_over_floor_s": STARTUP_TARGET_S,
            "growth_flag_over_size_factor": GROWTH_SLACK,
        },
        "sizes": sizes,
        "growth": [v.to_json() for v in growth_verdicts],
    }
    return result


SECTION = Section(
    name="check",
    description="`check` cold and warm, in-process and as a subprocess, against the floors",
    enabled=lambda options: True,
    run=run,
)
