"""An on-disk cache, so a warm ``check`` costs little more than listing and stat-ing the files.

Two files live in the cache folder (``.migration_manifest_cache/`` at the root by default, with
its own ``.gitignore``):

* ``files.marshal``: each migration file's declarations and each ``apps.py`` label, keyed by
  path and validated by (mtime, size, inode);
* ``summary.marshal``: the last project summary, keyed by a fingerprint of every input file's
  stat plus the settings that affect labels and the graph.

Like git's index, entries for files modified within two seconds of being cached are never stored,
so an edit made within the file system's timestamp resolution is never missed. A cache that cannot
be read or written is ignored: it never changes an answer, only how fast it comes.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
import time
from typing import Any

from . import __version__
from .config import DEFAULT_CACHE_DIR, TABLE, Config, ConfigError
from .discovery import FileStat
from .model import AppSummary, Decl, Head, Location, Problem, ProjectSummary, Severity, Span
from .where import GITIGNORE, inspect_cache_folder

_FORMAT = f"{__version__}/{sys.version_info[0]}.{sys.version_info[1]}/3"
#: The format of what the cache folder holds: records from another version are ignored.
FORMAT = _FORMAT
_RACY_NS = 2_000_000_000
_GITIGNORE = GITIGNORE


def cache_folder(root: str, config: Config) -> str:
    """The cache folder of the repository at ``root``, checked to be a folder of its own inside it.

    ``cache-dir`` must resolve (after following symbolic links) to a folder strictly inside the
    repository that is missing, empty or holds only the cache's own files
    (:func:`manifest_core.where.inspect_cache_folder`): the cache writes a ``.gitignore`` that
    ignores everything in its folder. Raises :class:`ConfigError` naming the setting otherwise.
    A file where the folder should be only disables the cache.
    """
    setting = config.cache_dir
    real, problem, remedy = inspect_cache_folder(root, setting)
    if problem is None:
        return real
    where = (
        f"[tool.{TABLE}] cache-dir"
        if config.cache_dir_line is not None
        else f"[tool.{TABLE}] cache-dir (default {DEFAULT_CACHE_DIR!r})"
    )
    raise ConfigError(
        f"{where}: {setting!r} {problem}; the cache needs a folder of its own inside the "
        f"repository: {remedy}",
        line=config.cache_dir_line,
    )


class Cache:
    """See the module docstring. ``Cache(None)`` is a cache that remembers nothing."""

    def __init__(self, directory: str | None) -> None:
        self.directory = directory
        self._files: dict[str, tuple[int, int, int, Any]] | None = None
        self._labels: dict[str, tuple[int, int, int, str | None]] = {}
        self._dirty = False
        self._racy = False
        self._now_ns = time.time_ns()

    # -- summary ----------------------------------------------------------------------------
    def load_summary(self, fingerprint: bytes) -> ProjectSummary | None:
        data = self._load("summary.marshal")
        if not isinstance(data, tuple) or len(data) != 3 or data[0] != _FORMAT:
            return None
        if data[1] != fingerprint:
            return None
        try:
            return _summary_from(data[2])
        except (TypeError, ValueError, IndexError):
            return None

    # -- per-file records -------------------------------------------------------------------
    def _entries(self) -> dict[str, tuple[int, int, int, Any]]:
        if self._files is None:
            data = self._load("files.marshal")
            if isinstance(data, tuple) and len(data) == 3 and data[0] == _FORMAT:
                self._files, self._labels = data[1], data[2]
            else:
                self._files, self._labels = {}, {}
        return self._files

    def get_file(self, item: FileStat) -> Decl | None:
        if self.directory is None or not item.ok:
            return None
        entry = self._entries().get(item.path)
        if entry is None or entry[:3] != item.key():
            return None
        try:
            return _decl_from(entry[3])
        except (TypeError, ValueError, IndexError):
            return None

    def put_file(self, item: FileStat, record: Decl) -> None:
        if self.directory is None or not item.ok:
            return
        if item.mtime_ns >= self._now_ns - _RACY_NS:
            self._racy = True
            return
        self._entries()[item.path] = (*item.key(), _decl_to(record))
        self._dirty = True

    def get_label(self, item: FileStat) -> tuple[bool, str | None]:
        """``(found, label)`` for an ``apps.py``."""
        if self.directory is None or not item.ok:
            return False, None
        self._entries()
        entry = self._labels.get(item.path)
        if entry is None or entry[:3] != item.key():
            return False, None
        return True, entry[3]

    def put_label(self, item: FileStat, label: str | None) -> None:
        if self.directory is None or not item.ok:
            return
        if item.mtime_ns >= self._now_ns - _RACY_NS:
            self._racy = True
            return
        self._entries()
        self._labels[item.path] = (*item.key(), label)
        self._dirty = True

    def forget_missing(self, present: set[str]) -> None:
        """Drop records of files that no longer exist, so the cache does not grow forever."""
        entries = self._entries()
        for path in [p for p in entries if p not in present]:
            del entries[path]
            self._dirty = True
        for path in [p for p in self._labels if p not in present]:
            del self._labels[path]
            self._dirty = True

    def save(self, summary: ProjectSummary | None, fingerprint: bytes) -> None:
        if self.directory is None:
            return
        if self._dirty and self._files is not None:
            self._store("files.marshal", (_FORMAT, self._files, self._labels))
        if summary is not None and not self._racy:
            self._store("summary.marshal", (_FORMAT, fingerprint, _summary_to(summary)))

    # -- other records kept in the folder -----------------------------------------------------
    def read(self, name: str) -> Any:
        """What :meth:`write` stored under ``name``, or ``None``."""
        return self._load(name)

    def write(self, name: str, data: Any) -> None:
        """Store marshal-able ``data`` under ``name`` (silently not, when it cannot be)."""
        if self.directory is not None:
            self._store(name, data)

    # -- I/O ----------------------------------------------------------------------------------
    def _load(self, name: str) -> Any:
        if self.directory is None:
            return None
        try:
            with open(os.path.join(self.directory, name), "rb") as handle:
                return marshal.load(handle)
        except (OSError, EOFError, ValueError, TypeError):
            return None

    def _store(self, name: str, data: Any) -> None:
        assert self.directory is not None
        try:
            os.makedirs(self.directory, exist_ok=True)
            ignore = os.path.join(self.directory, ".gitignore")
            if not os.path.exists(ignore):
                with open(ignore, "w", encoding="utf-8") as handle:
                    handle.write(_GITIGNORE)
            tmp = os.path.join(self.directory, f".{name}.{os.getpid()}.tmp")
            try:
                with open(tmp, "wb") as handle:
                    marshal.dump(data, handle)
                os.replace(tmp, os.path.join(self.directory, name))
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except (OSError, ValueError):
            pass  # a cache that cannot be written only costs speed


# --- serialisation to marshal-friendly tuples ----------------------------------------------------


def _span_to(span: Span | None) -> tuple[int, int, int, int] | None:
    return None if span is None else tuple(span)  # type: ignore[return-value]


def _span_from(data: Any) -> Span | None:
    return None if data is None else Span(*data)


def _problem_to(problem: Problem) -> tuple[Any, ...]:
    return (
        problem.code,
        problem.name,
        int(problem.severity),
        problem.message,
        problem.path,
        _span_to(problem.span),
        problem.hint,
        tuple((loc.path, _span_to(loc.span)) for loc in problem.related),
        problem.app,
    )


def _problem_from(data: Any) -> Problem:
    code, name, severity, message, path, span, hint, related, app = data
    return Problem(
        code,
        name,
        Severity(severity),
        message,
        path,
        _span_from(span),
        hint,
        tuple(Location(p, _span_from(s)) for p, s in related),
        app,
    )


def _decl_to(decl: Decl) -> tuple[Any, ...]:
    return (
        decl.path,
        decl.name,
        decl.dependencies,
        decl.replaces,
        decl.run_before,
        decl.initial,
        _span_to(decl.class_span),
        decl.has_migration_class,
        decl.method,
        tuple(_problem_to(p) for p in decl.problems) if decl.problems else (),
    )


def _decl_from(data: Any) -> Decl:
    path, name, deps, replaces, run_before, initial, span, has_class, method, problems = data
    return Decl(
        path,
        name,
        deps,
        replaces,
        run_before,
        initial,
        _span_from(span),
        has_class,
        method,
        tuple(_problem_from(p) for p in problems) if problems else (),
    )


def _summary_to(summary: ProjectSummary) -> tuple[Any, ...]:
    return (
        tuple(
            (
                app.label,
                app.path,
                tuple((h.name, h.path, _span_to(h.span)) for h in app.heads),
                app.migration_count,
            )
            for app in summary.apps
        ),
        tuple(_problem_to(p) for p in summary.problems),
        summary.skipped,
    )


def _summary_from(data: Any) -> ProjectSummary:
    apps, problems, skipped = data
    return ProjectSummary(
        apps=tuple(
            AppSummary(
                label,
                path,
                tuple(Head(n, p, _span_from(s)) for n, p, s in heads),
                count,
            )
            for label, path, heads, count in apps
        ),
        problems=tuple(_problem_from(p) for p in problems),
        skipped=tuple(skipped),
    )
