"""The ``linear-migrations`` section (``--with-linear-migrations``): the status quo for comparison.

On the smallest generated repository, it times ``python manage.py check`` with
django-linear-migrations installed (its system check loads every migration through Django's
``MigrationLoader`` and compares each app's ``max_migration.txt``), interleaved with our own
``check`` as a subprocess, and reports the speed-ups. Django and django-linear-migrations go into
a throwaway virtualenv in the workspace, so the project's virtualenv is left alone.

Every subprocess keeps bytecode under ``PYTHONPYCACHEPREFIX`` in the workspace (nothing is written
into the repository). ``manage.py check`` is timed twice per round: with the repository's
bytecode deleted first (a fresh checkout, as in CI; Django's own stays compiled) and with it kept
(a developer's machine).
"""

from __future__ import annotations

import shutil
import sys

from .base import Options, Section, SectionResult, Verdict, Workspace, clear_cache, progress
from .check import verdict_lines
from .timing import CommandFailed, Series, fmt_seconds, run_process

SPEEDUP_TARGET = 50.0
ISSUE_REFERENCE = "the issue quotes ~12 s for `manage.py check` on 5,000 migrations"
LABELS = {
    "linear_cold": "manage.py check + linear-migrations, repo not compiled",
    "linear_warm": "manage.py check + linear-migrations, repo .pyc cached",
    "ours_cold": "manifest_core check, cold cache, subprocess",
    "ours_warm": "manifest_core check, warm cache, subprocess",
}


def run(options: Options, workspace: Workspace) -> SectionResult:
    size = min(options.sizes)
    repo = workspace.repo(size)
    root = str(repo.root)
    venv = workspace.base / "venv-linear-migrations"
    progress(f"  creating {venv} with Django 5.2 and django-linear-migrations ...")
    setup_s, _ = run_process([sys.executable, "-m", "venv", str(venv)])
    python = str(venv / "bin" / "python")
    install_s, _ = run_process(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "django==5.2.*",
            "django-linear-migrations",
        ]
    )
    _, versions = run_process(
        [
            python,
            "-c",
            "import importlib.metadata as m; "
            "print(m.version('django'), m.version('django-linear-migrations'))",
        ]
    )
    django_version, linear_version = versions.stdout.split()
    env = workspace.python_env()
    env.pop("DJANGO_SETTINGS_MODULE", None)
    repo_bytecode = workspace.bytecode_of(repo.root)
    manage = [python, "manage.py"]
    run_process([*manage, "create_max_migration_files"], cwd=root, env=env)
    _, first = run_process([*manage, "check"], cwd=root, env=env)
    if "no issues" not in first.stdout + first.stderr:
        raise CommandFailed(f"manage.py check reported: {first.stdout}{first.stderr}")
    ours = [sys.executable, "-m", "manifest_core", "--root", root, "check"]

    def linear_cold() -> float:
        shutil.rmtree(repo_bytecode, ignore_errors=True)
        return run_process([*manage, "check"], cwd=root, env=env)[0]

    def ours_cold() -> float:
        clear_cache(repo.root)
        return run_process(ours, env=env)[0]

    steps = [
        ("linear_cold", linear_cold),
        ("linear_warm", lambda: run_process([*manage, "check"], cwd=root, env=env)[0]),
        ("ours_cold", ours_cold),
        ("ours_warm", lambda: run_process(ours, env=env)[0]),
    ]
    repeats = min(options.repeats_for(size), 3)
    series = Series()
    for round_number in range(1, repeats + 1):
        progress(f"  round {round_number}/{repeats}: manage.py check vs manifest_core check ...")
        for key, step in steps:
            series.add(key, LABELS[key], step())
    median = series.median
    verdicts = [
        Verdict(
            "speed-up, repo .pyc cached vs our warm cache",
            median("linear_warm") / median("ours_warm"),
            f">= {SPEEDUP_TARGET:g}x",
            median("linear_warm") / median("ours_warm") >= SPEEDUP_TARGET,
        ),
        Verdict(
            "speed-up, repo not compiled vs our cold cache",
            median("linear_cold") / median("ours_cold"),
            f">= {SPEEDUP_TARGET:g}x",
            median("linear_cold") / median("ours_cold") >= SPEEDUP_TARGET,
        ),
        Verdict(
            "speed-up, repo .pyc cached vs our cold cache",
            median("linear_warm") / median("ours_cold"),
            "(reference: their best, our worst)",
            None,
        ),
    ]
    result = SectionResult("linear-migrations", verdicts=verdicts)
    result.lines = [
        f"`python manage.py check` with django-linear-migrations {linear_version} "
        f"(Django {django_version}) on {size:,} migrations; median of {repeats} runs, "
        "all as subprocesses (start-up included)",
        f"  {'measurement':<52} {'median':>10} {'min':>10} {'max':>10}",
    ]
    for samples in series.samples.values():
        result.lines.append(
            f"  {samples.label:<52} {fmt_seconds(samples.median):>10} "
            f"{fmt_seconds(samples.low):>10} {fmt_seconds(samples.high):>10}"
        )
    result.lines += ["", "  speed-ups:", *verdict_lines(verdicts), f"  ({ISSUE_REFERENCE})"]
    result.lines.append(
        f"  (throwaway virtualenv: created in {setup_s:.1f} s, packages installed in "
        f"{install_s:.1f} s; not timed above)"
    )
    result.data = {
        "migrations": size,
        "django": django_version,
        "django_linear_migrations": linear_version,
        "repeats": repeats,
        "measurements": series.to_json(),
        "speedups": [v.to_json() for v in verdicts],
        "issue_reference": ISSUE_REFERENCE,
    }
    return result


SECTION = Section(
    name="linear-migrations",
    description="`manage.py check` with django-linear-migrations, for the speed-up",
    enabled=lambda options: options.with_linear_migrations,
    run=run,
)
