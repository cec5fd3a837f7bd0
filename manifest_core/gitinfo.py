"""Read-only questions to git, asked with ``git`` subprocesses. Never raises for a missing repo.

Used by ``resolve`` (which side of a merge or rebase moves) and ``lint`` (which migrations are new
on this branch). Every function takes the work tree's root and returns ``None`` or an empty result
when git has no answer (not a repository, unknown ref, git not installed).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass


def git(
    root: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``git -C root ARGS`` and capture its output (never raises for git's own errors)."""
    try:
        return subprocess.run(
            ["git", "-C", root, *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, **(env or {}), "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"},
        )
    except OSError as exc:
        return subprocess.CompletedProcess(["git", *args], 127, "", str(exc))


def _out(root: str, *args: str) -> str | None:
    result = git(root, *args)
    return result.stdout.strip() if result.returncode == 0 else None


def toplevel(path: str) -> str | None:
    """The root of the work tree containing ``path``."""
    return _out(path, "rev-parse", "--show-toplevel")


def git_dir(root: str) -> str | None:
    """The absolute ``.git`` folder of the work tree (a worktree's own, when in one)."""
    found = _out(root, "rev-parse", "--absolute-git-dir")
    return found or None


def resolve_ref(root: str, ref: str) -> str | None:
    """The commit a ref names, or ``None``."""
    return _out(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")


def default_branch(
    root: str,
    *,
    override: str | None = None,
    configured: str | None = None,
    pushed: bool = False,
) -> str | None:
    """The default branch, as a ref git can resolve.

    In order: ``override`` (``--base``, taken literally), ``configured`` (``default-branch`` in
    pyproject.toml), ``origin/HEAD``, then ``main`` or ``master``. A branch that exists only as
    ``origin/<name>`` (a CI checkout has no local branches) is found there. With ``pushed``, a
    branch is judged by what was pushed: ``origin/<name>`` when it exists, since a local ``main``
    may hold unpushed commits. ``None`` if none exists.
    """
    if override:
        return override if resolve_ref(root, override) else None
    if configured:
        names: tuple[str, ...] = (configured,)
    else:
        origin_head = _out(root, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD")
        if origin_head:
            return origin_head.removeprefix("refs/remotes/")
        names = ("main", "master")
    for name in names:
        if pushed and resolve_ref(root, f"origin/{name}"):
            return f"origin/{name}"
        if resolve_ref(root, name):
            return name
    for name in names:
        if resolve_ref(root, f"origin/{name}"):
            return f"origin/{name}"
    return None


def files_at(root: str, ref: str, under: str = "") -> set[str]:
    """Paths (relative to the root, ``/``-separated) of files in ``ref``'s tree."""
    args = ["ls-tree", "-r", "--name-only", "-z", ref]
    if under:
        args += ["--", under]
    result = git(root, *args)
    if result.returncode != 0:
        return set()
    return {p for p in result.stdout.split("\0") if p}


def show_file(root: str, ref: str, path: str) -> str | None:
    """A file's content at ``ref``, or ``None`` if it does not exist there."""
    result = git(root, "show", f"{ref}:{path}")
    return result.stdout if result.returncode == 0 else None


@dataclass(frozen=True)
class Operation:
    """A merge or rebase in progress, as git records it under ``.git``.

    ``ours`` is the commit the work tree started from (``HEAD``); ``theirs`` is the commit being
    brought in (``MERGE_HEAD`` in a merge; the commit being replayed in a rebase). In a rebase,
    ``HEAD`` is on the upstream, so the conflict markers' first side is the upstream.
    """

    #: ``"merge"``, ``"rebase"``, ``"cherry-pick"``, ``"merge-commit"`` (``HEAD`` is a merge commit
    #: with nothing in progress: ``ours`` and ``theirs`` are its parents) or ``"none"``.
    kind: str
    ours: str | None
    theirs: str | None
    #: In a rebase, the branch being rebased (``refs/heads/feature``) and what it is rebased onto.
    branch: str | None = None
    onto: str | None = None
    #: In a rebase, the branch's tip before the rebase: the commits still to replay are in it.
    orig_head: str | None = None


def operation(root: str) -> Operation:
    """The merge or rebase in progress in the work tree at ``root``, if any."""
    folder = git_dir(root)
    head = resolve_ref(root, "HEAD")
    if folder is None:
        return Operation("none", None, None)

    def read(*parts: str) -> str | None:
        try:
            with open(os.path.join(folder, *parts), encoding="utf-8") as handle:
                return handle.read().strip() or None
        except OSError:
            return None

    merge_head = read("MERGE_HEAD")
    if merge_head:
        return Operation("merge", head, merge_head.splitlines()[0])
    cherry_pick = read("CHERRY_PICK_HEAD")
    if cherry_pick:
        return Operation("cherry-pick", head, cherry_pick.splitlines()[0])
    for state in ("rebase-merge", "rebase-apply"):
        if os.path.isdir(os.path.join(folder, state)):
            theirs = read(state, "stopped-sha") or read(state, "original-commit")
            if theirs is None:
                theirs = read("REBASE_HEAD")
            return Operation(
                "rebase",
                head,
                theirs,
                branch=read(state, "head-name"),
                onto=read(state, "onto"),
                orig_head=read(state, "orig-head"),
            )
    return Operation("none", head, None)


def committed_merge(root: str) -> Operation | None:
    """``HEAD`` as a merge commit (``ours``: its first parent, ``theirs``: its second), or None."""
    found = parents(root, "HEAD")
    if len(found) < 2:
        return None
    return Operation("merge-commit", found[0], found[1])


def parents(root: str, rev: str) -> list[str]:
    """The parent commits of ``rev`` (empty for a root commit or an unknown rev)."""
    out = _out(root, "rev-list", "--parents", "-n", "1", rev, "--")
    return out.split()[1:] if out else []


def current_branch(root: str) -> str | None:
    """The branch ``HEAD`` is on (``main``), or ``None`` when detached or outside git."""
    out = _out(root, "symbolic-ref", "--quiet", "--short", "HEAD")
    return out or None


def describe(root: str, commit: str) -> str:
    """A name for a commit people recognise: a branch pointing at it, else its short hash."""
    out = _out(
        root,
        "for-each-ref",
        "--points-at",
        commit,
        "--format=%(refname:short)",
        "refs/heads",
        "refs/remotes",
    )
    names = [n for n in (out or "").splitlines() if n and not n.endswith("/HEAD")]
    if names:
        local = [n for n in names if "/" not in n] or names
        return sorted(local, key=lambda n: (len(n), n))[0]
    short = _out(root, "rev-parse", "--short", commit)
    return short or commit[:12]


def subject(root: str, commit: str) -> str:
    """The first line of a commit's message."""
    return _out(root, "log", "-1", "--format=%s", commit) or ""


def tracked_files(root: str) -> set[str]:
    """Paths in git's index (tracked, staged or unmerged), relative to the root."""
    result = git(root, "ls-files", "-z")
    return {p for p in result.stdout.split("\0") if p} if result.returncode == 0 else set()
