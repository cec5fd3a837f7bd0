"""``[tool.django-migration-manifest.resolve]``: the command's settings, validated here.

.. code-block:: toml

    [tool.django-migration-manifest.resolve]
    strategy = "renumber"                        # or "merge"
    migrate-command = "python manage.py"         # how to run manage.py, for the printed commands
    stage = true                                 # git add what resolve changed
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from manifest_core.config import PYPROJECT, TABLE, Config, ConfigError
from manifest_core.resolve.model import RENUMBER, STRATEGIES

KNOWN = ("migrate-command", "stage", "strategy")


@dataclass(frozen=True)
class ResolveSettings:
    strategy: str = RENUMBER
    migrate_command: str = "python manage.py"
    stage: bool = True


def load_settings(root: str, config: Config) -> ResolveSettings:
    """The validated settings; a mistake raises :class:`ConfigError` naming its line."""
    table: Mapping[str, Any] = config.extra.get("resolve", {})
    text = _pyproject_text(root)

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"[tool.{TABLE}.resolve] {key}: {message}", line=_line(text, key))

    for key in table:
        if key not in KNOWN:
            raise fail(key, f"unknown setting (known settings: {', '.join(KNOWN)})")
    strategy = table.get("strategy", RENUMBER)
    if strategy not in STRATEGIES:
        raise fail("strategy", f"must be one of {', '.join(repr(s) for s in STRATEGIES)}")
    command = table.get("migrate-command", "python manage.py")
    if not isinstance(command, str) or not command.strip():
        raise fail("migrate-command", 'must be a command, such as "python manage.py"')
    stage = table.get("stage", True)
    if not isinstance(stage, bool):
        raise fail("stage", "must be true or false")
    return ResolveSettings(strategy=strategy, migrate_command=command.strip(), stage=stage)


def _pyproject_text(root: str) -> str:
    try:
        with open(os.path.join(root, PYPROJECT), encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError):
        return ""


def _line(text: str, key: str) -> int | None:
    """The line of ``key = ...`` inside the resolve table."""
    lines = text.splitlines()
    inside = False
    header = re.compile(
        r"^\s*\[\s*tool\s*\.\s*[\"']?django-migration-manifest[\"']?\s*\.\s*resolve\s*\]"
    )
    for number, line in enumerate(lines, start=1):
        if line.lstrip().startswith("["):
            inside = bool(header.match(line))
            continue
        if inside and re.match(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", line):
            return number
    return None
