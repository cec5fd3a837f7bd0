"""Project configuration: the ``[tool.django-migration-manifest]`` table of ``pyproject.toml``.

.. code-block:: toml

    [tool.django-migration-manifest]
    manifest = "migrations.toml"        # relative to the repository root
    exclude = ["tests/fixtures", "legacy/**"]
    default-branch = "main"             # the branch whose migrations never move
    cache-dir = ".migration_manifest_cache"
    include-nested-repositories = false  # read git repositories and submodules below the root

    [tool.django-migration-manifest.labels]
    "legacy/core/migrations" = "legacy_core"

    [tool.django-migration-manifest.swappable]
    AUTH_USER_MODEL = "accounts.User"

Sub-tables owned by other commands (``lint``, ``resolve``) are kept raw here and validated there.
"""

from __future__ import annotations

import os
import posixpath
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import DEFAULT_SWAPPABLE
from .where import DEFAULT_CACHE_DIR as DEFAULT_CACHE_DIR

if TYPE_CHECKING:
    from .verdict import Witness

TABLE = "django-migration-manifest"
PYPROJECT = "pyproject.toml"
DEFAULT_MANIFEST = "migrations.toml"
#: Sub-tables validated by the command that owns them.
DELEGATED_TABLES = frozenset({"lint", "resolve"})
_LABEL_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigError(Exception):
    """A configuration mistake: reported with its location, exit code 2."""

    def __init__(self, message: str, path: str = PYPROJECT, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Config:
    manifest: str = DEFAULT_MANIFEST
    exclude: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    swappable: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SWAPPABLE))
    default_branch: str | None = None
    cache_dir: str = DEFAULT_CACHE_DIR
    #: Whether discovery enters folders with their own ``.git`` (nested repositories, submodules).
    nested_repositories: bool = False
    #: The line of ``cache-dir`` in ``pyproject.toml`` (None when it is the default).
    cache_dir_line: int | None = field(default=None, compare=False)
    #: Raw sub-tables for other commands, e.g. ``extra["lint"]``.
    extra: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """A stable text that changes whenever a setting that affects the graph changes."""
        return repr(
            (
                self.manifest,
                self.exclude,
                sorted(self.labels.items()),
                sorted(self.swappable.items()),
                self.nested_repositories,
            )
        )


def load_config(
    root: str | os.PathLike[str], *, memo: bool = False, witness: Witness | None = None
) -> Config:
    """Read ``pyproject.toml`` at ``root``. A missing file or table gives the defaults.

    With ``memo``, the table is remembered in the default cache folder, keyed by the file's exact
    contents, so that commands run again on an unchanged file skip the TOML parser's import and
    parse (a sixth of a warm ``check``). ``witness`` is told the bytes read (see
    :mod:`manifest_core.verdict`).
    """
    path = os.path.join(root, PYPROJECT)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        # as text mode reads it: UTF-8, universal newlines
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except FileNotFoundError:
        if witness is not None:
            witness.saw_pyproject(None)
        return Config()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot be read: {exc}") from None
    if witness is not None:
        witness.saw_pyproject(data)
    remembered = _Memo(root, text) if memo else None
    found, table = remembered.get() if remembered else (False, None)
    if not found:
        table = _read_table(text)
    if table is None:
        config = Config()
    elif not isinstance(table, dict):
        raise ConfigError(f"[tool] {TABLE}: must be a table", line=_find_line(text, TABLE))
    else:
        config = parse_config(table, text)
    if remembered and not found and config.cache_dir == DEFAULT_CACHE_DIR:
        remembered.put(table, config)
    return config


def _read_table(text: str) -> object:
    """The ``[tool.django-migration-manifest]`` table of a ``pyproject.toml``, or ``None``."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"is not valid TOML: {exc}", line=_error_line(exc)) from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(
            "tool: must be a table ([tool.*] sections)", line=_find_line(text, "tool")
        )
    return tool.get(TABLE)


class _Memo:
    """The table last read from this exact ``pyproject.toml`` text (see :func:`load_config`)."""

    NAME = "config.marshal"

    def __init__(self, root: str | os.PathLike[str], text: str) -> None:
        from .cache import Cache
        from .discovery import blake2b

        self.root = os.fspath(root)
        self.cache = Cache(os.path.join(root, DEFAULT_CACHE_DIR))
        self.digest = blake2b(text.encode("utf-8"), digest_size=20).digest()

    def get(self) -> tuple[bool, object]:
        from .cache import FORMAT

        data = self.cache.read(self.NAME)
        if isinstance(data, tuple) and len(data) == 3 and data[:2] == (FORMAT, self.digest):
            return True, data[2]
        return False, None

    def put(self, table: object, config: Config) -> None:
        """Remember ``table`` in the cache folder, once it passed the checks every command makes
        of it (:func:`manifest_core.cache.cache_folder`); else remember nothing."""
        from .cache import FORMAT, Cache, cache_folder

        try:
            folder = cache_folder(self.root, config)
        except ConfigError:
            return
        Cache(folder).write(self.NAME, (FORMAT, self.digest, table))


def parse_config(table: Mapping[str, Any], text: str = "") -> Config:
    """Validate the table's contents, naming the offending key and its line."""

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"[tool.{TABLE}] {key}: {message}", line=_find_line(text, key))

    known = {
        "manifest",
        "exclude",
        "labels",
        "swappable",
        "default-branch",
        "cache-dir",
        "include-nested-repositories",
    }
    for key in table:
        if key not in known and key not in DELEGATED_TABLES:
            choices = ", ".join(sorted(known | DELEGATED_TABLES))
            raise fail(key, f"unknown setting (known settings: {choices})")
    manifest = table.get("manifest", DEFAULT_MANIFEST)
    if not isinstance(manifest, str) or not _is_relative(manifest):
        raise fail("manifest", "must be a relative path inside the repository")
    exclude = table.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(p, str) and p for p in exclude):
        raise fail("exclude", "must be a list of path patterns")
    labels = table.get("labels", {})
    if not isinstance(labels, dict):
        raise fail("labels", "must be a table of folder = label")
    for folder, label in labels.items():
        if not isinstance(label, str) or not _LABEL_RE.match(label):
            raise fail(folder, f"label {label!r} is not a valid app label")
        if not _is_relative(folder):
            raise fail(folder, "must be a relative path inside the repository")
    swappable = dict(DEFAULT_SWAPPABLE)
    raw_swappable = table.get("swappable", {})
    if not isinstance(raw_swappable, dict):
        raise fail("swappable", "must be a table of SETTING = 'app_label.Model'")
    for setting, model in raw_swappable.items():
        if not isinstance(model, str) or model.count(".") != 1:
            raise fail(setting, f"{model!r} must be written 'app_label.ModelName'")
        swappable[setting] = model
    branch = table.get("default-branch")
    if branch is not None and (not isinstance(branch, str) or not branch):
        raise fail("default-branch", "must be a branch name")
    cache_dir = table.get("cache-dir", DEFAULT_CACHE_DIR)
    if not isinstance(cache_dir, str) or not cache_dir:
        raise fail("cache-dir", "must be a path")
    if not _is_relative(cache_dir):
        raise fail(
            "cache-dir",
            f"{cache_dir!r} must be a relative path to a folder inside the repository "
            f"(the default is {DEFAULT_CACHE_DIR!r})",
        )
    cache_dir = posixpath.normpath(cache_dir.replace("\\", "/"))
    if cache_dir == ".":
        raise fail(
            "cache-dir",
            f"{table['cache-dir']!r} is the repository root; the cache needs a folder of its own, "
            f"as it makes git ignore its folder (the default is {DEFAULT_CACHE_DIR!r})",
        )
    nested = table.get("include-nested-repositories", False)
    if not isinstance(nested, bool):
        raise fail("include-nested-repositories", "must be true or false")
    extra = {}
    for name in DELEGATED_TABLES:
        value = table.get(name)
        if value is not None:
            if not isinstance(value, dict):
                raise fail(name, "must be a table")
            extra[name] = value
    return Config(
        manifest=manifest.strip("/"),
        exclude=tuple(exclude),
        labels={folder.strip("/"): label for folder, label in labels.items()},
        swappable=swappable,
        default_branch=branch,
        cache_dir=cache_dir,
        nested_repositories=nested,
        cache_dir_line=_find_line(text, "cache-dir") if "cache-dir" in table else None,
        extra=extra,
    )


def _is_relative(value: str) -> bool:
    if not value or value.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", value):
        return False
    return ".." not in value.replace("\\", "/").split("/")


def _find_line(text: str, key: str) -> int | None:
    """The line of ``key = ...`` (or of a ``[....key]`` sub-table) in the configuration text."""
    escaped = re.escape(key)
    for pattern in (rf"^\s*[\"']?{escaped}[\"']?\s*=", rf"^\s*\[[^\]]*\.{escaped}\s*\]"):
        match = re.search(pattern, text, re.M)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return None


def _error_line(exc: Exception) -> int | None:
    lineno = getattr(exc, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else None


def compile_patterns(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """Compile exclude globs (``*``, ``?``, ``**``) into one regex over relative folder paths.

    A pattern without ``/`` matches a folder name at any depth, as in ``.gitignore``; a pattern
    with ``/`` is anchored at the repository root. A match excludes everything below it.
    """
    parts = []
    for pattern in patterns:
        pattern = pattern.strip().rstrip("/")
        if pattern.endswith("/**"):
            pattern = pattern[:-3]
        anchored = "/" in pattern
        pattern = pattern.lstrip("/")
        regex = _glob_regex(pattern)
        parts.append(regex if anchored else f"(?:.*/)?{regex}")
    if not parts:
        return None
    return re.compile(rf"^(?:{'|'.join(parts)})(?:/.*)?$")


def _glob_regex(pattern: str) -> str:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)
