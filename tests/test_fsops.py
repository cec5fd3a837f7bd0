"""Applying a plan: all of it or nothing, never overwriting, never outside the repository."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Git

from manifest_core import fsops
from manifest_core.model import Span
from manifest_core.plan import EditError, FileCreate, FileRename, Plan, TextEdit, apply_edits

OLD = (
    "from django.db import migrations\n\n\n"
    "class Migration(migrations.Migration):\n"
    "    dependencies = [('blog', '0002_a')]\n"
)


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts and ".migration_manifest_cache" not in p.parts
    }


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "blog" / "migrations").mkdir(parents=True)
    (root / "blog" / "migrations" / "0003_a.py").write_text(OLD)
    (root / "blog" / "migrations" / "0003_b.py").write_text(OLD.replace("0002_a", "0003_a"))
    (root / "migrations.toml").write_text('[apps.blog]\nhead = "0003_b"\n')
    return root


def the_plan() -> Plan:
    name_span = Span(5, 29, 5, 37)
    return Plan(
        "renumber",
        edits=(
            TextEdit("blog/migrations/0003_b.py", name_span, "'0004_a'", "'0003_a'"),
            TextEdit("migrations.toml", Span(2, 8, 2, 14), "0005_b", "0003_b"),
        ),
        renames=(
            FileRename("blog/migrations/0003_a.py", "blog/migrations/0004_a.py"),
            FileRename("blog/migrations/0003_b.py", "blog/migrations/0005_b.py"),
        ),
        creates=(FileCreate("blog/migrations/README", "renumbered\n"),),
    )


def test_applies_edits_then_renames_then_creates(tree: Path) -> None:
    applied = fsops.apply_plan(str(tree), the_plan(), use_git=False)
    assert applied.renamed == [
        ("blog/migrations/0003_a.py", "blog/migrations/0004_a.py"),
        ("blog/migrations/0003_b.py", "blog/migrations/0005_b.py"),
    ]
    assert snapshot(tree) == {
        "blog/migrations/0004_a.py": OLD.encode(),
        "blog/migrations/0005_b.py": OLD.replace("0002_a", "0004_a").encode(),
        "blog/migrations/README": b"renumbered\n",
        "migrations.toml": b'[apps.blog]\nhead = "0005_b"\n',
    }


@pytest.fixture
def fail_at() -> Iterator[list[str]]:
    target: list[str] = []

    def hook(description: str) -> None:
        if target and description.startswith(target[0]):
            raise OSError(f"injected failure before {description}")

    fsops.before_step = hook
    yield target
    fsops.before_step = None


@pytest.mark.parametrize(
    "step",
    [
        "write migrations.toml",
        "rename blog/migrations/0003_a.py",
        "rename blog/migrations/0003_b.py",
        "create blog/migrations/README",
    ],
)
def test_any_failure_rolls_everything_back(tree: Path, fail_at: list[str], step: str) -> None:
    before = snapshot(tree)
    fail_at.append(step)
    with pytest.raises(fsops.ApplyError, match=r"every change was rolled back$"):
        fsops.apply_plan(str(tree), the_plan(), use_git=False)
    assert snapshot(tree) == before


def test_never_overwrites(tree: Path) -> None:
    (tree / "blog" / "migrations" / "0004_a.py").write_text("someone else's work")
    before = snapshot(tree)
    with pytest.raises(fsops.ApplyError) as error:
        fsops.apply_plan(str(tree), the_plan(), use_git=False)
    assert str(error.value) == "blog/migrations/0004_a.py: already exists; nothing was changed"
    assert snapshot(tree) == before
    create = Plan("x", creates=(FileCreate("migrations.toml", "new"),))
    with pytest.raises(fsops.ApplyError, match="already exists"):
        fsops.apply_plan(str(tree), create, use_git=False)
    assert snapshot(tree) == before


def test_a_stale_plan_is_refused(tree: Path) -> None:
    (tree / "migrations.toml").write_text('[apps.blog]\nhead = "0009_z"\n')
    before = snapshot(tree)
    with pytest.raises(fsops.ApplyError) as error:
        fsops.apply_plan(str(tree), the_plan(), use_git=False)
    assert str(error.value) == (
        "migrations.toml:2: expected '0003_b' but found '0009_z'; "
        "the file changed since the plan was made"
    )
    assert snapshot(tree) == before


def test_read_only_files_are_refused(tree: Path) -> None:
    manifest = tree / "migrations.toml"
    manifest.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    before = snapshot(tree)
    with pytest.raises(fsops.ApplyError) as error:
        fsops.apply_plan(str(tree), the_plan(), use_git=False)
    assert (
        str(error.value) == "migrations.toml: the file is read-only; make it writable and run again"
    )
    assert snapshot(tree) == before


@pytest.mark.parametrize("path", ["../outside.py", "/etc/passwd", "a/../../outside.py"])
def test_paths_outside_the_root_are_refused(tree: Path, path: str) -> None:
    plan = Plan("x", creates=(FileCreate(path, "x"),))
    with pytest.raises(fsops.ApplyError, match="not a relative path inside the repository"):
        fsops.apply_plan(str(tree), plan, use_git=False)


def test_symlinks_out_of_the_root_are_refused(tree: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tree / "escape").symlink_to(outside)
    plan = Plan("x", creates=(FileCreate("escape/new.py", "x"),))
    with pytest.raises(fsops.ApplyError, match="resolves outside the repository"):
        fsops.apply_plan(str(tree), plan, use_git=False)
    assert list(outside.iterdir()) == []


def test_modes_and_encodings_are_kept(tree: Path) -> None:
    latin = tree / "latin.py"
    latin_line = "x = 'caf\xe9'  # 0003_a"
    column = latin_line.index("0003_a")
    latin.write_bytes(f"# -*- coding: latin-1 -*-\n{latin_line}\n".encode("latin-1"))
    bom = tree / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfx = '0003_a'\n")
    script = tree / "run.py"
    script.write_text("0003_a\n")
    script.chmod(0o755)
    plan = Plan(
        "x",
        edits=(
            TextEdit("latin.py", Span(2, column, 2, column + 6), "0004_a", "0003_a"),
            TextEdit("bom.py", Span(1, 5, 1, 11), "0004_a", "0003_a"),
            TextEdit("run.py", Span(1, 0, 1, 6), "0004_a", "0003_a"),
        ),
    )
    fsops.apply_plan(str(tree), plan, use_git=False)
    assert latin.read_bytes() == "# -*- coding: latin-1 -*-\nx = 'caf\xe9'  # 0004_a\n".encode(
        "latin-1"
    )
    assert bom.read_bytes() == b"\xef\xbb\xbfx = '0004_a'\n"
    assert stat.S_IMODE(script.stat().st_mode) == 0o755


def test_git_renames_are_staged(git: Git) -> None:
    git.write("blog/migrations/0003_a.py", OLD)
    git.write("blog/migrations/0003_b.py", OLD.replace("0002_a", "0003_a"))
    git.write("migrations.toml", '[apps.blog]\nhead = "0003_b"\n')
    git.commit_all("start")
    plan = Plan(
        "renumber",
        edits=the_plan().edits,
        renames=the_plan().renames,
    )
    applied = fsops.apply_plan(str(git.path), plan, stage=True)
    assert applied.staged_with_git
    status = git("status", "--porcelain").stdout.splitlines()
    assert sorted(status) == [
        "M  migrations.toml",
        "R  blog/migrations/0003_a.py -> blog/migrations/0004_a.py",
        "R  blog/migrations/0003_b.py -> blog/migrations/0005_b.py",
    ]


def test_git_renames_roll_back(git: Git, fail_at: list[str]) -> None:
    git.write("blog/migrations/0003_a.py", OLD)
    git.write("blog/migrations/0003_b.py", OLD.replace("0002_a", "0003_a"))
    git.write("migrations.toml", '[apps.blog]\nhead = "0003_b"\n')
    git.commit_all("start")
    before = snapshot(git.path)
    fail_at.append("create")
    with pytest.raises(fsops.ApplyError):
        fsops.apply_plan(str(git.path), the_plan())
    assert snapshot(git.path) == before
    assert git("status", "--porcelain").stdout == ""


def test_apply_edits_checks_overlaps_and_ranges() -> None:
    text = "abc\ndef\n"
    assert (
        apply_edits(
            text, [TextEdit("f", Span(1, 0, 1, 1), "X"), TextEdit("f", Span(2, 2, 2, 3), "Y")]
        )
        == "Xbc\ndeY\n"
    )
    with pytest.raises(EditError, match="edits overlap"):
        apply_edits(
            text, [TextEdit("f", Span(1, 0, 1, 2), "X"), TextEdit("f", Span(1, 1, 1, 3), "Y")]
        )
    with pytest.raises(EditError, match="the edit is out of range"):
        apply_edits(text, [TextEdit("f", Span(9, 0, 9, 1), "X")])


def test_the_journal_holds_the_plan_and_the_original_bytes_before_anything_changes(
    tree: Path, fail_at: list[str]
) -> None:
    import base64
    import json

    before = snapshot(tree)
    seen: list[dict[str, object]] = []

    def look(description: str) -> None:
        if description == "write blog/migrations/0003_b.py":
            # nothing changed yet: only the prepared files next to the originals are new
            assert {p: b for p, b in snapshot(tree).items() if ".mm-" not in p} == before
            journal = tree / ".migration_manifest_cache" / "journal" / "journal.json"
            seen.append(json.loads(journal.read_text()))

    fsops.before_step = look
    fsops.apply_plan(str(tree), the_plan(), use_git=False, label="resolve")
    record = seen[0]
    assert record["label"] == "resolve"
    assert record["plan"] == the_plan().to_json()
    edits = {e["path"]: e for e in record["edits"]}  # type: ignore[attr-defined]
    assert sorted(edits) == ["blog/migrations/0003_b.py", "migrations.toml"]
    manifest = edits["migrations.toml"]
    assert base64.b64decode(manifest["original"]) == before["migrations.toml"]
    assert record["renames"] == [
        {"from": "blog/migrations/0003_a.py", "to": "blog/migrations/0004_a.py"},
        {"from": "blog/migrations/0003_b.py", "to": "blog/migrations/0005_b.py"},
    ]
    assert not (tree / ".migration_manifest_cache" / "journal").exists()
    assert not [p for p in snapshot(tree) if ".mm-" in p]


def test_a_pending_journal_stops_any_other_plan(tree: Path) -> None:
    (tree / ".migration_manifest_cache" / "journal").mkdir(parents=True)
    before = snapshot(tree)
    with pytest.raises(fsops.ApplyError) as error:
        fsops.apply_plan(str(tree), the_plan(), use_git=False)
    folder = tree / ".migration_manifest_cache" / "journal"
    assert str(error.value) == (
        f"an interrupted plan is pending in {folder}; run `python -m manifest_core resolve "
        "--abort` to roll it back first; nothing was changed"
    )
    assert snapshot(tree) == before
