"""Timing helpers, and the floors the tool's figures are divided by.

A *floor* is the least work any tool answering the same question must do, measured with plain
Python on the same repository in the same run: its ratio to the tool's time says how much of the
tool's time is its own overhead, independently of how fast the machine is.

* :func:`stat_floor`: walk the tree with ``os.scandir`` (into every folder, nothing skipped) and
  ``os.stat`` every ``.py`` file in a ``migrations`` folder;
* :func:`read_floor`: the same, plus reading each of those files' bytes;
* :func:`regex_floor`: the same, plus decoding each file and one compiled-regex pass over it.
"""

from __future__ import annotations

import gc
import os
import re
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

#: The regex pass of :func:`regex_floor`: every ``("app_label", "name")`` pair in a file.
DEPENDENCY_PAIR = re.compile(r"""\(\s*['"](\w+)['"]\s*,\s*['"](\w+)['"]\s*,?\s*\)""")


class CommandFailed(Exception):
    """A measured command did not succeed: the figures would be meaningless."""


@dataclass
class Samples:
    """Wall-clock times of repeated runs of one measurement, in seconds."""

    label: str
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def low(self) -> float:
        return min(self.seconds)

    @property
    def high(self) -> float:
        return max(self.seconds)

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "median_s": self.median,
            "min_s": self.low,
            "max_s": self.high,
            "runs_s": self.seconds,
        }


def timed(func: Callable[[], T]) -> tuple[float, T]:
    """Run ``func`` once after a garbage collection; its wall time and its result."""
    gc.collect()
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


class Series:
    """Named :class:`Samples`, filled by interleaved rounds so that drift affects all alike."""

    def __init__(self) -> None:
        self.samples: dict[str, Samples] = {}

    def add(self, key: str, label: str, seconds: float) -> None:
        self.samples.setdefault(key, Samples(label)).seconds.append(seconds)

    def __getitem__(self, key: str) -> Samples:
        return self.samples[key]

    def median(self, key: str) -> float:
        return self.samples[key].median

    def to_json(self) -> dict[str, Any]:
        return {key: samples.to_json() for key, samples in self.samples.items()}


# --- floors -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FloorCount:
    """What a floor pass saw, so runs can be checked against each other and the tool."""

    files: int
    bytes: int = 0
    matches: int = 0


def _floor(root: str, *, read: bool, pattern: re.Pattern[str] | None) -> FloorCount:
    files = size = matches = 0
    stack = [root]
    while stack:
        folder = stack.pop()
        in_migrations = os.path.basename(folder) == "migrations"
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif in_migrations and entry.name.endswith(".py"):
                    os.stat(entry.path)
                    files += 1
                    if read:
                        with open(entry.path, "rb") as handle:
                            data = handle.read()
                        size += len(data)
                        if pattern is not None:
                            matches += len(pattern.findall(data.decode("utf-8")))
    return FloorCount(files, size, matches)


def stat_floor(root: str) -> FloorCount:
    """Walk everything under ``root``; ``os.stat`` each ``.py`` file in ``migrations`` folders."""
    return _floor(root, read=False, pattern=None)


def read_floor(root: str) -> FloorCount:
    """:func:`stat_floor` plus reading the bytes of each of those files."""
    return _floor(root, read=True, pattern=None)


def regex_floor(root: str, pattern: re.Pattern[str] = DEPENDENCY_PAIR) -> FloorCount:
    """:func:`read_floor` plus decoding each file as UTF-8 and one ``pattern.findall`` pass."""
    return _floor(root, read=True, pattern=pattern)


#: The floors as whole Python processes (``python -c FLOOR_SCRIPT stat|read|regex ROOT``): the
#: same walk as :func:`_floor`, start-up included, so that a command's process is compared with
#: the least any Python process answering the question costs. Prints the files it saw.
FLOOR_SCRIPT = """\
import os, sys
mode, root = sys.argv[1], sys.argv[2]
pattern = None
if mode == "regex":
    import re
    pattern = re.compile(PATTERN)
files = 0
stack = [root]
while stack:
    folder = stack.pop()
    in_migrations = os.path.basename(folder) == "migrations"
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif in_migrations and entry.name.endswith(".py"):
                os.stat(entry.path)
                files += 1
                if mode != "stat":
                    with open(entry.path, "rb") as handle:
                        data = handle.read()
                    if pattern is not None:
                        pattern.findall(data.decode("utf-8"))
print(files)
""".replace("PATTERN", repr(DEPENDENCY_PAIR.pattern))


# --- processes --------------------------------------------------------------------------------


def run_process(
    argv: Sequence[str],
    *,
    cwd: str | None = None,
    env: Mapping[str, str] | None = None,
    expect: int = 0,
    cpu: list[float] | None = None,
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run a command to completion; its wall time (start-up included) and its result.

    With ``cpu``, the CPU time (user + system) the command's processes used is appended to it:
    unlike wall time, it hardly grows when other work shares the machine.
    Raises :class:`CommandFailed` when the exit status is not ``expect``.
    """
    before = _children_cpu()
    start = time.perf_counter()
    result = subprocess.run(
        list(argv),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if cpu is not None:
        cpu.append(_children_cpu() - before)
    if result.returncode != expect:
        output = (result.stdout + result.stderr).strip()
        tail = "\n".join(output.splitlines()[-15:])
        raise CommandFailed(
            f"`{' '.join(argv)}` exited with {result.returncode} (expected {expect}):\n{tail}"
        )
    return elapsed, result


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- formatting -------------------------------------------------------------------------------


def fmt_seconds(seconds: float) -> str:
    """``0.0123`` -> ``12.3 ms``; ``4.56`` -> ``4.56 s``."""
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_count(value: int) -> str:
    return f"{value:,}"
