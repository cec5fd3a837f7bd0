"""Stage a resolution the editor applied: git's index as ``resolve`` leaves it.

A resolution offered as a ``WorkspaceEdit`` is applied by the editor: it renames the files on
disk and edits the buffers, but git knows nothing of it. During a merge, the renamed migration
then stays in the index under its old name and the new one is untracked, so committing what
git lists as conflicted (migrations.toml) loses the migration. The code action therefore
carries a command, which the editor runs right after applying the edit, and which does to the
index what ``resolve`` does: a tracked file renamed moves in the index as ``git mv`` moves it,
and migrations.toml, the merge migrations and the edited tracked files are staged with the
text the plan gives them (as ``git add`` does once the editor has saved them), in one
``git update-index`` (all or nothing). The conflict entries of migrations.toml go with it, as
with ``git add``.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field

from manifest_core.text import DecodeError, decode_source


@dataclass
class Staged:
    ok: bool
    message: str
    staged: list[str] = field(default_factory=list)


def _git(root: str, *args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", root, *args], input=data, capture_output=True, check=False)


def _entry(root: str, path: str) -> tuple[str, str] | None:
    """``(mode, object)`` of ``path`` in the index (its "ours" entry while it is unmerged)."""
    found = _git(root, "ls-files", "--stage", "-z", "--", path)
    entries: dict[str, tuple[str, str]] = {}
    for record in found.stdout.split(b"\0"):
        if b"\t" not in record:
            continue
        meta, name = record.split(b"\t", 1)
        if name.decode("utf-8", "surrogateescape") != path:
            continue
        mode, sha, stage = meta.decode().split()
        entries[stage] = (mode, sha)
    return entries.get("0") or entries.get("2")


def _blob(root: str, path: str, text: str) -> str | None:
    """The object for ``path`` holding ``text``: the file's own bytes when the editor saved
    it so (encoding and all), else the text in UTF-8; through the path's git filters."""
    full = os.path.join(root, path)
    data = text.encode("utf-8")
    try:
        with open(full, "rb") as handle:
            disk = handle.read()
        if decode_source(disk) == text:
            data = disk
    except (OSError, DecodeError):
        pass
    made = _git(root, "hash-object", "-w", "--stdin", f"--path={path}", data=data)
    return made.stdout.decode().strip() if made.returncode == 0 else None


def stage(root: str, renames: list[tuple[str, str]], contents: dict[str, str]) -> Staged:
    """Stage the renames and the planned contents, after checking that the editor did apply
    the edit (the renamed files moved, every staged file exists)."""
    for old, new in renames:
        if os.path.lexists(os.path.join(root, old)) or not os.path.isfile(os.path.join(root, new)):
            return Staged(False, f"{old} was not renamed to {new}: nothing was staged")
    for path in contents:
        if not os.path.isfile(os.path.join(root, path)):
            return Staged(False, f"{path} does not exist: nothing was staged")
    lines: list[str] = []
    zero = "0" * 40
    modes: dict[str, str] = {}
    for old, new in renames:
        entry = _entry(root, old)
        if entry is None:
            continue  # not in the index (any more): nothing to move
        mode, sha = entry
        lines.append(f"0 {zero}\t{old}")
        lines.append(f"{mode} {sha}\t{new}")
        modes[new] = mode
    for path, text in sorted(contents.items()):
        blob = _blob(root, path, text)
        if blob is None:
            return Staged(False, f"{path}: git could not store it; nothing was staged")
        entry = _entry(root, path)
        mode = modes.get(path) or (entry[0] if entry is not None else "100644")
        if path not in modes:
            lines.append(f"0 {zero}\t{path}")  # drops the conflict entries, as git add does
        lines.append(f"{mode} {blob}\t{path}")
    if not lines:
        return Staged(True, "nothing to stage")
    data = "".join(line + "\n" for line in lines).encode("utf-8", "surrogateescape")
    done = _git(root, "update-index", "--index-info", data=data)
    if done.returncode != 0:
        error = done.stderr.decode("utf-8", "replace").strip()
        return Staged(False, f"git update-index failed: {error}; nothing was staged")
    staged = sorted({new for _, new in renames} | set(contents))
    return Staged(True, "Staged for commit: " + ", ".join(staged), staged)
