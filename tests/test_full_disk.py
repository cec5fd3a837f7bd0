"""A full disk: resolve and update fail before anything moved, and change nothing.

The repository is copied onto a real, small tmpfs (``mount -t tmpfs -o size=...``), which is then
filled to leave from nothing to a few hundred KB free. Whatever the free space, resolve either
completes or fails with a clear message, and the files and git's index are exactly as before.
Needs root (or passwordless sudo) to mount; skipped, saying why, where mounting is impossible,
except in CI (``.ci/run`` sets ``MIGRATION_MANIFEST_REQUIRE_TMPFS=1``), where it must run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from interrupt_repo import build, cli, copy, leftovers, migration, state

SIZE = "4m"
FREE = (0, 8192, 16384, 32768, 49152, 65536, 81920, 98304, 131072, 163840, 262144, 1048576)


def unavailable(reason: str) -> None:
    """Skip, saying why; in CI (MIGRATION_MANIFEST_REQUIRE_TMPFS=1, set by .ci/run), fail."""
    if os.environ.get("MIGRATION_MANIFEST_REQUIRE_TMPFS"):
        pytest.fail(f"{reason} (MIGRATION_MANIFEST_REQUIRE_TMPFS is set: CI must run this test)")
    pytest.skip(reason)


def _mount_command(*args: str) -> list[str]:
    return list(args) if os.geteuid() == 0 else ["sudo", "-n", *args]


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    point = tmp_path / "tmpfs"
    point.mkdir()
    if os.geteuid() != 0 and shutil.which("sudo") is None:
        unavailable("mounting a tmpfs needs root or sudo, and neither is available")
    mounted = subprocess.run(
        _mount_command("mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0777", "tmpfs", str(point)),
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        unavailable(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield point
    finally:
        subprocess.run(_mount_command("umount", "-l", str(point)), check=False)


def fill(point: Path, leave: int) -> None:
    """Leave about ``leave`` bytes free on the file system at ``point``."""
    stats = os.statvfs(point)
    free = stats.f_bavail * stats.f_frsize
    with open(point / "filler", "wb") as handle:
        remaining = max(free - leave, 0)
        block = b"\0" * 65536
        try:
            while remaining > 0:
                handle.write(block[: min(remaining, len(block))])
                remaining -= min(remaining, len(block))
            handle.flush()
        except OSError:
            pass


def run_on_full_disk(
    template: Path, tmpfs: Path, leave: int, *args: str
) -> tuple[Path, int, str, str]:
    for entry in tmpfs.iterdir():
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    root = copy(template, tmpfs / "repo")
    fill(tmpfs, leave)
    code, out, err = cli(root, *args)
    (tmpfs / "filler").unlink()
    return root, code, out, err


def test_resolve_on_a_full_disk(tmp_path: Path, tmpfs: Path) -> None:
    template = build(tmp_path / "template").path
    before = state(template)
    reference = copy(template, tmp_path / "reference")
    assert cli(reference, "resolve")[0] == 0
    after = state(reference)
    outcomes = []
    for leave in FREE:
        root, code, out, err = run_on_full_disk(template, tmpfs, leave, "resolve")
        now = state(root)
        context = f"{leave} bytes free: exit {code}\n{out}{err}"
        assert leftovers(root) == [], context
        if code == 0:
            assert now == after, context
            outcomes.append("resolved")
        else:
            assert code == 1, context
            assert "No space left on device" in err, context
            assert "nothing was changed" in err or "every change was rolled back" in err, context
            assert now == before, context
            outcomes.append("refused")
    assert "refused" in outcomes
    assert outcomes[-1] == "resolved"


def test_update_on_a_full_disk(tmp_path: Path, tmpfs: Path) -> None:
    git = build(tmp_path / "template")
    git("merge", "--abort")
    git.write("blog/migrations/0003_more.py", migration([("blog", "0002_main")], "more"))
    before = state(git.path)
    reference = copy(git.path, tmp_path / "reference")
    assert cli(reference, "update")[0] == 0
    after = state(reference)
    outcomes = []
    for leave in FREE:
        root, code, out, err = run_on_full_disk(git.path, tmpfs, leave, "--no-cache", "update")
        context = f"{leave} bytes free: exit {code}\n{out}{err}"
        assert leftovers(root) == [], context
        if code == 0:
            assert state(root) == after, context
            outcomes.append("updated")
        else:
            assert code == 1, context
            assert "No space left on device" in err, context
            assert state(root) == before, context
            outcomes.append("refused")
    assert "refused" in outcomes
    assert outcomes[-1] == "updated"


def test_rolling_back_needs_no_space(tmp_path: Path, tmpfs: Path) -> None:
    """kill -9 in the middle of the renames, then a completely full disk: the roll back works."""
    from test_interrupted import forked

    template = build(tmp_path / "template").path
    before = state(template)
    for k in (35, 50, 57):  # among the writes, among the renames, at staging
        root = copy(template, tmpfs / f"repo-{k}")
        code, _, _ = forked(root, "resolve", fault=f"{k}:sigkill")
        assert code == -9
        assert state(root) != before
        fill(tmpfs, 0)
        code, out, err = cli(root, "resolve", "--abort")
        (tmpfs / "filler").unlink()
        assert code == 0, out + err
        assert "every change it made was rolled back" in out
        assert leftovers(root) == []
        assert state(root) == before
