"""Nothing lost when resolve or update is interrupted: Ctrl-C, SIGTERM, a closed terminal, kill -9.

resolve applies a long plan (twelve renames, fourteen edits, the index; see interrupt_repo.py) in
a real child process, stopped by a real signal just before step k, for every k (the journal's
test seam ``MIGRATION_MANIFEST_FAULT=k:sigkill``), and by real signals at random times. After the
documented recovery (nothing for SIGINT/SIGTERM/SIGHUP, which roll back before exiting; the next
writing command or ``resolve --abort`` after SIGKILL), the files, ``git ls-files -s`` and
``git status --porcelain`` are exactly as before resolve ran, or exactly as a complete resolve
leaves them.

SIGKILL hits every step. SIGINT, SIGTERM and SIGHUP take turns at every step that changes
something visible and at every third step of the preparation (they all stop the work the same
way: a flag checked between steps). ``INTERRUPT_MATRIX=full`` (``make soak``) sends every signal
at every step.
"""

from __future__ import annotations

import json
import os
import random
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from interrupt_repo import build, cli, copy, leftovers, migration, popen_module, state

from manifest_core import fsops

FAULT = "MIGRATION_MANIFEST_FAULT"
CATCHABLE = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
FULL = os.environ.get("INTERRUPT_MATRIX") == "full"
ROLLED_BACK = "every change it made was rolled back"


class Scenario:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.template = build(folder / "template").path
        self.before = state(self.template)
        reference = copy(self.template, folder / "reference")
        recorded: list[str] = []
        fsops.before_step = recorded.append
        try:
            code, out, err = cli(reference, "resolve")
        finally:
            fsops.before_step = None
        assert code == 0, out + err
        self.after = state(reference)
        self.steps = recorded
        self.runs = 0

    def fresh(self) -> Path:
        self.runs += 1
        return copy(self.template, self.folder / f"run-{self.runs}")

    def outcome(self, root: Path) -> str:
        now = state(root)
        if now == self.before:
            return "before"
        if now == self.after:
            return "after"
        return "mixed"

    def after_commit(self, k: int) -> bool:
        """Whether step k comes after the plan is complete (only the clean-up is left)."""
        return k > self.steps.index("commit") + 1


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return Scenario(tmp_path_factory.mktemp("interrupted"))


def forked(root: Path, *args: str, fault: str) -> tuple[int, str, str]:
    """Run the CLI in a forked child process with the seam set; (exit code or -signal, out, err)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 99
        try:
            os.close(read_end)
            os.environ[FAULT] = fault
            code, out, err = run_cli("--root", str(root), *args)
            os.write(write_end, json.dumps([out, err]).encode())
        finally:
            os._exit(code)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    out, err = json.loads(b"".join(chunks)) if chunks else ("", "")
    return os.waitstatus_to_exitcode(status), out, err


def describe(scenario: Scenario, k: int, sig: int, extra: Any = "") -> str:
    return f"step {k} ({scenario.steps[k - 1]}), {signal.Signals(sig).name}: {extra}"


def test_the_plan_is_long(scenario: Scenario) -> None:
    kinds = [step.split()[0] for step in scenario.steps]
    assert kinds.count("rename") == 12
    assert kinds.count("write") == 14
    assert {"journal", "back", "prepare", "stage", "commit", "clean"} <= set(kinds)
    assert scenario.before != scenario.after


def catchable_runs(scenario: Scenario) -> Iterator[tuple[int, int]]:
    """Every step where something visible changes, and every third one of the preparation
    (which only writes hidden files); every step with every signal under INTERRUPT_MATRIX=full."""
    first_visible = next(i for i, s in enumerate(scenario.steps, 1) if s.startswith("write "))
    for k in range(1, len(scenario.steps) + 1):
        if FULL:
            for sig in CATCHABLE:
                yield k, sig
        elif k >= first_visible or k % 3 == 1:
            yield k, CATCHABLE[k % len(CATCHABLE)]


def test_sigint_sigterm_sighup_roll_back_before_exiting(scenario: Scenario) -> None:
    for k, sig in catchable_runs(scenario):
        root = scenario.fresh()
        name = signal.Signals(sig).name
        code, out, err = forked(root, "resolve", fault=f"{k}:{name.lower()}")
        if scenario.after_commit(k):  # too late to stop: the plan is complete
            assert code == 0, describe(scenario, k, sig, err)
            assert scenario.outcome(root) == "after", describe(scenario, k, sig)
        else:
            assert code == 128 + sig, describe(scenario, k, sig, out + err)
            assert err == (
                f"error: interrupted by {name} while applying the plan; every change was "
                "rolled back, nothing was changed\n"
            ), describe(scenario, k, sig)
            assert scenario.outcome(root) == "before", describe(scenario, k, sig)
        assert leftovers(root) == [], describe(scenario, k, sig)


RECOVERIES = (("resolve", "--abort"), ("update",), ("resolve",))


def test_kill_9_at_every_step_is_rolled_back_by_the_next_command(scenario: Scenario) -> None:
    for k in range(1, len(scenario.steps) + 1):
        root = scenario.fresh()
        code, _, _ = forked(root, "resolve", fault=f"{k}:sigkill")
        assert code == -signal.SIGKILL, describe(scenario, k, signal.SIGKILL, code)
        if k % 7 == 0:  # read-only commands say what is pending, and change nothing
            half = state(root)
            code, _, err = cli(root, "check")
            journal = root / ".git" / "migration-manifest" / "journal"
            assert err == (
                f"note: an interrupted resolve or update left a journal in {journal}: the files "
                "it was changing may be half-changed. Run `python -m manifest_core resolve "
                "--abort` to roll it back (any writing command does so first).\n"
            )
            assert state(root) == half
        recovery = RECOVERIES[k % len(RECOVERIES)]
        code, out, err = cli(root, *recovery)
        context = describe(scenario, k, signal.SIGKILL, f"{recovery}: {code}\n{out}{err}")
        assert leftovers(root) == [], context
        complete = scenario.after_commit(k)
        sentence = out if recovery == ("resolve", "--abort") else err
        if k == 1:  # killed before the journal existed: nothing to roll back
            assert "interrupted" not in sentence, context
        elif complete:
            assert "had been applied completely" in sentence, context
        else:
            assert "`resolve` (started " in sentence, context
            assert ROLLED_BACK in sentence, context
        if recovery == ("resolve",):
            assert code == 0, context
            assert scenario.outcome(root) == "after", context
        elif complete:
            assert scenario.outcome(root) == "after", context
        else:
            assert scenario.outcome(root) == "before", context


def test_abort_with_nothing_pending(scenario: Scenario) -> None:
    root = scenario.fresh()
    assert cli(root, "resolve", "--abort") == (
        1,
        "Nothing to abort: no interrupted resolve or update is pending.\n",
        "",
    )
    code, out, _ = cli(root, "--format", "json", "resolve", "--abort")
    assert (code, json.loads(out)) == (
        1,
        {
            "aborted": False,
            "message": "Nothing to abort: no interrupted resolve or update is pending.",
        },
    )
    assert scenario.outcome(root) == "before"


def test_real_signals_at_random_times(scenario: Scenario) -> None:
    seed = int(os.environ.get("INTERRUPT_SEED", time.time()))
    rng = random.Random(seed)
    for run in range(8):
        sig = (*CATCHABLE, signal.SIGKILL)[run % 4]
        root = scenario.fresh()
        process = popen_module(root, "resolve", fault="slow:0.01")
        time.sleep(rng.uniform(0.2, 1.6))
        process.send_signal(sig)
        _, err = process.communicate(timeout=120)
        context = f"seed {seed}, run {run}, {signal.Signals(sig).name}: {process.returncode}\n{err}"
        if sig != signal.SIGKILL:
            assert process.returncode in (0, 128 + sig, -sig), context
            if process.returncode == 128 + sig:
                assert "every change was rolled back" in err or "nothing was written" in err
        _, abort_out, abort_err = cli(root, "resolve", "--abort")
        assert leftovers(root) == [], context + abort_out + abort_err
        assert scenario.outcome(root) in ("before", "after"), context + abort_out


@pytest.mark.parametrize("k", [3, 17, 31])
def test_a_write_that_fails_mid_prepare_changes_nothing(scenario: Scenario, k: int) -> None:
    root = scenario.fresh()
    code, out, err = forked(root, "resolve", fault=f"{k}:enospc")
    assert code == 1, out + err
    assert "No space left on device; every change was rolled back" in err
    assert scenario.outcome(root) == "before"
    assert leftovers(root) == []


# --- update ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stale(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """A repository whose manifest is stale: update rewrites it (one edit)."""
    scenario = Scenario.__new__(Scenario)
    folder = tmp_path_factory.mktemp("stale")
    scenario.folder = folder
    git = build(folder / "template")
    git("merge", "--abort")
    git.write("blog/migrations/0003_more.py", migration([("blog", "0002_main")], "more"))
    scenario.template = git.path
    scenario.before = state(git.path)
    reference = copy(git.path, folder / "reference")
    recorded: list[str] = []
    fsops.before_step = recorded.append
    try:
        code, out, err = cli(reference, "update")
    finally:
        fsops.before_step = None
    assert code == 0, out + err
    scenario.after = state(reference)
    scenario.steps = recorded
    scenario.runs = 0
    return scenario


def test_update_interrupted_at_every_step(stale: Scenario) -> None:
    assert stale.steps == [
        "journal",
        "back up migrations.toml",
        "prepare migrations.toml",
        "write migrations.toml",
        "commit",
        "clean up",
    ]
    for k in range(1, len(stale.steps) + 1):
        for sig in (*CATCHABLE, signal.SIGKILL):
            root = stale.fresh()
            name = signal.Signals(sig).name
            code, out, err = forked(root, "update", fault=f"{k}:{name.lower()}")
            context = describe(stale, k, sig, f"{code}\n{out}{err}")
            if sig == signal.SIGKILL:
                assert code == -sig, context
                code, out, err = cli(root, "resolve", "--abort")
                context += f"\nabort: {code}\n{out}{err}"
            elif not stale.after_commit(k):
                assert code == 128 + sig, context
                assert f"error: interrupted by {name} while applying the plan" in err, context
            assert leftovers(root) == [], context
            expected = "after" if stale.after_commit(k) else "before"
            assert stale.outcome(root) == expected, context


def test_concurrent_updates_never_roll_back_each_other(stale: Scenario) -> None:
    """Writers take turns (a lock): a live journal is never mistaken for an interrupted one."""
    root = stale.fresh()
    processes = [popen_module(root, "update", fault="slow:0.02") for _ in range(6)]
    results = [(p.wait(timeout=120), p.communicate()) for p in processes]
    for code, (out, err) in results:
        assert code in (0, 1), out + err
        assert "rolled back" not in err, err
        if code == 1:
            assert "the file changed since the plan was made" in err, err
    assert any(code == 0 for code, _ in results)
    assert stale.outcome(root) == "after"
    assert leftovers(root) == []
