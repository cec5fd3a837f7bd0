"""Questions to git, against real repositories."""

from __future__ import annotations

from pathlib import Path

from conftest import Git

from manifest_core import gitinfo


def two_branches(git: Git) -> None:
    git.write("app/a.py", "a\n")
    git.commit_all("base")
    git("checkout", "-q", "-b", "feature")
    git.write("app/b.py", "b\n")
    git.write("app/a.py", "a2\n")
    git.commit_all("feature")
    git("checkout", "-q", "main")
    git.write("app/a.py", "a3\n")
    git.commit_all("main")


def test_default_branch(git: Git, tmp_path: Path) -> None:
    git.write("x", "x")
    git.commit_all("x")
    root = str(git.path)
    assert gitinfo.default_branch(root) == "main"
    assert gitinfo.default_branch(root, configured="nope") is None
    git("branch", "trunk")
    assert gitinfo.default_branch(root, configured="trunk") == "trunk"
    assert gitinfo.default_branch(root, override="main", configured="trunk") == "main"
    clone = tmp_path / "clone"
    result = gitinfo.git(str(tmp_path), "clone", "-q", root, str(clone))
    assert result.returncode == 0
    assert gitinfo.default_branch(str(clone)) == "origin/main"
    assert gitinfo.default_branch(str(clone), configured="main") == "main"
    assert gitinfo.default_branch(str(clone), configured="main", pushed=True) == "origin/main"
    assert gitinfo.default_branch(str(clone), override="main", pushed=True) == "main"
    assert gitinfo.default_branch(str(tmp_path / "not-a-repo")) is None
    # a CI checkout: a detached HEAD, no local branch, no origin/HEAD
    for args in (("remote", "set-head", "origin", "-d"), ("checkout", "-q", "--detach")):
        assert gitinfo.git(str(clone), *args).returncode == 0
    assert gitinfo.git(str(clone), "branch", "-q", "-D", "main").returncode == 0
    assert gitinfo.default_branch(str(clone)) == "origin/main"
    assert gitinfo.default_branch(str(clone), configured="main") == "origin/main"
    assert gitinfo.default_branch(str(clone), configured="nope") is None


def test_files_and_changes(git: Git) -> None:
    two_branches(git)
    root = str(git.path)
    assert gitinfo.files_at(root, "main") == {"app/a.py"}
    assert gitinfo.files_at(root, "feature", "app") == {"app/a.py", "app/b.py"}
    assert gitinfo.show_file(root, "feature", "app/b.py") == "b\n"
    assert gitinfo.show_file(root, "main", "app/b.py") is None


def test_merge_in_progress(git: Git) -> None:
    two_branches(git)
    root = str(git.path)
    assert gitinfo.operation(root).kind == "none"
    git("merge", "feature", check=False)
    state = gitinfo.operation(root)
    assert state.kind == "merge"
    assert state.ours == gitinfo.resolve_ref(root, "main")
    assert state.theirs == gitinfo.resolve_ref(root, "feature")


def test_rebase_in_progress(git: Git) -> None:
    two_branches(git)
    root = str(git.path)
    git("checkout", "-q", "feature")
    git("rebase", "main", check=False)
    state = gitinfo.operation(root)
    assert state.kind == "rebase"
    assert state.ours == gitinfo.resolve_ref(root, "main")
    assert state.theirs == gitinfo.resolve_ref(root, "feature")
    assert state.branch == "refs/heads/feature"
    assert state.onto == gitinfo.resolve_ref(root, "main")


def test_outside_a_repository(tmp_path: Path) -> None:
    root = str(tmp_path)
    assert gitinfo.toplevel(root) is None
    assert gitinfo.operation(root).kind == "none"
    assert gitinfo.files_at(root, "HEAD") == set()
