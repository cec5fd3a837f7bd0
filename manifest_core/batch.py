"""Read many migration files' declarations at once: what a cold ``check`` spends most time on.

:func:`read_packages` gives ``Loader.collect`` every module's declarations at once: from the
cache where it holds them, else from :func:`read_many`, which reads each file with one
``os.open``/``os.read``/``os.close`` (the size is known from the scan; a file that changed size
since is read to its end) and finds its declarations with
:func:`manifest_core.reader.read_declarations`.

On a machine with several cores, a large batch is split with ``os.fork``: each child reads its
share and sends the declarations back through a pipe with ``marshal``, while the parent reads its
own share. Forking is only used where it is sound and pays: on Linux, with no other thread
running, at least :data:`PARALLEL_MINIMUM` files to read and more than one core free (by the
load average: on a machine busy with other work, workers would cost CPU time and save none).
A child that fails (killed, or crashed before it answered) is replaced by reading its share in
the parent, so forking changes how fast the answer comes, never what it is. On ``Ctrl-C`` the
children are killed and waited for before the interruption goes on; they never outlive ``check``.

``DJANGO_MIGRATION_MANIFEST_JOBS`` sets the number of processes (``1``: never fork).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from collections.abc import Container, Sequence
from typing import Any

from .cache import Cache, _decl_from, _decl_to
from .discovery import FileStat, Package
from .model import Decl
from .reader import read_declarations

#: Fewer files than this are read in one process: a fork costs about what reading 200 files does.
PARALLEL_MINIMUM = 1000
JOBS_VARIABLE = "DJANGO_MIGRATION_MANIFEST_JOBS"
#: Signals a worker takes the default way (it ends), whatever handlers its parent had installed.
_INTERRUPTIONS = ("SIGINT", "SIGTERM", "SIGHUP")
_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)


def read_packages(
    root: str, packages: Sequence[Package], cache: Cache, overlays: Container[str]
) -> dict[str, Decl]:
    """The declarations of every module of ``packages`` that the cache holds or that can be read
    (not those in ``overlays``), by path; those read are recorded in ``cache``."""
    ready: dict[str, Decl] = {}
    unread = []
    for package in packages:
        for item in package.modules:
            if item.ok and item.path not in overlays:
                cached = cache.get_file(item)
                if cached is None:
                    unread.append(item)
                else:
                    ready[item.path] = cached
    fresh = read_many(root, unread)
    for item in unread:
        decl = fresh.get(item.path)
        if decl is not None:
            cache.put_file(item, decl)
            ready[item.path] = decl
    return ready


def read_bytes(full: str, size: int) -> bytes:
    """The whole content of the file at ``full``, whose size was ``size`` when it was listed.

    One ``read`` asks for a byte more than ``size``: if exactly ``size`` bytes come back the file
    is whole; otherwise (it grew or shrank since) reading goes on to its end. Raises ``OSError``.
    """
    fd = os.open(full, _FLAGS)
    try:
        data = os.read(fd, size + 1)
        if len(data) != size:
            chunks = [data]
            while True:
                more = os.read(fd, 1 << 16)
                if not more:
                    break
                chunks.append(more)
            data = b"".join(chunks)
        return data
    finally:
        os.close(fd)


def _read_serial(root: str, items: Sequence[FileStat]) -> dict[str, Decl]:
    decls: dict[str, Decl] = {}
    prefix = root.rstrip(os.sep) + os.sep
    for item in items:
        path = item.path
        try:
            data = read_bytes(prefix + path, item.size)
        except OSError:
            continue  # the caller reads it again, the careful way, for the message
        decls[path] = read_declarations(path, data)
    return decls


def jobs() -> int:
    """How many processes may read: the setting, else one per core that is idle.

    A core is counted idle by the load average: on a machine already busy with other work a
    second process would only share the same cores, costing CPU time for no gain in wall time.
    """
    setting = os.environ.get(JOBS_VARIABLE, "")
    if setting.strip().isdigit():
        return max(int(setting), 1)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - no load average to read
        return 1
    return max(1, min(cores, round(cores - load + 1)))


def _can_fork() -> bool:
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False  # pragma: no cover - elsewhere fork is missing or unsafe with system libraries
    threading = sys.modules.get("threading")
    # forking while another thread holds a lock (the import lock, a logging handler's) can hang
    # the child: only a single-threaded process forks
    return threading is None or threading.active_count() == 1


def read_many(
    root: str, items: Sequence[FileStat], processes: int | None = None
) -> dict[str, Decl]:
    """The declarations of every file in ``items`` that could be read, by path.

    Files that cannot be opened or read are left out: the caller reads them again one by one,
    which says why. ``processes`` overrides :func:`jobs`.
    """
    count = processes if processes is not None else jobs()
    count = min(count, len(items) // (PARALLEL_MINIMUM // 2) or 1)
    if count < 2 or len(items) < PARALLEL_MINIMUM or not _can_fork():
        return _read_serial(root, items)
    shares = [items[index::count] for index in range(count)]
    pending: list[tuple[int, int, Sequence[FileStat]]] = []
    decls: dict[str, Decl] = {}
    try:
        own = [shares[0]]
        for share in shares[1:]:
            try:
                pending.append(_fork_reader(root, share))
            except OSError:  # no process to spare (EAGAIN, ENOMEM): read it here
                own.append(share)
        for share in own:
            decls.update(_read_serial(root, share))
        while pending:
            pid, fd, share = pending[0]
            answer = _collect(fd)
            os.close(fd)
            with contextlib.suppress(ChildProcessError):  # SIGCHLD ignored: reaped already
                os.waitpid(pid, 0)
            del pending[0]
            decls.update(_read_serial(root, share) if answer is None else answer)
    finally:
        for pid, fd, _ in pending:  # interrupted: no child outlives the command
            _stop(pid, fd)
    return decls


def _fork_reader(root: str, share: Sequence[FileStat]) -> tuple[int, int, Sequence[FileStat]]:
    import signal  # only where workers are forked: a small tree never needs it

    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid == 0:  # pragma: no cover - runs in the child, which never returns
        status = 1
        try:
            for name in _INTERRUPTIONS:  # the parent's handlers are the parent's business
                signal.signal(getattr(signal, name), signal.SIG_DFL)
            os.close(read_end)
            records = [(path, _decl_to(decl)) for path, decl in _read_serial(root, share).items()]
            payload = marshal.dumps(records)
            view = memoryview(payload)
            while view:
                view = view[os.write(write_end, view) :]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end, share


def _collect(fd: int) -> dict[str, Decl] | None:
    """What a child sent, or ``None`` when it did not answer in full."""
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    try:
        records: Any = marshal.loads(b"".join(chunks))
        return {path: _decl_from(record) for path, record in records}
    except (EOFError, ValueError, TypeError, IndexError):
        return None


def _stop(pid: int, fd: int) -> None:
    """Kill a child that has not answered, close its pipe and wait for it to end."""
    import signal

    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.close(fd)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
