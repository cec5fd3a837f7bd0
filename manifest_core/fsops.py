"""Apply a :class:`~manifest_core.plan.Plan` to disk: all of it, or nothing.

* Everything is validated before the first write: paths stay inside the root (after resolving
  symbolic links), edited files exist, are writable and still hold the text the plan expects,
  rename and create targets do not exist.
* Each file is written atomically (temporary file, then rename), keeping its mode and encoding.
* Renames never overwrite: ``git mv`` for tracked files in a git work tree (so the rename is
  staged), otherwise a hard link then unlink, which fails rather than replace an existing file.
  Renames run in the plan's order, so a rename may target a path an earlier one vacates
  (``0004_x -> 0005_x`` then ``0003_x -> 0004_x``).
* Any failure rolls back every step already taken, in reverse order.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import os
import stat
import subprocess
import tempfile
import tokenize
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from .discovery import unreadable_reason
from .manifest import is_safe_relative_path
from .plan import EditError, Plan, TextEdit, apply_edits
from .text import DecodeError, decode_source

#: Test seam: called with a step's description just before it runs (to inject failures).
before_step: Callable[[str], None] | None = None


class ApplyError(Exception):
    """The plan could not be applied; the tree was left (or restored) as it was."""


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


@_on_real_file
def _create_exclusive(full: str, data: bytes) -> None:
    """Create ``full`` with ``data``; fail if anything exists there, even if created meanwhile."""
    folder = os.path.dirname(full) or "."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(full)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.link(tmp, full)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _rename_exclusive(old: str, new: str) -> None:
    try:
        os.link(old, new)
    except FileExistsError:
        raise
    except OSError:
        if os.path.lexists(new):
            raise FileExistsError(new) from None
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


def _tracked(root: str, path: str) -> bool:
    return _git(root, "ls-files", "--error-unmatch", "--", path).returncode == 0


def apply_plan(
    root: str, plan: Plan, *, use_git: bool | None = None, stage: bool | Collection[str] = False
) -> Applied:
    """Apply ``plan`` under ``root`` (see the module docstring). Raises :class:`ApplyError`.

    ``stage``: in a git work tree, ``git add`` every path the plan leaves written (``True``), or
    only those of the given paths (as they are named after the renames).
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
    # 2. execute, journaling each step for the rollback
    undo: list[tuple[str, Callable[[], None]]] = []
    applied = Applied(staged_with_git=git)

    def step(description: str) -> None:
        if before_step is not None:
            before_step(description)

    try:
        for path, (original, data) in new_contents.items():
            full = os.path.join(root, path)
            step(f"write {path}")
            write_atomic(full, data)
            undo.append((f"restore {path}", functools.partial(write_atomic, full, original)))
            applied.written.append(path)
        for rename in plan.renames:
            step(f"rename {rename.old_path}")
            old, new = os.path.join(root, rename.old_path), os.path.join(root, rename.new_path)
            if git and _tracked(root, rename.old_path):
                _git_checked(root, "mv", "--", rename.old_path, rename.new_path)
                undo.append(
                    (
                        f"move back {rename.new_path}",
                        functools.partial(
                            _git_checked, root, "mv", "--", rename.new_path, rename.old_path
                        ),
                    )
                )
            else:
                _rename_exclusive(old, new)
                undo.append(
                    (f"move back {rename.new_path}", functools.partial(os.rename, new, old))
                )
            applied.renamed.append((rename.old_path, rename.new_path))
        for create in plan.creates:
            step(f"create {create.path}")
            full = os.path.join(root, create.path)
            _create_exclusive(full, create.content.encode("utf-8"))
            undo.append((f"remove {create.path}", functools.partial(os.unlink, full)))
            applied.created.append(create.path)
        if git and stage:
            paths = [*applied.written, *(n for _, n in applied.renamed), *applied.created]
            paths = [p for p in paths if os.path.exists(os.path.join(root, p))]
            if stage is not True:
                wanted = set(stage)
                paths = [p for p in paths if p in wanted]
            if paths:
                step("stage")
                _git_checked(root, "add", "--", *paths)
    except (OSError, ApplyError, subprocess.SubprocessError) as exc:
        failures = _rollback(undo)
        message = _describe_failure(root, exc)
        if failures:
            raise ApplyError(
                f"{message}; rolling back also failed for: {', '.join(failures)}"
            ) from None
        raise ApplyError(f"{message}; every change was rolled back") from None
    return applied


def _describe_failure(root: str, exc: Exception) -> str:
    """``migrations.toml: No space left on device``: the file and the reason, for a person."""
    if isinstance(exc, OSError) and isinstance(exc.filename, str) and exc.strerror:
        name = exc.filename
        if os.path.isabs(name) and (name + os.sep).startswith(root + os.sep):
            name = os.path.relpath(name, root).replace(os.sep, "/")
        return f"{name}: {exc.strerror}"
    return str(exc) if isinstance(exc, ApplyError) else f"{type(exc).__name__}: {exc}"


def _git_checked(root: str, *args: str) -> None:
    result = _git(root, *args)
    if result.returncode != 0:
        raise ApplyError(f"git {' '.join(args)} failed: {result.stderr.strip()}")


def _rollback(undo: list[tuple[str, Callable[[], None]]]) -> list[str]:
    failures = []
    for description, action in reversed(undo):
        try:
            action()
        except (OSError, ApplyError):
            failures.append(description)
    return failures
