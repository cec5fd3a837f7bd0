"""Apply a :class:`~manifest_core.plan.Plan` to disk: all of it, or nothing.

* Everything is validated before the first write: paths stay inside the root (after resolving
  symbolic links), edited files exist, are writable and still hold the text the plan expects,
  rename and create targets do not exist.
* Each file is written atomically (a prepared file renamed over it), keeping its mode and
  encoding.
* Renames never overwrite: a hard link then unlink, which fails rather than replace an existing
  file. In a git work tree, tracked files' index entries move with them (as ``git mv`` does), and
  the paths to stage get their new content (as ``git add`` does), in one new index renamed over
  ``.git/index``. Renames run in the plan's order, so a rename may target a path an earlier one
  vacates (``0004_x -> 0005_x`` then ``0003_x -> 0004_x``).
* It is journaled (:mod:`manifest_core.journal`): every byte is written before anything visible
  changes, any failure or SIGINT/SIGTERM/SIGHUP rolls back every step already taken, and the
  next writing command rolls back a plan a ``kill -9`` or a power loss interrupted.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import functools
import os
import signal
import stat
import subprocess
import tempfile
import tokenize
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from .config import DEFAULT_CACHE_DIR
from .discovery import unreadable_reason
from .manifest import is_safe_relative_path
from .plan import EditError, Plan, TextEdit, apply_edits
from .text import DecodeError, decode_source

#: Test seam: called with a step's description just before it runs (to inject failures).
before_step: Callable[[str], None] | None = None


class ApplyError(Exception):
    """The plan could not be applied; the tree was left (or restored) as it was."""


class Interrupted(ApplyError):
    """SIGINT, SIGTERM or SIGHUP stopped applying a plan; every change was rolled back."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.signal_name = signal.Signals(signum).name
        super().__init__(
            f"interrupted by {self.signal_name} while applying the plan; every change was "
            "rolled back, nothing was changed"
        )

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal's number (130 for Ctrl-C)."""
        return 128 + self.signum


@dataclass
class Applied:
    written: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    staged_with_git: bool = False


def _inside(root: str, path: str) -> str:
    if not is_safe_relative_path(path):
        raise ApplyError(f"{path}: not a relative path inside the repository")
    full = os.path.join(root, path)
    real_root = os.path.realpath(root)
    real_parent = os.path.realpath(os.path.dirname(full))
    if real_parent != real_root and not real_parent.startswith(real_root + os.sep):
        raise ApplyError(f"{path}: resolves outside the repository ({real_parent})")
    return full


def _encode_like(original: bytes, text: str) -> bytes:
    """Encode ``text`` as ``original`` was: same BOM and PEP 263 encoding (UTF-8 by default)."""
    bom = codecs.BOM_UTF8 if original.startswith(codecs.BOM_UTF8) else b""
    try:
        encoding = tokenize.detect_encoding(iter(original.splitlines(True)).__next__)[0]
    except SyntaxError:
        encoding = "utf-8"
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    return bom + text.encode(encoding)


def _writable(full: str) -> bool:
    try:
        mode = os.stat(full).st_mode
    except OSError:
        return False
    return bool(mode & stat.S_IWUSR) and os.access(full, os.W_OK)


def _on_real_file(func: Callable[[str, bytes], None]) -> Callable[[str, bytes], None]:
    """An ``OSError`` (a full disk, no permission) names the file being written, never the
    temporary file it goes through (nor nothing, as a failed flush does)."""

    @functools.wraps(func)
    def wrapper(full: str, data: bytes) -> None:
        try:
            func(full, data)
        except FileExistsError:
            raise
        except OSError as exc:
            if exc.filename == full:
                raise
            raise type(exc)(exc.errno, exc.strerror or str(exc), full) from None

    return wrapper


@_on_real_file
def write_atomic(full: str, data: bytes) -> None:
    """Write ``data`` to ``full`` through a temporary file in the same folder."""
    folder = os.path.dirname(full) or "."
    try:
        mode: int | None = stat.S_IMODE(os.stat(full).st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(full)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, full)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def rename_exclusive(old: str, new: str) -> None:
    """Rename ``old`` to ``new``, failing if ``new`` exists (even if created meanwhile)."""
    try:
        os.link(old, new)
    except FileExistsError:
        raise
    except OSError:  # no hard links on this file system
        if os.path.lexists(new):
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), new) from None
        os.rename(old, new)
        return
    os.unlink(old)


def _git(root: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True, check=False)


def in_git_work_tree(root: str) -> bool:
    try:
        result = _git(root, "rev-parse", "--is-inside-work-tree")
    except OSError:
        return False
    return result.returncode == 0 and result.stdout.strip() == "true"


def apply_plan(
    root: str,
    plan: Plan,
    *,
    use_git: bool | None = None,
    stage: bool | Collection[str] = False,
    label: str | None = None,
    cache_dir: str = DEFAULT_CACHE_DIR,
) -> Applied:
    """Apply ``plan`` under ``root`` (see the module docstring). Raises :class:`ApplyError`
    (:class:`Interrupted` when a signal stopped it); either way nothing was changed.

    ``stage``: in a git work tree, ``git add`` every path the plan leaves written (``True``), or
    only those of the given paths (as they are named after the renames). ``label`` names the
    command in the journal (default: the plan's title); ``cache_dir`` is where the journal lives
    outside git.
    """
    root = os.path.abspath(root)
    git = in_git_work_tree(root) if use_git is None else use_git
    # 1. validate and compute every new content before touching anything
    by_path: dict[str, list[TextEdit]] = {}
    for edit in plan.edits:
        by_path.setdefault(edit.path, []).append(edit)
    new_contents: dict[str, tuple[bytes, bytes]] = {}
    for path, edits in sorted(by_path.items()):
        full = _inside(root, path)
        try:
            with open(full, "rb") as handle:
                original = handle.read()
        except OSError as exc:
            raise ApplyError(f"{path}: {unreadable_reason(full, exc)}") from None
        if not _writable(full):
            raise ApplyError(f"{path}: the file is read-only; make it writable and run again")
        try:
            updated = apply_edits(decode_source(original), edits)
        except (DecodeError, EditError) as exc:
            where = f"{path}:{exc.line}" if exc.line else path
            raise ApplyError(f"{where}: {exc}") from None
        # Python source keeps its encoding and BOM; anything else (migrations.toml) is UTF-8
        encoded = _encode_like(original, updated) if path.endswith(".py") else updated.encode()
        new_contents[path] = (original, encoded)
    targets: set[str] = set()
    vacated: set[str] = set()  # paths earlier renames of this plan move away from
    for rename in plan.renames:
        old, new = _inside(root, rename.old_path), _inside(root, rename.new_path)
        if not os.path.isfile(old) or rename.old_path in vacated or rename.old_path in targets:
            raise ApplyError(f"{rename.old_path}: cannot be renamed, it does not exist")
        taken = os.path.lexists(new) and rename.new_path not in vacated
        if taken or rename.new_path in targets:
            raise ApplyError(f"{rename.new_path}: already exists; nothing was changed")
        if not os.path.isdir(os.path.dirname(new)):
            raise ApplyError(f"{rename.new_path}: its folder does not exist")
        targets.add(rename.new_path)
        vacated.add(rename.old_path)
    for create in plan.creates:
        full = _inside(root, create.path)
        taken = os.path.lexists(full) and create.path not in vacated
        if taken or create.path in targets:
            raise ApplyError(f"{create.path}: already exists; nothing was changed")
        if not os.path.isdir(os.path.dirname(full)):
            raise ApplyError(f"{create.path}: its folder does not exist")
        targets.add(create.path)
    # 2. what git's index becomes (objects are written now: before anything visible changes)
    index_info: bytes | None = None
    if git:
        index_info = _index_info(root, plan, new_contents, stage)
    # 3. apply, journaled (see manifest_core.journal)
    from . import journal
    from .journal_path import home as journal_home

    applied = Applied(staged_with_git=git)
    journal.apply(
        journal_home(root, cache_dir),
        label=label or plan.title,
        plan=plan.to_json(),
        root=root,
        edits=[
            (os.path.join(root, path), original, data, stat.S_IMODE(os.stat(full).st_mode))
            for path, (original, data) in new_contents.items()
            for full in [os.path.join(root, path)]
        ],
        renames=[
            (os.path.join(root, r.old_path), os.path.join(root, r.new_path)) for r in plan.renames
        ],
        creates=[(os.path.join(root, c.path), c.content.encode("utf-8")) for c in plan.creates],
        index_info=index_info,
    )
    applied.written = list(new_contents)
    applied.renamed = [(r.old_path, r.new_path) for r in plan.renames]
    applied.created = [c.path for c in plan.creates]
    return applied


def _index_info(
    root: str,
    plan: Plan,
    new_contents: dict[str, tuple[bytes, bytes]],
    stage: bool | Collection[str],
) -> bytes:
    """``git update-index -z --index-info`` input with the plan's effect on git's index.

    Renames of tracked files move their index entries as ``git mv`` does; the paths to stage get
    their new content, as ``git add`` would (the objects are written now).
    """
    prefix = _git(root, "rev-parse", "--show-prefix").stdout.strip()
    # what each final path holds: (content or None for "as on disk now", where it was before)
    final: dict[str, tuple[bytes | None, str | None]] = {
        path: (data, path) for path, (_, data) in new_contents.items()
    }
    for rename in plan.renames:
        final[rename.new_path] = final.pop(rename.old_path, (None, rename.old_path))
    for create in plan.creates:
        final[create.path] = (create.content.encode("utf-8"), None)
    origins = sorted({o for _, o in final.values() if o is not None} | set(final))
    entries = _index_entries(root, origins)
    null = "0" * max((len(sha) for _, sha, _ in entries.values()), default=40)
    lines: list[str] = []
    for rename in plan.renames:
        entry = entries.get(rename.old_path)
        if entry is None:
            continue
        mode, sha, conflicted = entry
        if conflicted:
            raise ApplyError(f"{rename.old_path}: git has it in conflict; finish its merge first")
        lines.append(f"0 {null}\t{prefix}{rename.old_path}")
        lines.append(f"{mode} {sha} 0\t{prefix}{rename.new_path}")
    wanted = set(final) if stage is True else set(stage or ()) & set(final)
    for path in sorted(wanted):
        data, origin = final[path]
        full = os.path.join(root, origin if data is None and origin is not None else path)
        if data is None:
            with open(full, "rb") as handle:
                data = handle.read()
        entry = entries.get(origin) if origin is not None else None
        if entry is not None and not entry[2]:
            mode = entry[0]
        else:
            executable = origin is not None and os.stat(os.path.join(root, origin)).st_mode & 0o100
            mode = "100755" if executable else "100644"
        result = subprocess.run(
            ["git", "-C", root, "hash-object", "-w", "--stdin", f"--path={path}"],
            input=data,
            capture_output=True,
            check=False,
        )
        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace").strip()
            raise ApplyError(f"git hash-object failed for {path}: {detail}; nothing was changed")
        sha = result.stdout.decode("ascii").strip()
        lines.append(f"0 {null}\t{prefix}{path}")
        lines.append(f"{mode} {sha} 0\t{prefix}{path}")
    return b"".join(line.encode("utf-8") + b"\0" for line in lines)


def _index_entries(root: str, paths: list[str]) -> dict[str, tuple[str, str, bool]]:
    """``{path: (mode, sha, conflicted)}`` for the paths git's index has (relative to root)."""
    if not paths:
        return {}
    result = subprocess.run(
        ["git", "-C", root, "ls-files", "-s", "-z", "--", *paths],
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip()
        raise ApplyError(f"git ls-files failed: {detail}; nothing was changed")
    found: dict[str, tuple[str, str, bool]] = {}
    for record in result.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, sha, stage_number = meta.split()
        conflicted = stage_number != "0" or path in found
        previous = found.get(path)
        found[path] = (mode, sha, conflicted or (previous is not None))
    return found
