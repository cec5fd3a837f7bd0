"""Migration frameworks in the repository: ``Migration`` base classes, and the safe schema editor.

Large projects give their migrations a base class of their own (``class Migration(
CheckedMigration)``) that sets ``atomic = False`` or a post-deploy marker. :class:`BaseClasses`
follows such a base class into the repository's own modules, statically (``ast``, never an
import), and reads its class-level boolean literals. :func:`detect_schema_editor` looks for a
``DATABASES`` ``ENGINE`` naming a schema editor that rewrites Django's DDL into its safe forms
(django-pg-zero-downtime-migrations), in the project's settings modules.

This is the linter's only file I/O besides reading migrations; everything is memoised.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Iterator

from manifest_core.text import DecodeError, decode_source, parse_module

#: Methods whose override changes what an operation does or takes.
_BEHAVIOUR = frozenset({"__init__", "state_forwards", "database_forwards"})
#: Operations holding nested operations lists, which a subclass is not read for.
_NESTING = frozenset({"SeparateDatabaseAndState", "RunSQL"})
#: How deep re-exports (``from .base import CheckedMigration`` in a package) are followed.
_MAX_DEPTH = 8


class BaseClasses:
    """Reads the class-level flags of classes defined in the repository, by qualified name."""

    def __init__(self, root: str, package_dirs: Iterable[str]) -> None:
        self.root = root
        self.roots = _source_roots(root, package_dirs)
        self._modules: dict[str, _Module | None] = {}
        self._flags: dict[str, dict[str, bool]] = {}
        self._operations: dict[str, tuple[str, str] | None] = {}

    def flags(self, qualnames: Iterable[str]) -> dict[str, bool]:
        """The flags the classes set (the first base's value wins, as Python's MRO would for
        single inheritance chains); classes that cannot be found contribute nothing."""
        merged: dict[str, bool] = {}
        for qualname in qualnames:
            for key, value in self._class_flags(qualname, 0).items():
                merged.setdefault(key, value)
        return merged

    def operation(self, qualname: str, depth: int = 0) -> tuple[str, str] | None:
        """``(family, kind)`` of the Django operation a repository class is, when it only
        subclasses it (it overrides none of ``__init__``, ``state_forwards`` and
        ``database_forwards``, so it takes the same arguments and does the same); else ``None``."""
        if qualname in self._operations:
            return self._operations[qualname]
        self._operations[qualname] = None  # a cycle reads as unknown
        found = self._read_operation(qualname, depth) if depth < _MAX_DEPTH else None
        self._operations[qualname] = found
        return found

    def _read_operation(self, qualname: str, depth: int) -> tuple[str, str] | None:
        from .operations import classify_qualname

        module_name, _, name = qualname.rpartition(".")
        module = self._module(module_name) if module_name else None
        if module is None:
            return None
        node = module.classes.get(name)
        if node is None:
            target = module.imports.get(name)
            return self.operation(target, depth + 1) if target else None
        if any(
            isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name in _BEHAVIOUR
            for stmt in node.body
        ):
            return None
        for target in _base_targets(module_name, module, node):
            family, kind = classify_qualname(target)
            if family != "unknown":
                return None if kind in _NESTING else (family, kind)
            found = self.operation(target, depth + 1)
            if found is not None:
                return found
        return None

    def _class_flags(self, qualname: str, depth: int) -> dict[str, bool]:
        if qualname in self._flags:
            return self._flags[qualname]
        self._flags[qualname] = {}  # a cycle reads as nothing
        found = self._read(qualname, depth) if depth < _MAX_DEPTH else {}
        self._flags[qualname] = found
        return found

    def _read(self, qualname: str, depth: int) -> dict[str, bool]:
        module_name, _, name = qualname.rpartition(".")
        if not module_name:
            return {}
        module = self._module(module_name)
        if module is None:
            return {}
        node = module.classes.get(name)
        if node is None:
            target = module.imports.get(name)  # a re-export
            return self._class_flags(target, depth + 1) if target else {}
        flags: dict[str, bool] = {}
        for target in _base_targets(module_name, module, node):
            for key, value in self._class_flags(target, depth + 1).items():
                flags.setdefault(key, value)
        own = class_flags(node)
        return {**flags, **own}

    def _module(self, module_name: str) -> _Module | None:
        if module_name in self._modules:
            return self._modules[module_name]
        found = None
        relative = module_name.replace(".", os.sep)
        for root in self.roots:
            for candidate in (relative + ".py", os.path.join(relative, "__init__.py")):
                path = os.path.join(root, candidate)
                if os.path.isfile(path):
                    found = _Module.read(path, module_name)
                    break
            if found is not None:
                break
        self._modules[module_name] = found
        return found


class _Module:
    def __init__(self, classes: dict[str, ast.ClassDef], imports: dict[str, str]) -> None:
        self.classes = classes
        self.imports = imports

    @classmethod
    def read(cls, path: str, module_name: str) -> _Module | None:
        try:
            with open(path, "rb") as handle:
                tree = parse_module(decode_source(handle.read()), path)
        except (OSError, DecodeError, SyntaxError, ValueError):
            return None
        package = module_name if path.endswith("__init__.py") else module_name.rpartition(".")[0]
        classes: dict[str, ast.ClassDef] = {}
        imports: dict[str, str] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.ClassDef):
                classes[stmt.name] = stmt
            elif isinstance(stmt, ast.ImportFrom):
                base = stmt.module or ""
                if stmt.level:
                    parts = package.split(".")
                    parent = ".".join(parts[: len(parts) - stmt.level + 1])
                    base = f"{parent}.{base}" if base else parent
                for alias in stmt.names:
                    if alias.name != "*":
                        imports[alias.asname or alias.name] = f"{base}.{alias.name}"
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        imports[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".", 1)[0]
                        imports[head] = head
        return cls(classes, imports)


def _base_targets(module_name: str, module: _Module, node: ast.ClassDef) -> Iterator[str]:
    """The qualified names of ``node``'s bases that can be followed: classes of its own module
    and names it imports (``a.b.C``); other bases are skipped."""
    for base in node.bases:
        dotted = _dotted(base)
        if dotted is None:
            continue
        head, dot, rest = dotted.partition(".")
        if head in module.classes and not rest:
            yield f"{module_name}.{head}"
        elif head in module.imports:
            yield module.imports[head] + dot + rest


def class_flags(node: ast.ClassDef) -> dict[str, bool]:
    """The class-level boolean literals a class body sets itself (``atomic = False``)."""
    own: dict[str, bool] = {}
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Constant):
            if isinstance(stmt.value.value, bool):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        own[target.id] = stmt.value.value
        elif (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, bool)
        ):
            own[stmt.target.id] = stmt.value.value
    return own


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _source_roots(root: str, package_dirs: Iterable[str]) -> list[str]:
    """Where top-level packages live: the repository root, ``src/``, and the folder above the
    outermost package holding each app's migrations."""
    roots = [root]
    src = os.path.join(root, "src")
    if os.path.isdir(src):
        roots.append(src)
    for folder in package_dirs:
        current = os.path.join(root, folder)
        while os.path.isfile(os.path.join(current, "__init__.py")):
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
        if current not in roots and current.startswith(root):
            roots.append(current)
    return roots


# --- the schema editor -------------------------------------------------------------------------

DJANGO = "django"
ZERO_DOWNTIME = "django-pg-zero-downtime-migrations"
SCHEMA_EDITORS = (DJANGO, ZERO_DOWNTIME)

#: Rules whose pattern django-pg-zero-downtime-migrations makes safe (its schema editor,
#: version 0.20): it runs no migration in a transaction (only RunPython, each in its own), so no
#: lock is held across operations and CONCURRENTLY works everywhere; it builds every index
#: CONCURRENTLY (AddIndex, db_index, unique, unique_together, index_together, the *_like
#: index) and adds unique constraints USING INDEX; it drops indexes CONCURRENTLY; it adds CHECK
#: and FOREIGN KEY constraints NOT VALID, then VALIDATEs them. set-not-null is adjusted in the
#: rule itself (CHECK NOT VALID, VALIDATE, SET NOT NULL, unless Django backfills a default).
#: Everything it only warns about (or refuses with RAISE_FOR_UNSAFE) stays reported: NOT NULL
#: columns without a database default, column type changes, renames, exclusion constraints,
#: stored generated columns; and RunSQL runs as written.
SAFE_WITH_ZERO_DOWNTIME = frozenset(
    {
        "ML011",  # add-index
        "ML012",  # concurrent-index-in-atomic
        "ML013",  # remove-index
        "ML014",  # add-unique-constraint
        "ML015",  # add-check-constraint
        "ML016",  # validate-constraint-mixed
        "ML017",  # add-foreign-key
        "ML020",  # run-python-with-schema-changes
    }
)

_ENGINE_RE = re.compile(r"""["']django_zero_downtime_migrations\.backends\.\w+["']""")
_SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "env",
        "node_modules",
        "__pycache__",
        "site-packages",
        "build",
        "dist",
        ".mypy_cache",
        ".ruff_cache",
    }
)
#: Settings modules are near the top of a repository.
_MAX_SETTINGS_DEPTH = 5


def detect_schema_editor(root: str) -> tuple[str, str | None]:
    """The schema editor the project's settings name, and the file that says so.

    Reads the Python files whose name or folder says ``settings`` (``settings.py``,
    ``settings/production.py``, ``base_settings.py``), up to a few folders deep, looking for a
    literal ``ENGINE`` of django-pg-zero-downtime-migrations. ``("django", None)`` otherwise.
    """
    base_depth = root.rstrip(os.sep).count(os.sep)
    for current, dirs, files in os.walk(root):
        depth = current.count(os.sep) - base_depth
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _SKIP_DIRS and not d.startswith(".") and depth < _MAX_SETTINGS_DEPTH
        )
        in_settings = os.path.basename(current) == "settings"
        for name in sorted(files):
            if not name.endswith(".py") or not (in_settings or "settings" in name):
                continue
            path = os.path.join(current, name)
            try:
                with open(path, "rb") as handle:
                    text = handle.read().decode("utf-8", "replace")
            except OSError:
                continue
            if "ENGINE" in text and _ENGINE_RE.search(text):
                return ZERO_DOWNTIME, os.path.relpath(path, root).replace(os.sep, "/")
    return DJANGO, None
