"""``init``: adopt the manifest in a repository, with the settings the static tools need.

It plans like ``update`` (and writes the same file), and on top of that:

* proposes ``exclude`` patterns for apps in tests or fixtures folders that stop the manifest
  from being written (a linter's deliberately broken test data, say);
* finds the swappable settings the migrations use (``AUTH_USER_MODEL``...) in the settings
  modules, where they are string literals, and prints the ``pyproject.toml`` lines that tell the
  static tools about them;
* prints the next steps: commit, CI, pre-commit, editor.

Reading settings is static, like everything in the core: the modules are parsed, never run.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .config import Config, compile_patterns
from .model import Decl
from .text import DecodeError, decode_source, parse_module
from .walk import enters, stops_at

_SETTINGS_FILE = re.compile(r"^(?:settings|\w+_settings|settings_\w+)\.py$")
_MODEL_REF = re.compile(r"^[A-Za-z_]\w*\.[A-Za-z_]\w*$")
#: Settings files larger than this are not read (generated data, not settings).
_MAX_SETTINGS_BYTES = 1_000_000


@dataclass(frozen=True)
class SettingValue:
    """A literal ``NAME = "app_label.Model"`` found in a settings module."""

    name: str
    value: str
    path: str
    line: int


def settings_modules(root: str, config: Config) -> list[str]:
    """Settings modules under ``root``: ``settings.py``, ``*_settings.py``, ``settings_*.py``
    and every module of a ``settings`` package; discovery's skipped folders stay skipped."""
    exclude = compile_patterns(config.exclude)
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        rel = os.path.relpath(folder, root).replace(os.sep, "/")
        rel = "" if rel == "." else rel
        if stops_at(rel, files, dirs, config.nested_repositories):
            dirs[:] = []
            continue
        dirs[:] = sorted(d for d in dirs if enters(f"{rel}/{d}" if rel else d, exclude))
        in_package = rel.rsplit("/", 1)[-1] == "settings"
        for name in sorted(files):
            if name.endswith(".py") and (in_package or _SETTINGS_FILE.match(name)):
                found.append(f"{rel}/{name}" if rel else name)
    return found


def literal_settings(root: str, paths: Iterable[str], names: Iterable[str]) -> list[SettingValue]:
    """Every top-level ``NAME = "app_label.Model"`` for ``names`` in the modules at ``paths``."""
    wanted = set(names)
    values: list[SettingValue] = []
    for path in paths:
        full = os.path.join(root, path)
        try:
            if os.path.getsize(full) > _MAX_SETTINGS_BYTES:
                continue
            with open(full, "rb") as handle:
                tree = parse_module(decode_source(handle.read()))
        except (OSError, DecodeError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            else:
                continue
            if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                continue
            if not _MODEL_REF.match(value.value):
                continue
            for target in targets:
                if isinstance(target, ast.Name) and target.id in wanted:
                    values.append(SettingValue(target.id, value.value, path, node.lineno))
    return values


def swappable_settings(decls: Iterable[Decl]) -> set[str]:
    """The settings named by ``swappable_dependency(settings.X)`` in the migrations."""
    names = {"AUTH_USER_MODEL"}
    for decl in decls:
        names.update(setting for _, _, setting in decl.dependencies if setting)
    return names


@dataclass(frozen=True)
class SwappableAdvice:
    #: ``{setting: value}`` to add under ``[tool.django-migration-manifest.swappable]``.
    add: Mapping[str, str]
    #: Settings with different literal values in different modules: ``{setting: values}``.
    ambiguous: Mapping[str, tuple[SettingValue, ...]]


def swappable_advice(found: Iterable[SettingValue], config: Config) -> SwappableAdvice:
    """What to add to the configuration so the static tools resolve the swappable settings as
    the project's settings do."""
    by_name: dict[str, list[SettingValue]] = {}
    for value in found:
        by_name.setdefault(value.name, []).append(value)
    add: dict[str, str] = {}
    ambiguous: dict[str, tuple[SettingValue, ...]] = {}
    for name, values in sorted(by_name.items()):
        distinct = {v.value.lower() for v in values}
        if len(distinct) > 1:
            ambiguous[name] = tuple(values)
            continue
        literal = values[0].value
        configured = config.swappable.get(name)
        if configured is None or configured.lower() != literal.lower():
            add[name] = literal
    return SwappableAdvice(add, ambiguous)


def next_steps(manifest: str) -> list[str]:
    """What to do once the manifest exists."""
    return [
        "Next steps:",
        f'  commit      git add {manifest} pyproject.toml && git commit -m "Record the latest '
        'migration of every app"',
        "  CI          python -m manifest_core --format github check",
        "              python -m manifest_core --format github lint",
        "  pre-commit  hooks migration-manifest-check, migration-manifest-update and "
        "migration-manifest-lint",
        '  Django      add "django_integration" to INSTALLED_APPS: makemigrations then keeps '
        f"{manifest} current, and manage.py check validates it",
        "  editor      the language server django-migration-manifest-lsp (VS Code: "
        "vscode-extension/), see docs/lsp.md",
    ]
