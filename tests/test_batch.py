"""Reading many migrations at once: in one process or forked, the same declarations, no leftovers.

The forked workers are real processes reading real files; a named pipe stands in for a file that
never finishes opening, so a worker can be caught mid-read and the command interrupted there.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from manifest_core.batch import PARALLEL_MINIMUM, read_bytes, read_many
from manifest_core.discovery import FileStat, scan
from manifest_core.reader import read_declarations

FORK = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork on Linux")

MIGRATION = """\
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [({app!r}, {parent!r})]

    operations = []
"""


def write_tree(root: Path, files: int) -> list[FileStat]:
    """``files`` migrations in apps of 100, some for the ast reader, one with a value it cannot
    read (500) and one that does not parse (600)."""
    for number in range(files):
        app = f"app{number // 100}"
        folder = root / app / "migrations"
        if not folder.exists():
            folder.mkdir(parents=True)
            (folder / "__init__.py").write_text("")
        text = MIGRATION.format(app=app, parent=f"{number - 1:04d}_step")
        if number % 97 == 0:
            text = text.replace("    operations", "    dependencies += []\n    operations")
        if number == 500:
            text = text.replace("    operations", "    dependencies += [UNKNOWN]\n    operations")
        if number == 600:
            text = text.replace("    operations", "    initial = True True\n    operations")
        (folder / f"{number:04d}_step.py").write_text(text)
    return [m for package in scan(str(root)).packages for m in package.modules]


def expected(root: Path, items: list[FileStat]) -> dict[str, object]:
    return {m.path: read_declarations(m.path, (root / m.path).read_bytes()) for m in items}


@FORK
def test_forked_workers_read_what_one_process_reads(tmp_path: Path) -> None:
    items = write_tree(tmp_path, PARALLEL_MINIMUM + 200)
    serial = read_many(str(tmp_path), items, processes=1)
    forked = read_many(str(tmp_path), items, processes=2)
    assert serial == forked == expected(tmp_path, items)
    # problems cross the pipe too
    assert serial["app5/migrations/0500_step.py"].problems[0].name == "unreadable-value"
    assert serial["app6/migrations/0600_step.py"].problems[0].name == "syntax-error"
    assert {d.method for d in forked.values()} == {"fast", "ast", "tolerant"}


def test_files_that_cannot_be_read_are_left_to_the_careful_reader(tmp_path: Path) -> None:
    items = write_tree(tmp_path, 3)
    gone = FileStat("app0/migrations/0009_gone.py", 1, 10, 1)
    folder = FileStat("app0/migrations", 1, 10, 1)
    assert set(read_many(str(tmp_path), [*items, gone, folder])) == {m.path for m in items}


def test_a_file_that_changed_size_since_it_was_listed_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "f.py"
    path.write_bytes(b"x" * 70_000)
    assert read_bytes(str(path), 10) == b"x" * 70_000
    assert read_bytes(str(path), 200_000) == b"x" * 70_000
    assert read_bytes(str(path), 70_000) == b"x" * 70_000
    path.write_bytes(b"")
    assert read_bytes(str(path), 0) == b""


def test_the_setting_turns_workers_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from manifest_core import batch

    monkeypatch.setenv(batch.JOBS_VARIABLE, "1")
    assert batch.jobs() == 1
    monkeypatch.setenv(batch.JOBS_VARIABLE, "3")
    assert batch.jobs() == 3
    monkeypatch.setenv(batch.JOBS_VARIABLE, "many")
    assert 1 <= batch.jobs() <= len(os.sched_getaffinity(0))


def children_of(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(part) for part in text.split()]


def session_is_empty(session: int) -> bool:
    try:
        os.killpg(session, 0)
    except ProcessLookupError:
        return True
    return False


READER = textwrap.dedent(
    """
    import sys
    from manifest_core.batch import read_many
    from manifest_core.discovery import scan
    root = sys.argv[1]
    items = [m for p in scan(root).packages for m in p.modules]
    try:
        found = read_many(root, items, processes=2)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        raise SystemExit(130)
    print(len(found), flush=True)
    """
)


@pytest.fixture
def blocked_reader(tmp_path: Path) -> Iterator[Callable[[], tuple[subprocess.Popen[str], int]]]:
    """Starts :func:`start_blocked_reader` in ``tmp_path``; a test that fails before the reader
    is through leaves no process behind either (its session is killed)."""
    started: list[subprocess.Popen[str]] = []

    def start() -> tuple[subprocess.Popen[str], int]:
        return start_blocked_reader(tmp_path, started)

    yield start
    for process in started:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


def start_blocked_reader(
    root: Path, started: list[subprocess.Popen[str]]
) -> tuple[subprocess.Popen[str], int]:
    """A process reading ``root`` with two workers, the forked one stuck opening a named pipe
    (added to ``started`` as soon as it runs)."""
    items = write_tree(root, PARALLEL_MINIMUM + 200)
    stuck = root / items[1].path  # the second share, which the forked worker reads
    stuck.unlink()
    os.mkfifo(stuck)
    process = subprocess.Popen(
        [sys.executable, "-c", READER, str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    started.append(process)
    deadline = time.monotonic() + 30
    while not children_of(process.pid):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no worker was forked"
        time.sleep(0.05)
    (worker,) = children_of(process.pid)
    return process, worker


@FORK
@pytest.mark.parametrize("group", [False, True], ids=["parent-only", "terminal"])
def test_ctrl_c_while_a_worker_reads_leaves_no_process_behind(
    blocked_reader: Callable[[], tuple[subprocess.Popen[str], int]], group: bool
) -> None:
    process, worker = blocked_reader()
    time.sleep(0.5)  # the parent has read its share and waits for the worker
    if group:  # as a terminal sends it: to every process of the foreground group
        os.killpg(process.pid, signal.SIGINT)
    else:  # to the parent alone: it must stop its worker itself
        os.kill(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert out == "interrupted\n", err
    assert process.returncode == 130
    assert session_is_empty(process.pid)
    assert not Path(f"/proc/{worker}").exists()


@FORK
def test_a_worker_killed_mid_read_costs_time_not_answers(
    tmp_path: Path, blocked_reader: Callable[[], tuple[subprocess.Popen[str], int]]
) -> None:
    process, worker = blocked_reader()
    stuck = next(p for p in tmp_path.rglob("*.py") if p.is_fifo())
    os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{worker}").exists():  # until the parent has seen it die and reaped it
        assert time.monotonic() < deadline
        time.sleep(0.05)
    # the parent now reads the worker's share itself, and waits on the pipe: let it through
    with open(stuck, "w") as pipe:
        pipe.write(MIGRATION.format(app="app0", parent="0000_step"))
    out, err = process.communicate(timeout=30)
    assert (out, process.returncode) == (f"{PARALLEL_MINIMUM + 200}\n", 0), err
    assert session_is_empty(process.pid)
