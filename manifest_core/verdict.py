"""A warm ``check`` repeats its last answer when nothing it reads has changed.

After a ``check`` that used the cache, :func:`record` stores in the cache folder
(``verdict.marshal``) the exact output and exit code, next to the state they were made from:

* the command line and the folder it was run from (they decide the root and the output format);
* the user running it (file permissions decide what can be read), and the tool's own modules
  (mtime, size), so that another version or an edit of the tool answers afresh;
* ``pyproject.toml``'s and ``migrations.toml``'s bytes (or that they are missing);
* the discovery walk's digest (:meth:`manifest_core.walk.Walk.digest`): every candidate
  migrations folder, each module's and ``apps.py``'s (mtime, size, inode) as the cache knows
  files, and every note about a folder or a name;
* the settings the walk was run with (excludes, explicit folders, nested repositories), which
  follow from the two files above.

:func:`replay`, run by ``python -m manifest_core`` before anything else is imported, finds the
root as every command does, compares each of those with the repository as it is now (reading the
two files, running the very same walk), checks that the cache folder is still the cache's own and
that no interrupted plan is pending, and prints the stored output. Anything else (another command
or option, a difference, a doubt) returns ``None`` and the full command runs, which records anew.

Nothing is recorded when an answer rests on something the state above does not capture: a file
that could not be stat-ed or opened, a folder that could not be listed, a file modified within
the last two seconds (a later edit might keep its mtime, as the per-file cache also guards
against), text written to stderr, a cache folder set in ``cache-dir``, or an exit code other than
0 or 1. Like the rest of the cache, a file's contents are known by its (mtime, size, inode).

This module imports only ``os``, ``sys``, ``marshal`` and the walk: no dataclasses, no typing,
no argparse, so that a warm ``check`` costs little more than the walk itself.
"""

from __future__ import annotations

import marshal
import os
import sys
import time

from . import __version__
from .streams import tolerant
from .walk import walk
from .where import DEFAULT_CACHE_DIR, find_root, inspect_cache_folder, journal_folder

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any, TextIO

    from .walk import Walk

NAME = "verdict.marshal"
FORMAT = f"{__version__}/{sys.version_info[0]}.{sys.version_info[1]}/verdict/1"
#: How many command lines' answers are kept for one state of the repository.
MAX_ANSWERS = 8
#: Files modified this recently are not trusted to change their mtime on the next edit.
_RACY_NS = 2_000_000_000
#: The options of ``check`` that take a value; any other argument but ``check`` means "run".
_VALUED = ("--root", "--format", "--fail-level")
_UNKNOWN = object()


def code_stamp() -> tuple[tuple[str, int, int], ...] | None:
    """Each module of the tool's package with its (mtime, size): an answer is remembered for
    the code that gave it, even when that code is edited in place (an editable install)."""
    try:
        with os.scandir(os.path.dirname(os.path.abspath(__file__))) as it:
            found = [(e.name, e.stat()) for e in it if e.name.endswith(".py")]
    except OSError:
        return None
    return tuple(sorted((name, st.st_mtime_ns, st.st_size) for name, st in found))


def _uid() -> int:
    getuid = getattr(os, "getuid", None)
    return getuid() if getuid is not None else -1


def root_option(argv: Sequence[str]) -> tuple[str | None] | None:
    """``(the --root value or None,)`` when ``argv`` is ``check`` with only ``--root``,
    ``--format`` and ``--fail-level``, each at most once and spelled out in full; else ``None``.
    """
    seen: set[str] = set()
    root: str | None = None
    command = False
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "check" and not command:
            command = True
        else:
            name, equals, value = arg.partition("=")
            if name not in _VALUED or name in seen:
                return None
            if not equals:
                index += 1
                if index == len(argv):
                    return None
                value = argv[index]
                if value.startswith("-"):
                    return None
            seen.add(name)
            if name == "--root":
                root = value
        index += 1
    return (root,) if command else None


def _read(path: str) -> bytes | None:
    """The file's bytes; ``None`` when it does not exist (and is no dangling link).

    Raises ``OSError`` when it exists but cannot be read.
    """
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        if os.path.islink(path):
            raise
        return None


def replay(argv: Sequence[str], out: TextIO | None = None) -> int | None:
    """Print the remembered answer of ``check`` and return its exit code, or ``None`` when the
    full command must run (see the module docstring)."""
    option = root_option(argv)
    stream = out if out is not None else sys.stdout
    if option is None or stream is None:
        return None
    try:
        try:
            answer = _answer(argv, option[0])
        except Exception:  # a doubt: the full command decides
            return None
        if answer is None:
            return None
        text, code = answer
        try:
            tolerant(stream).write(text)
            stream.flush()
        except BrokenPipeError:
            return 0
    except KeyboardInterrupt:
        print("Interrupted; nothing was written.", file=sys.stderr)
        return 130
    return code


def console_main() -> int:
    """The ``migration-manifest`` console script (the pre-commit hook's): a remembered answer,
    else the full command (:func:`manifest_core.cli.console_main`)."""
    code = replay(sys.argv[1:])
    if code is not None:
        return code
    from .cli import console_main as run

    return run()


def _answer(argv: Sequence[str], root_value: str | None) -> tuple[str, int] | None:
    cwd = os.getcwd()
    root = os.path.abspath(root_value) if root_value else find_root(cwd)
    folder = os.path.join(root, DEFAULT_CACHE_DIR)
    try:
        with open(os.path.join(folder, NAME), "rb") as handle:
            data = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    fmt, state, answers = data
    if fmt != FORMAT:
        return None
    answer = answers.get((cwd, tuple(argv)))
    if answer is None:
        return None
    (
        rec_root,
        uid,
        stamp,
        pyproject,
        manifest_name,
        manifest,
        exclude,
        explicit,
        nested,
        digest,
    ) = state
    if rec_root != root or uid != _uid() or stamp != code_stamp():
        return None
    if _read(os.path.join(root, "pyproject.toml")) != pyproject:
        return None
    if _read(os.path.join(root, manifest_name)) != manifest:
        return None
    if inspect_cache_folder(root, DEFAULT_CACHE_DIR)[1] is not None:
        return None
    if os.path.isdir(journal_folder(root, DEFAULT_CACHE_DIR)):
        return None  # the full command says so on stderr
    pattern = None
    if exclude is not None:
        import re

        pattern = re.compile(exclude)
    found = walk(root, exclude=pattern, explicit=explicit, nested_repositories=nested)
    if found.digest() != digest:
        return None
    text, code = answer
    if not isinstance(text, str) or code not in (0, 1):
        return None
    return text, code


class Tee:
    """A text stream that also keeps what was written to it."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def text(self) -> str:
        return "".join(self.parts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class Witness:
    """What a full ``check`` read, gathered as it reads it, for :func:`record`.

    The readers fill it in: ``pyproject.toml``'s bytes (:func:`manifest_core.config.load_config`),
    ``migrations.toml``'s (:func:`manifest_core.project.read_manifest`), the walk and its settings
    (:func:`manifest_core.project.load_summary`). Anything that cannot be captured calls
    :meth:`refuse`.
    """

    __slots__ = (
        "argv",
        "cwd",
        "exclude",
        "explicit",
        "manifest",
        "manifest_name",
        "nested",
        "pyproject",
        "refused",
        "root",
        "started_ns",
        "walk",
    )

    def __init__(self, root: str, cwd: str, argv: Sequence[str]) -> None:
        self.root = root
        self.cwd = cwd
        self.argv = tuple(argv)
        self.started_ns = time.time_ns()
        self.refused = False
        self.pyproject: object = _UNKNOWN
        self.manifest_name: str | None = None
        self.manifest: object = _UNKNOWN
        self.walk: Walk | None = None
        self.exclude: str | None = None
        self.explicit: tuple[str, ...] = ()
        self.nested = False

    def refuse(self) -> None:
        """The answer rests on something the recorded state does not capture."""
        self.refused = True

    def saw_pyproject(self, data: bytes | None) -> None:
        self.pyproject = data

    def saw_manifest(self, name: str, data: bytes | None) -> None:
        if self.manifest_name is not None and (name, data) != (self.manifest_name, self.manifest):
            self.refuse()  # read twice, differently
        self.manifest_name = name
        self.manifest = data

    def saw_walk(
        self, found: Walk | None, exclude: str | None, explicit: Iterable[str], nested: bool
    ) -> None:
        if self.walk is not None or found is None:
            self.refuse()
        self.walk = found
        self.exclude = exclude
        self.explicit = tuple(explicit)
        self.nested = nested

    def state(self) -> tuple[Any, ...] | None:
        """The state to store, or ``None`` when this answer must not be remembered."""
        found = self.walk
        if self.refused or found is None or self.manifest_name is None:
            return None
        if self.pyproject is _UNKNOWN or self.manifest is _UNKNOWN:
            return None
        if not found.all_ok() or any(note[0] == "unlisted" for note in found.notes):
            return None
        if found.newest_ns() >= self.started_ns - _RACY_NS:
            return None
        stamp = code_stamp()
        if stamp is None:
            return None
        return (
            self.root,
            _uid(),
            stamp,
            self.pyproject,
            self.manifest_name,
            self.manifest,
            self.exclude,
            self.explicit,
            self.nested,
            found.digest(),
        )


def record(witness: Witness, out: str, err: str, code: int, cache_dir: str) -> None:
    """Remember ``check``'s answer (see the module docstring); silently not, when it must not
    be or cannot be."""
    if code not in (0, 1) or err or cache_dir != DEFAULT_CACHE_DIR:
        return
    state = witness.state()
    if state is None:
        return
    folder = os.path.join(witness.root, DEFAULT_CACHE_DIR)
    if not os.path.isdir(folder):
        return  # no cache was written (no Django app, say): leave no folder behind
    from .cache import Cache

    cache = Cache(folder)
    answers: dict[Any, Any] = {}
    try:
        old = cache.read(NAME)
        if old[0] == FORMAT and old[1] == state and isinstance(old[2], dict):
            answers = dict(list(old[2].items())[-(MAX_ANSWERS - 1) :])
    except (TypeError, IndexError, KeyError):
        pass
    key = (witness.cwd, witness.argv)
    if answers.get(key) == (out, code):
        return  # remembered already
    answers.pop(key, None)
    answers[key] = (out, code)
    cache.write(NAME, (FORMAT, state, answers))
