"""Reading and checking ``migrations.toml`` costs work in proportion to the number of apps.

Measured by counting the lines of the core's own code that run (``sys.settrace``), not by time:
the count is the same on any machine, and four times the apps must cost about four times the
lines. A search through every table for every app (what once made 20,000 apps take seconds)
makes it sixteen times, and fails.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import manifest_core
from manifest_core.checks import check_manifest
from manifest_core.manifest import parse_manifest, render_manifest
from manifest_core.model import AppSummary, Head, ProjectSummary

CORE = str(Path(manifest_core.__file__).parent)
SMALL, LARGE = 250, 1000
#: Linear work gives LARGE / SMALL = 4; a search per app gives 16. Constant costs only lower it.
ALLOWED = 1.5 * LARGE / SMALL


class LineCounter:
    def __init__(self) -> None:
        self.lines = 0

    def trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if not frame.f_code.co_filename.startswith(CORE):
            return None  # the standard library (tomllib) is not ours to count
        if event == "line":
            self.lines += 1
        return self.trace


@contextmanager
def counting() -> Iterator[LineCounter]:
    counter = LineCounter()
    previous = sys.gettrace()
    sys.settrace(counter.trace)
    try:
        yield counter
    finally:
        sys.settrace(previous)


def lines_run(action: Callable[[], object]) -> int:
    with counting() as counter:
        action()
    return counter.lines


def labels(count: int, prefix: str = "app") -> list[str]:
    return [f"{prefix}_{n:05d}" for n in range(count)]


def canonical(count: int) -> str:
    apps = {label: ("0001_initial", f"{label}/migrations") for label in labels(count)}
    return render_manifest(apps)


def dotted(count: int) -> str:
    """Every app as dotted keys of one ``[apps]`` table, the other shape TOML allows."""
    body = "".join(
        f'{label}.head = "0001_initial"\n{label}.path = "{label}/migrations"\n'
        for label in labels(count)
    )
    return f"version = 1\n\n[apps]\n{body}"


def conflicted(count: int) -> str:
    """Both sides of a merge changed every app's head: one conflict hunk per app."""
    parts = ["version = 1\n"]
    for label in labels(count):
        parts.append(
            f"\n[apps.{label}]\n<<<<<<< ours\n"
            f'head = "0002_ours"\n=======\nhead = "0002_theirs"\n>>>>>>> theirs\n'
            f'path = "{label}/migrations"\n'
        )
    return "".join(parts)


def summary(count: int, prefix: str) -> ProjectSummary:
    apps = tuple(
        AppSummary(label, f"{label}/migrations", (Head("0001_initial", f"{label}/m.py", None),), 1)
        for label in labels(count, prefix)
    )
    return ProjectSummary(apps=apps, problems=())


def check_all_missing(count: int) -> None:
    """Every app on disk is missing from the manifest and every entry names no app on disk."""
    manifest = parse_manifest(canonical(count))
    problems = check_manifest(manifest, summary(count, "disk"))
    assert len(problems) == 2 * count


@pytest.mark.parametrize(
    "action",
    [
        pytest.param(lambda n: parse_manifest(canonical(n)), id="tables"),
        pytest.param(lambda n: parse_manifest(dotted(n)), id="dotted-keys"),
        pytest.param(lambda n: parse_manifest(conflicted(n)), id="conflict-markers"),
        pytest.param(check_all_missing, id="check-missing-apps"),
    ],
)
def test_work_grows_linearly_with_the_apps(action: Callable[[int], object]) -> None:
    small = lines_run(lambda: action(SMALL))
    large = lines_run(lambda: action(LARGE))
    assert small > SMALL  # the counter sees the core's code run
    assert large / small <= ALLOWED, f"{SMALL} apps: {small} lines; {LARGE} apps: {large} lines"


def test_the_shapes_are_read_as_intended() -> None:
    """The manifests above are the cases they claim to be, so the ratios mean something."""
    assert len(parse_manifest(canonical(3)).entries) == 3
    assert parse_manifest(canonical(3)).problems == ()
    parsed = parse_manifest(dotted(3))
    assert parsed.problems == ()
    assert parsed.entries["app_00001"].head_line == 6
    merged = parse_manifest(conflicted(3))
    assert merged.conflict is not None
    assert len(merged.conflict.hunks) == 3
    assert merged.conflicted_labels() == set(labels(3))


def test_a_quadratic_search_is_caught() -> None:
    """The measure itself: a per-app scan of every table grows sixteen-fold, over the limit."""

    def quadratic(count: int) -> None:
        manifest = parse_manifest(canonical(count))
        for label in manifest.entries:  # what the table lookup once did, per app
            manifest.path_labels().get(label)

    small = lines_run(lambda: quadratic(SMALL // 5))
    large = lines_run(lambda: quadratic(LARGE // 5))
    assert large / small > ALLOWED
