"""The server's settings: a plain JSON object, from ``initializationOptions`` and
``workspace/configuration`` (section ``djangoMigrationManifest``).

.. code-block:: json

    {
      "root": null,
      "lint": {
        "enabled": true,
        "select": null,
        "ignore": [],
        "severities": {"add-index": "warning"}
      },
      "codeLens": true,
      "hover": true,
      "documentLinks": true,
      "definition": true,
      "codeActions": true,
      "debounce": 10,
      "pollInterval": 2.0,
      "maxFileSize": 2000000,
      "logLevel": "info"
    }

Every key is optional. Later sources override earlier ones key by key (``lint`` is merged too):
the defaults, then ``initializationOptions``, then what ``workspace/configuration`` returns for
the workspace folder. ``lint`` applies on top of ``[tool.django-migration-manifest.lint]`` in
``pyproject.toml``: ``select`` replaces the selection there, ``ignore`` adds to it and
``severities`` overrides per rule, as ``--select``/``--ignore`` do on the command line. A
wrong value is reported (``window/logMessage``) and left at its default; it never stops the
server. docs/lsp.md documents each key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from manifest_core.lint.rules import find_rule, select_rules
from manifest_core.model import Severity

from . import PREFIX

#: Accepted ``logLevel`` values, most verbose first.
LOG_LEVELS = ("debug", "info", "warning", "error")
DEFAULT_MAX_FILE_SIZE = 2_000_000


@dataclass(frozen=True)
class LintOptions:
    enabled: bool = True
    #: Rules to run (codes, names, ``"ALL"`` or a code prefix); ``None`` keeps pyproject's.
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    #: ``(rule code, severity)`` overrides.
    severities: tuple[tuple[str, Severity], ...] = ()


@dataclass(frozen=True)
class Settings:
    #: The project root (absolute, or relative to the workspace folder); ``None``: the top of
    #: the git work tree holding the workspace folder, else the folder itself.
    root: str | None = None
    lint: LintOptions = field(default_factory=LintOptions)
    code_lens: bool = True
    hover: bool = True
    document_links: bool = True
    definition: bool = True
    code_actions: bool = True
    #: Milliseconds between the last edit and the diagnostics it triggers.
    debounce_ms: int = 10
    #: Seconds between scans of the migration folders when the client cannot watch files
    #: (``0`` turns the scans off).
    poll_interval: float = 2.0
    #: Larger buffers are neither parsed nor linted (the file on disk is still indexed).
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    log_level: str = "info"


#: The on/off switches: JSON key -> attribute.
_FLAGS = {
    "codeLens": "code_lens",
    "hover": "hover",
    "documentLinks": "document_links",
    "definition": "definition",
    "codeActions": "code_actions",
}

#: Numeric settings: attribute, bounds, type, and what a valid value is.
_NUMBERS: dict[str, tuple[str, float, float, type[int] | type[float], str]] = {
    "debounce": ("debounce_ms", 0, 5_000, int, "a number of milliseconds from 0 to 5000"),
    "pollInterval": ("poll_interval", 0, 3_600, float, "a number of seconds from 0 to 3600"),
    "maxFileSize": (
        "max_file_size",
        1_000,
        1_000_000_000,
        int,
        "a number of bytes of at least 1000",
    ),
}


def unwrap(value: Any) -> Any:
    """The settings object itself, when given wrapped as ``{"djangoMigrationManifest": {...}}``
    (what some clients send with ``workspace/didChangeConfiguration``)."""
    if isinstance(value, Mapping) and isinstance(value.get(PREFIX), Mapping):
        return value[PREFIX]
    return value


def merge(*layers: Any) -> dict[str, Any]:
    """Merge settings objects, later ones winning key by key (one level deep for ``lint``)."""
    merged: dict[str, Any] = {}
    for layer in layers:
        layer = unwrap(layer)
        if not isinstance(layer, Mapping):
            continue
        for key, value in layer.items():
            if value is None and key != "root":
                continue
            if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Settings from a plain object, and a message for each value that was not understood."""
    errors: list[str] = []
    raw = unwrap(raw)
    if raw is None:
        return Settings(), errors
    if not isinstance(raw, Mapping):
        return Settings(), [f"settings must be an object, not {type(raw).__name__}"]
    values: dict[str, Any] = {}
    known = {"root", "lint", "logLevel", *_FLAGS, *_NUMBERS}
    for key in raw:
        if key not in known:
            errors.append(f"unknown setting {key!r} (known: {', '.join(sorted(known))})")
    root = raw.get("root")
    if root is not None:
        if isinstance(root, str) and root.strip():
            values["root"] = root.strip()
        elif root != "":
            errors.append("root: must be a folder path")
    for key, attribute in _FLAGS.items():
        if key in raw:
            if isinstance(raw[key], bool):
                values[attribute] = raw[key]
            else:
                errors.append(f"{key}: must be true or false")
    for key, (attribute, low, high, kind, problem) in _NUMBERS.items():
        if key in raw:
            number = _number(raw[key], low, high)
            if number is None:
                errors.append(f"{key}: must be {problem}")
            else:
                values[attribute] = kind(number)
    if "logLevel" in raw:
        level = raw["logLevel"]
        if isinstance(level, str) and level.lower() in LOG_LEVELS:
            values["log_level"] = level.lower()
        else:
            errors.append(f"logLevel: must be one of {', '.join(LOG_LEVELS)}")
    if "lint" in raw:
        values["lint"] = _lint(raw["lint"], errors)
    return Settings(**values), errors


def _number(value: Any, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if low <= value <= high else None


def _lint(raw: Any, errors: list[str]) -> LintOptions:
    if isinstance(raw, bool):  # "lint": false
        return LintOptions(enabled=raw)
    if not isinstance(raw, Mapping):
        errors.append("lint: must be an object")
        return LintOptions()
    options = LintOptions()
    for key in raw:
        if key not in ("enabled", "select", "ignore", "severities"):
            errors.append(
                f"lint: unknown setting {key!r} (known: enabled, select, ignore, severities)"
            )
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        errors.append("lint.enabled: must be true or false")
        enabled = True
    select: tuple[str, ...] | None = None
    if raw.get("select") is not None:
        select = _selectors(raw["select"], "lint.select", errors)
    ignore = _selectors(raw.get("ignore") or [], "lint.ignore", errors)
    severities: list[tuple[str, Severity]] = []
    given = raw.get("severities") or {}
    if not isinstance(given, Mapping):
        errors.append("lint.severities: must be an object of rule: severity")
        given = {}
    for selector, level in given.items():
        rule = find_rule(str(selector))
        if rule is None:
            errors.append(f"lint.severities: {selector!r} is not a rule code or name")
            continue
        try:
            severities.append((rule.code, Severity.parse(level if isinstance(level, str) else "")))
        except ValueError:
            errors.append(f"lint.severities.{selector}: must be error, warning or info")
    return dataclasses.replace(
        options, enabled=enabled, select=select, ignore=ignore, severities=tuple(severities)
    )


def _selectors(raw: Any, what: str, errors: list[str]) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        errors.append(f"{what}: must be a list of rule codes or names")
        return ()
    kept = []
    for selector in raw:
        if select_rules(selector):
            kept.append(selector)
        else:
            errors.append(f"{what}: {selector!r} is not a rule code or name")
    return tuple(kept)


def to_json(settings: Settings) -> dict[str, Any]:
    """The effective settings, in the JSON shape they are given in (for ``showInfo``)."""
    lint = settings.lint
    return {
        "root": settings.root,
        "lint": {
            "enabled": lint.enabled,
            "select": list(lint.select) if lint.select is not None else None,
            "ignore": list(lint.ignore),
            "severities": {code: severity.label for code, severity in lint.severities},
        },
        **{key: getattr(settings, attribute) for key, attribute in _FLAGS.items()},
        "debounce": settings.debounce_ms,
        "pollInterval": settings.poll_interval,
        "maxFileSize": settings.max_file_size,
        "logLevel": settings.log_level,
    }
