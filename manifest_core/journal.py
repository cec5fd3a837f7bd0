"""The journal: a plan is applied so that an interruption at any point can be undone.

Imported only by the commands that write (``resolve``, ``update``, ``lint --fix``, the Django
write hooks and ``update_migration_manifest``, the language server's fixes); ``check`` asks
:func:`manifest_core.journal_path.pending` only.

Applying a plan (:func:`apply`) runs in two phases, under a lock (``flock`` on
``<home>/lock``) that serialises every writer of the repository:

1. **Prepare** (nothing visible changes). The journal is written first, fsynced with its folder:
   the whole plan, the original bytes and SHA-256 of every file it edits, the renames and the
   files it creates. Then every byte the plan needs is written ahead: the new content of each
   edited or created file, in a hidden file next to it (``.NAME.mm-<id>.new``); a hard link to
   each edited file's original (``.NAME.mm-<id>.orig``; a copy where hard links are not
   supported); in git, ``.git/index.lock`` is taken and the new index is built in the journal's
   folder, next to a hard link to the current index. A full disk fails here, before anything
   moved.
2. **Apply**: only renames, hard links and unlinks, which need no new space: the prepared files
   are renamed over the originals, the plan's renames run, the created files are linked in, the
   new index is renamed over ``.git/index``. The journal is then marked done (a rename) and the
   backups are removed.

SIGINT, SIGTERM and SIGHUP are caught while a plan is applied; the work stops at the next step
and is rolled back. Rolling back reads the disk to see how far applying got (a file whose bytes
are the original's needs nothing; a renamed file is moved back), so it is correct at any point,
is itself interruptible and restartable, and only renames and unlinks: it never needs new space.
After a ``kill -9`` or a power loss, the next writing command finds the journal, rolls it back
(:func:`recover`) and says so; ``resolve --abort`` does it on request. A journal marked done is
finished instead (its backups removed).
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import errno
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import fsops
from .fsops import ApplyError, Interrupted
from .journal_path import RECOVER_COMMAND, Home
from .journal_path import home as find_home

VERSION = 1
RECORD = "journal.json"
DONE = "journal.done"
PARTIAL = "journal.tmp"
INDEX_ORIG = "index.orig"
INDEX_NEW = "index.new"
#: How long a writer waits for another one (in this repository) to finish.
LOCK_TIMEOUT = 60.0
#: Test seam: ``K:ACTION`` acts just before step K (1-based) of applying a plan. ACTION is
#: ``sigint``, ``sigterm``, ``sighup`` or ``sigkill`` (sent to this process), ``raise`` (an
#: OSError), ``enospc`` (an OSError "No space left on device") or ``sleep=SECONDS``;
#: ``slow:SECONDS`` sleeps before every step (to send real signals at random times).
FAULT_ENV = "MIGRATION_MANIFEST_FAULT"

SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class JournalError(Exception):
    """Rolling back an interrupted plan failed; the journal was kept so it can be tried again."""


@dataclass(frozen=True)
class EditEntry:
    path: str  #: relative to the home's top
    original: bytes
    data: bytes
    mode: int


@dataclass(frozen=True)
class CreateEntry:
    path: str
    data: bytes
    sha256: str


@dataclass
class Record:
    """What the journal holds. Paths are relative to :attr:`Home.top`."""

    id: str
    label: str
    started: str
    plan: dict[str, Any]
    edits: list[EditEntry]
    renames: list[tuple[str, str]]
    creates: list[CreateEntry]
    #: ``update-index -z --index-info`` input that stages the plan, or None (index untouched).
    index_info: bytes | None
    root: str = "."
    done: bool = False
    #: Files this process made in the journal folder (removed with it).
    owns_folder: bool = field(default=False, compare=False)

    @property
    def marker(self) -> bytes:
        return f"migration-manifest journal {self.id}\n".encode()

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "id": self.id,
            "label": self.label,
            "started": self.started,
            "pid": os.getpid(),
            "root": self.root,
            "plan": self.plan,
            "edits": [
                {
                    "path": e.path,
                    "backup": _sidecar(e.path, self.id, "orig"),
                    "new": _sidecar(e.path, self.id, "new"),
                    "sha256_before": _sha(e.original),
                    "sha256_after": _sha(e.data),
                    "mode": e.mode,
                    "original": base64.b64encode(e.original).decode("ascii"),
                }
                for e in self.edits
            ],
            "renames": [{"from": old, "to": new} for old, new in self.renames],
            "creates": [
                {"path": c.path, "new": _sidecar(c.path, self.id, "new"), "sha256": c.sha256}
                for c in self.creates
            ],
            "index": None
            if self.index_info is None
            else {"orig": INDEX_ORIG, "new": INDEX_NEW, "lock": self.marker.decode().strip()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], done: bool) -> Record:
        if data.get("version") != VERSION:
            raise JournalError(
                f"the journal was written by another version of django-migration-manifest "
                f"(journal version {data.get('version')!r})"
            )
        edits = [
            EditEntry(e["path"], base64.b64decode(e["original"]), b"", int(e["mode"]))
            for e in data["edits"]
        ]
        return cls(
            id=data["id"],
            label=data["label"],
            started=data["started"],
            plan=data.get("plan") or {},
            edits=edits,
            renames=[(r["from"], r["to"]) for r in data["renames"]],
            creates=[CreateEntry(c["path"], b"", c["sha256"]) for c in data["creates"]],
            index_info=b"" if data.get("index") else None,
            root=data.get("root", "."),
            done=done,
        )


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sidecar(path: str, journal_id: str, kind: str) -> str:
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}.mm-{journal_id}.{kind}")


# --- the lock -------------------------------------------------------------------------------------

_held: dict[str, list[int]] = {}
_thread_lock = threading.RLock()


@contextlib.contextmanager
def locked(home: Home) -> Iterator[None]:
    """Hold the repository's writer lock (re-entrant within a process)."""
    with _thread_lock:
        if home.lock in _held:
            _held[home.lock][1] += 1
            try:
                yield
            finally:
                _held[home.lock][1] -= 1
            return
        try:
            os.makedirs(home.base, exist_ok=True)
            fd = os.open(home.lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            where = os.path.relpath(home.base, home.top) if home.top else home.base
            raise ApplyError(
                f"{where}: {exc.strerror or exc} (while taking the writers' lock, kept there "
                "with the journal of each change); nothing was changed"
            ) from None
        try:
            _acquire(fd, home)
            _held[home.lock] = [fd, 1]
            try:
                yield
            finally:
                del _held[home.lock]
        finally:
            os.close(fd)  # releases the flock


def _acquire(fd: int, home: Home) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: one writer at a time is up to the user
        return
    deadline = time.monotonic() + LOCK_TIMEOUT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise ApplyError(
                    f"another command is writing this repository (it holds {home.lock}); "
                    "nothing was changed: try again when it is done"
                ) from None
            time.sleep(0.05)


# --- signals and the test seam --------------------------------------------------------------------


@contextlib.contextmanager
def _catch_signals() -> Iterator[list[int]]:
    """Turn SIGINT/SIGTERM/SIGHUP into a flag checked between steps (main thread only)."""
    caught: list[int] = []
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():

        def handler(signum: int, frame: object) -> None:
            caught.append(signum)

        for sig in SIGNALS:
            try:
                old = signal.getsignal(sig)
                if old is signal.SIG_IGN:  # nohup: a hang-up is not an interruption
                    continue
                previous[sig] = signal.signal(sig, handler)
            except (ValueError, OSError):  # pragma: no cover - not the main interpreter
                continue
    try:
        yield caught
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class _Steps:
    """Numbers the steps, runs the test seams, and stops at a caught signal."""

    def __init__(self, caught: list[int]) -> None:
        self.caught = caught
        self.count = 0
        self.interruptible = True
        self.fault_at, self.action, self.slow = _parse_fault(os.environ.get(FAULT_ENV, ""))

    def __call__(self, description: str) -> None:
        self.count += 1
        if self.slow:
            time.sleep(self.slow)
        if self.count == self.fault_at:
            self._fault()
        if fsops.before_step is not None:
            fsops.before_step(description)
        if self.interruptible and self.caught:
            raise Interrupted(self.caught[0])

    def _fault(self) -> None:
        action = self.action
        if action.startswith("sleep="):
            time.sleep(float(action.partition("=")[2]))
        elif action == "raise":
            raise OSError(errno.EIO, "injected failure (test seam)")
        elif action == "enospc":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        elif action.startswith("sig"):
            os.kill(os.getpid(), getattr(signal, action.upper()))
            for _ in range(200):  # let the handler run
                if self.caught:
                    break
                time.sleep(0.005)


def _parse_fault(text: str) -> tuple[int, str, float]:
    if not text:
        return 0, "", 0.0
    head, _, action = text.partition(":")
    if head == "slow":
        return 0, "", float(action)
    return int(head), action, 0.0


# --- applying -------------------------------------------------------------------------------------


def apply(
    home: Home,
    *,
    label: str,
    plan: dict[str, Any],
    root: str,
    edits: list[tuple[str, bytes, bytes, int]],
    renames: list[tuple[str, str]],
    creates: list[tuple[str, bytes]],
    index_info: bytes | None,
) -> None:
    """Apply the changes (absolute paths) journaled; see the module docstring.

    Raises :class:`ApplyError` after rolling everything back (:class:`Interrupted` for a signal).
    """

    def rel(full: str) -> str:
        return os.path.relpath(full, home.top)

    record = Record(
        id=secrets.token_hex(4),
        label=label,
        started=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
        plan=plan,
        edits=[EditEntry(rel(p), original, data, mode) for p, original, data, mode in edits],
        renames=[(rel(old), rel(new)) for old, new in renames],
        creates=[CreateEntry(rel(p), data, _sha(data)) for p, data in creates],
        index_info=index_info,
        root=rel(root),
    )
    if index_info is not None and home.git_dir is None:
        raise ApplyError("cannot find the git folder of this work tree; nothing was changed")
    with locked(home), _catch_signals() as caught:
        if os.path.lexists(home.journal):
            raise ApplyError(
                f"an interrupted plan is pending in {home.journal}; run `{RECOVER_COMMAND}` "
                "to roll it back first; nothing was changed"
            )
        steps = _Steps(caught)
        try:
            _prepare(home, record, steps)
            _apply(home, record, steps)
        except BaseException as exc:
            try:
                if record.owns_folder:
                    _rollback(home, record)
            except JournalError as failed:
                raise ApplyError(
                    f"{_describe(exc)}; rolling back also failed: {failed}. The journal is kept "
                    f"in {home.journal}: fix that, then run `{RECOVER_COMMAND}`"
                ) from None
            if isinstance(exc, Interrupted):
                raise
            if isinstance(exc, ApplyError):
                raise ApplyError(f"{exc}; every change was rolled back") from None
            if isinstance(exc, (OSError, subprocess.SubprocessError)):
                raise ApplyError(f"{_describe(exc)}; every change was rolled back") from None
            raise
        steps.interruptible = False
        with contextlib.suppress(OSError):  # the plan is complete: the next run cleans up
            _finish(home, record, steps)


@contextlib.contextmanager
def _naming(path: str, doing: str) -> Iterator[None]:
    """Report an OSError as the file the plan is about, not the temporary file written."""
    try:
        yield
    except FileExistsError:
        raise
    except OSError as exc:
        raise ApplyError(f"{path}: {exc.strerror or exc} ({doing})") from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ApplyError):
        return str(exc)
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def _prepare(home: Home, record: Record, step: _Steps) -> None:
    top = home.top
    step("journal")
    os.makedirs(home.base, exist_ok=True)
    os.mkdir(home.journal)
    record.owns_folder = True
    with _naming(home.journal, "while writing the journal"):
        data = json.dumps(record.to_json()).encode()
        _write_new(os.path.join(home.journal, PARTIAL), data, 0o600)
    os.rename(os.path.join(home.journal, PARTIAL), os.path.join(home.journal, RECORD))
    _fsync_dir(home.journal)
    _fsync_dir(home.base)
    if record.index_info is not None:
        assert home.git_dir is not None
        step("lock the git index")
        lock = os.path.join(home.git_dir, "index.lock")
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            raise ApplyError(
                f"git is busy: {lock} exists (another git command is running; if none is, "
                "remove that file)"
            ) from None
        with os.fdopen(fd, "wb") as handle:
            handle.write(record.marker)
    for edit in record.edits:
        step(f"back up {edit.path}")
        full = os.path.join(top, edit.path)
        backup = os.path.join(top, _sidecar(edit.path, record.id, "orig"))
        with _naming(edit.path, "while keeping a copy of it"):
            try:
                os.link(full, backup)
            except FileExistsError:
                raise
            except OSError:  # no hard links here: a copy, written now, renamed back if needed
                _write_new(backup, edit.original, edit.mode)
        step(f"prepare {edit.path}")
        with _naming(edit.path, "while writing its new content next to it"):
            new = os.path.join(top, _sidecar(edit.path, record.id, "new"))
            _write_new(new, edit.data, edit.mode)
    for create in record.creates:
        step(f"prepare {create.path}")
        with _naming(create.path, "while writing it next to its place"):
            new = os.path.join(top, _sidecar(create.path, record.id, "new"))
            _write_new(new, create.data, None)
    if record.index_info is not None:
        assert home.git_dir is not None
        step("prepare the git index")
        index = os.path.join(home.git_dir, "index")
        orig = os.path.join(home.journal, INDEX_ORIG)
        new = os.path.join(home.journal, INDEX_NEW)
        with _naming(os.path.relpath(index, top), "while copying git's index"):
            try:
                os.link(index, orig)
            except FileExistsError:
                raise
            except OSError:
                shutil.copyfile(index, orig)
            shutil.copyfile(index, new)
        result = subprocess.run(
            ["git", "-C", top, "update-index", "-z", "--index-info"],
            input=record.index_info,
            capture_output=True,
            check=False,
            env={**os.environ, "GIT_INDEX_FILE": new, "LC_ALL": "C"},
        )
        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace").strip()
            raise ApplyError(f"git update-index failed: {detail}")
        with open(new, "rb") as handle:
            os.fsync(handle.fileno())
    for folder in _folders(home, record):
        _fsync_dir(folder)


def _apply(home: Home, record: Record, step: _Steps) -> None:
    top = home.top
    root = os.path.normpath(os.path.join(top, record.root))

    def shown(path: str) -> str:  # as the plan names it: relative to the root
        return os.path.relpath(os.path.join(top, path), root)

    for edit in record.edits:
        step(f"write {shown(edit.path)}")
        os.replace(
            os.path.join(top, _sidecar(edit.path, record.id, "new")), os.path.join(top, edit.path)
        )
    for old, new in record.renames:
        step(f"rename {shown(old)}")
        fsops.rename_exclusive(os.path.join(top, old), os.path.join(top, new))
    for create in record.creates:
        step(f"create {shown(create.path)}")
        prepared = os.path.join(top, _sidecar(create.path, record.id, "new"))
        fsops.rename_exclusive(prepared, os.path.join(top, create.path))
    if record.index_info is not None:
        assert home.git_dir is not None
        step("stage")
        os.replace(os.path.join(home.journal, INDEX_NEW), os.path.join(home.git_dir, "index"))
        os.unlink(os.path.join(home.git_dir, "index.lock"))
    for folder in _folders(home, record):
        _fsync_dir(folder)
    step("commit")
    os.rename(os.path.join(home.journal, RECORD), os.path.join(home.journal, DONE))
    record.done = True
    _fsync_dir(home.journal)


def _finish(home: Home, record: Record, step: _Steps | None = None) -> None:
    """After the plan is complete: remove the backups and the journal."""
    top = home.top
    if step is not None:
        step("clean up")
    for edit in record.edits:
        for kind in ("orig", "new"):
            _unlink(os.path.join(top, _sidecar(edit.path, record.id, kind)))
    for create in record.creates:
        _unlink(os.path.join(top, _sidecar(create.path, record.id, "new")))
    if record.index_info is not None and home.git_dir is not None:
        _release_index_lock(home, record)
    _remove_journal(home)


def _folders(home: Home, record: Record) -> list[str]:
    folders = {home.journal}
    if home.git_dir is not None and record.index_info is not None:
        folders.add(home.git_dir)
    paths = [e.path for e in record.edits] + [c.path for c in record.creates]
    paths += [p for pair in record.renames for p in pair]
    folders.update(os.path.dirname(os.path.join(home.top, p)) for p in paths)
    return sorted(folders)


def _write_new(full: str, data: bytes, mode: int | None) -> None:
    """Create ``full`` (it must not exist) with ``data``, fsynced, with ``mode`` or the umask's."""
    fd = os.open(full, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(full)
        raise
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(full, mode)


def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --- rolling back ---------------------------------------------------------------------------------


def recover(root: str, cache_dir: str) -> str | None:
    """Roll back (or finish) a plan an interrupted command left; one sentence saying so, or None.

    Raises :class:`JournalError` when that fails (the journal is kept).
    """
    home = find_home(root, cache_dir)
    if not os.path.isdir(home.journal):
        return None
    try:
        with locked(home):
            return _recover(home)
    except ApplyError as exc:
        raise JournalError(str(exc)) from None


def _recover(home: Home) -> str | None:
    if not os.path.isdir(home.journal):
        return None  # the writer we waited for finished
    record = _load(home)
    if record is None:  # interrupted while writing the journal: nothing had been changed
        _remove_journal(home)
        return None
    with _catch_signals():  # finish the roll back even if interrupted again
        if record.done:
            _finish(home, record)
            return (
                f"`{record.label}` (started {record.started}) had been applied completely before "
                "it was interrupted; its leftover backups were removed."
            )
        _rollback(home, record)
    return (
        f"`{record.label}` (started {record.started}) was interrupted before it finished; "
        "every change it made was rolled back: the files and the git index are as they were "
        "before it ran."
    )


def _load(home: Home) -> Record | None:
    for name, done in ((DONE, True), (RECORD, False)):
        path = os.path.join(home.journal, name)
        try:
            with open(path, "rb") as handle:
                data = json.loads(handle.read())
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            raise JournalError(f"{path} cannot be read: {exc}") from None
        try:
            return Record.from_json(data, done)
        except (KeyError, TypeError, ValueError) as exc:
            raise JournalError(f"{path} is not a journal this version can read: {exc}") from None
    return None


def _file_sha(full: str) -> str | None:
    try:
        with open(full, "rb") as handle:
            return _sha(handle.read())
    except OSError:
        return None


def _rollback(home: Home, record: Record) -> None:
    """Undo whatever part of the plan was applied, judging from the disk. Renames only."""
    top = home.top
    failures: list[str] = []

    def attempt(description: str, action: Any, *args: Any) -> None:
        try:
            action(*args)
        except OSError as exc:
            failures.append(f"{description} ({exc.strerror or exc})")

    for create in reversed(record.creates):
        full = os.path.join(top, create.path)
        prepared = os.path.join(top, _sidecar(create.path, record.id, "new"))
        if os.path.lexists(full):
            same = os.path.lexists(prepared) and _same(full, prepared)
            if same or _file_sha(full) == create.sha256:
                attempt(f"remove {create.path}", os.unlink, full)
        attempt(f"remove {prepared}", _unlink, prepared)
    for old, new in reversed(record.renames):
        old_full, new_full = os.path.join(top, old), os.path.join(top, new)
        if os.path.lexists(new_full) and not os.path.lexists(old_full):
            attempt(f"move {new} back to {old}", os.rename, new_full, old_full)
        elif os.path.lexists(new_full) and _same(new_full, old_full):
            attempt(f"remove {new}", os.unlink, new_full)  # linked, not yet unlinked
    for edit in record.edits:
        full = os.path.join(top, edit.path)
        backup = os.path.join(top, _sidecar(edit.path, record.id, "orig"))
        before = _sha(edit.original)
        if os.path.lexists(backup):
            if _file_sha(full) == before:
                attempt(f"remove {backup}", os.unlink, backup)
            else:
                attempt(f"restore {edit.path}", os.replace, backup, full)
        elif _file_sha(full) != before:
            # the backup is gone (removed by hand?): write the journal's copy of the original
            attempt(f"restore {edit.path}", _restore_from_journal, full, edit)
        attempt(f"remove {edit.path}'s prepared copy", _unlink, _sidecar_full(top, edit, record))
    if record.index_info is not None and home.git_dir is not None:
        index = os.path.join(home.git_dir, "index")
        orig = os.path.join(home.journal, INDEX_ORIG)
        if os.path.lexists(orig):
            attempt("restore the git index", os.replace, orig, index)
            attempt("remove the git index backup", _unlink, orig)  # it was the same file
        attempt("remove the prepared git index", _unlink, os.path.join(home.journal, INDEX_NEW))
        try:
            _release_index_lock(home, record)
        except OSError as exc:
            failures.append(f"remove .git/index.lock ({exc.strerror or exc})")
    if failures:
        raise JournalError("; ".join(failures))
    try:
        _remove_journal(home)
    except OSError as exc:
        raise JournalError(f"remove {home.journal} ({exc.strerror or exc})") from None


def _same(one: str, other: str) -> bool:
    """Whether two paths are one file (hard links), without following symbolic links."""
    try:
        first, second = os.lstat(one), os.lstat(other)
    except OSError:
        return False
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def _sidecar_full(top: str, edit: EditEntry, record: Record) -> str:
    return os.path.join(top, _sidecar(edit.path, record.id, "new"))


def _restore_from_journal(full: str, edit: EditEntry) -> None:
    fsops.write_atomic(full, edit.original)
    os.chmod(full, edit.mode)


def _release_index_lock(home: Home, record: Record) -> None:
    assert home.git_dir is not None
    lock = os.path.join(home.git_dir, "index.lock")
    try:
        with open(lock, "rb") as handle:
            ours = handle.read(len(record.marker) + 1) == record.marker
    except FileNotFoundError:
        return
    if ours:
        os.unlink(lock)


def _unlink(full: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(full)


def _remove_journal(home: Home) -> None:
    """Remove the journal folder; the record goes last, so an interrupted removal is redone."""
    folder = home.journal
    for attempt in range(50):
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return
        for name in sorted(names, key=lambda n: n in (RECORD, DONE)):
            _unlink(os.path.join(folder, name))
        try:
            os.rmdir(folder)
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST) or attempt == 49:
                raise
            time.sleep(0.1)  # a git process of a killed command still writing there
            continue
        _fsync_dir(home.base)
        return
