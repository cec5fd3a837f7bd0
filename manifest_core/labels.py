"""App labels, decided statically.

Order of precedence for a migrations folder's label:

1. ``[tool.django-migration-manifest.labels]`` in ``pyproject.toml`` (an explicit override);
2. the label ``migrations.toml`` records for that folder (written from Django's real app registry
   by the Django integration, so unusual layouts are learned from there);
3. ``label = "..."`` on the ``AppConfig`` Django would pick from the sibling ``apps.py``;
4. the name of the folder that contains ``migrations``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from .text import DecodeError, decode_source, parse_module


def label_from_apps_py(data: bytes) -> str | None:
    """The ``label`` of the ``AppConfig`` Django would choose from this ``apps.py``, if set.

    Django uses the only ``AppConfig`` subclass defined in ``apps.py``; with several, the one
    with ``default = True``; otherwise none (the label then derives from the app's name).
    """
    try:
        tree = parse_module(decode_source(data))
    except (DecodeError, SyntaxError, ValueError):
        return None
    configs: list[tuple[str | None, bool | None]] = []
    config_classes: set[str] = set()
    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or not any(
            _is_app_config(b, config_classes) for b in node.bases
        ):
            continue
        config_classes.add(node.name)
        label: str | None = None
        default: bool | None = None
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target, value = stmt.targets[0], stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                target, value = stmt.target, stmt.value
            else:
                continue
            if not isinstance(target, ast.Name) or not isinstance(value, ast.Constant):
                continue
            if target.id == "label" and isinstance(value.value, str):
                label = value.value
            elif target.id == "default" and isinstance(value.value, bool):
                default = value.value
        configs.append((label, default))
    candidates = [c for c in configs if c[1] is not False]
    if len(candidates) > 1:
        candidates = [c for c in candidates if c[1] is True]
    return candidates[0][0] if len(candidates) == 1 else None


def _is_app_config(base: ast.expr, known: set[str]) -> bool:
    """``AppConfig``, ``apps.AppConfig``, or a config class defined earlier in the file."""
    name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
    return isinstance(name, str) and (name.endswith("AppConfig") or name in known)


def folder_label(path: str) -> str:
    """The fallback label: the folder containing the migrations package."""
    parts = path.split("/")
    if len(parts) >= 2 and parts[-1] == "migrations":
        return parts[-2]
    return parts[-1]


def choose_label(
    path: str,
    *,
    overrides: Mapping[str, str],
    manifest: Mapping[str, str],
    apps_py_label: str | None,
) -> tuple[str, str]:
    """``(label, source)`` for a migrations folder, following the module's precedence."""
    if path in overrides:
        return overrides[path], "pyproject.toml"
    if path in manifest:
        return manifest[path], "migrations.toml"
    if apps_py_label:
        return apps_py_label, "apps.py"
    return folder_label(path), "folder name"
