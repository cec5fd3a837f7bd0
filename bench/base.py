"""What benchmark sections share: options, the workspace of generated repositories, results.

A section is a :class:`Section`: a name, a predicate saying whether the options ask for it, and a
function from (:class:`Options`, :class:`Workspace`) to a :class:`SectionResult`. The registry
is the ``SECTIONS`` list in ``bench/__main__.py``; adding a benchmark means adding a module with a
``SECTION`` and listing it there.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .synth import generate_repo
from .timing import CommandFailed, FloorCount, read_floor, run_process, timed

CACHE_DIR = ".migration_manifest_cache"


@dataclass(frozen=True)
class Options:
    sizes: tuple[int, ...]
    repeat: int | None  #: ``None``: each section's default for the size
    per_app: int
    seed: int
    quick: bool
    keep: bool
    with_linear_migrations: bool
    json_path: Path
    #: the interpreter whose installed ``manifest_core`` the timed subprocesses run; ``make bench``
    #: gives a virtualenv with a regular (not editable) install of the current tree
    python: str = sys.executable

    def repeats_for(self, size: int) -> int:
        """Runs per measurement: ``--repeat``, else 5 up to 10,000 migrations, else 3."""
        if self.repeat is not None:
            return self.repeat
        if self.quick:
            return 3
        return 5 if size <= 10_000 else 3


@dataclass(frozen=True)
class Repo:
    """A generated repository, with ``migrations.toml`` written and ``check`` clean."""

    root: Path
    size: int  #: migration files
    apps: int
    per_app: int
    py_files: int  #: ``.py`` files in ``migrations`` folders (migrations and ``__init__.py``)
    bytes: int  #: their total size
    generate_s: float
    update_s: float

    def to_json(self) -> dict[str, Any]:
        return {
            "migrations": self.size,
            "apps": self.apps,
            "per_app": self.per_app,
            "py_files_in_migrations": self.py_files,
            "bytes": self.bytes,
            "mean_migration_bytes": round(self.bytes / max(self.size, 1)),
            "generate_s": self.generate_s,
            "update_s": self.update_s,
        }


class Workspace:
    """The temporary folder where repositories are generated, each once, on first use."""

    def __init__(self, base: Path, options: Options) -> None:
        self.base = base
        self.options = options
        self.repos: dict[int, Repo] = {}
        #: where subprocesses keep bytecode (see :meth:`python_env`)
        self.pycache = base / "pycache"
        #: results of the sections run so far, by section name (later sections may read them)
        self.results: dict[str, SectionResult] = {}

    def repo(self, size: int) -> Repo:
        if size not in self.repos:
            self.repos[size] = self._generate(size)
        return self.repos[size]

    def python_env(self) -> dict[str, str]:
        """The environment for timed Python subprocesses: bytecode cached, as on a real machine.

        Whatever ``PYTHONDONTWRITEBYTECODE`` says, compiled modules are written, to a prefix
        folder in the workspace (so nothing is written beside the sources), and reused by later
        runs once a warm-up run has filled it.
        """
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(self.pycache)
        return env

    def bytecode_of(self, folder: Path) -> Path:
        """Where :meth:`python_env` subprocesses keep the bytecode of modules under ``folder``."""
        return self.pycache / folder.resolve().relative_to(folder.resolve().anchor)

    def _generate(self, size: int) -> Repo:
        per_app = self.options.per_app
        apps = size // per_app
        root = self.base / f"repo-{size}"
        progress(f"generating {size:,} migrations ({apps} apps x {per_app}) in {root} ...")
        generate_s, _ = timed(lambda: generate_repo(root, apps, per_app, self.options.seed))
        tool = [sys.executable, "-m", "manifest_core", "--root", str(root)]
        update_s, _ = run_process([*tool, "update"], env=self.python_env())
        _, result = run_process([*tool, "check"], env=self.python_env())
        found = re.search(r"(\d+) apps, (\d+) migrations", result.stdout)
        if found is None or (int(found[1]), int(found[2])) != (apps, size):
            raise CommandFailed(
                f"check on the generated repository reported {result.stdout.strip()!r}; "
                f"expected {apps} apps, {size} migrations"
            )
        clear_cache(root)
        count: FloorCount = read_floor(str(root))
        progress(
            f"  {count.files:,} files, {count.bytes / 1e6:.1f} MB, generated in "
            f"{generate_s:.1f} s; migrations.toml written by `update` in {update_s:.2f} s"
        )
        return Repo(root, size, apps, per_app, count.files, count.bytes, generate_s, update_s)


def clear_cache(root: Path) -> None:
    shutil.rmtree(root / CACHE_DIR, ignore_errors=True)


@dataclass(frozen=True)
class Verdict:
    """A figure compared with its target; ``passed`` is ``None`` for a figure with no target."""

    label: str
    value: float
    target: str
    passed: bool | None
    note: str = ""
    scope: str = ""  #: what it was measured on, e.g. "5,000 migrations"

    @property
    def title(self) -> str:
        return f"{self.label} ({self.scope})" if self.scope else self.label

    @property
    def mark(self) -> str:
        if self.passed is None:
            return ""
        return "PASS" if self.passed else "MISS"

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "scope": self.scope or None,
            "value": self.value,
            "target": self.target,
            "result": self.mark or None,
            "note": self.note or None,
        }


@dataclass
class SectionResult:
    name: str
    lines: list[str] = field(default_factory=list)  #: the printed report
    data: dict[str, Any] = field(default_factory=dict)  #: the JSON report
    verdicts: list[Verdict] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    name: str
    description: str
    enabled: Callable[[Options], bool]
    run: Callable[[Options, Workspace], SectionResult]


def progress(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)
