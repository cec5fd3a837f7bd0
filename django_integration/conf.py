"""The ``MIGRATION_MANIFEST`` setting, validated, with its defaults.

.. code-block:: python

    MIGRATION_MANIFEST = {
        "root": BASE_DIR,                  # the repository root (default: see below)
        "manifest": "migrations.toml",     # relative to the root (default: as pyproject.toml says)
        "apps": ["accounts", "store"],     # the first-party apps, exactly (default: found)
        "exclude": ["legacy"],             # labels to leave out of the manifest
        "update_on_write": True,           # update the manifest after makemigrations & co.
    }

Every key is optional. The root defaults to the git work tree containing ``settings.BASE_DIR``
(else ``BASE_DIR`` itself; without ``BASE_DIR``, the current folder is used instead). The
``[tool.django-migration-manifest]`` table of the ``pyproject.toml`` at the root is read too, as
the static tools read it: its ``manifest`` is the default manifest, and its ``exclude`` patterns
leave migration folders out here as they do there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from manifest_core.config import Config, ConfigError, load_config
from manifest_core.manifest import is_safe_relative_path
from manifest_core.project import find_root

from .texts import SETTING

KEYS = ("apps", "exclude", "manifest", "root", "update_on_write")


class ConfigurationError(Exception):
    """``MIGRATION_MANIFEST`` or ``pyproject.toml`` is wrong; the message says where and how."""


@dataclass(frozen=True)
class ManifestSettings:
    #: The repository root: absolute, symbolic links resolved.
    root: str
    #: The core configuration from ``pyproject.toml``, with ``manifest`` set to the path in use.
    config: Config
    #: The labels given by ``MIGRATION_MANIFEST["apps"]``, or ``None`` to find them.
    apps: tuple[str, ...] | None
    exclude: tuple[str, ...]
    update_on_write: bool
    #: The manifest path ``python -m manifest_core`` reads (``pyproject.toml`` or its default).
    static_manifest: str

    @property
    def manifest(self) -> str:
        """The manifest's path relative to the root, ``/``-separated."""
        return self.config.manifest


def load_settings(settings: Any = None) -> ManifestSettings:
    """Read and validate ``settings.MIGRATION_MANIFEST``. Raises :class:`ConfigurationError`."""
    if settings is None:
        from django.conf import settings as django_settings

        settings = django_settings
    raw = getattr(settings, SETTING, None)
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigurationError(f"{SETTING} must be a dict, not {type(raw).__name__}.")
    unknown = sorted(str(key) for key in raw if key not in KEYS)
    if unknown:
        raise ConfigurationError(
            f"{SETTING} has unknown key(s) {', '.join(map(repr, unknown))} "
            f"(known keys: {', '.join(KEYS)})."
        )
    root = _root(raw.get("root"), getattr(settings, "BASE_DIR", None))
    try:
        config = load_config(root)
    except ConfigError as exc:
        where = os.path.join(root, exc.path) + (f":{exc.line}" if exc.line else "")
        raise ConfigurationError(f"{where}: {exc.message}") from None
    manifest = _manifest(raw.get("manifest"), root, config.manifest)
    apps = raw.get("apps")
    if apps is not None:
        apps = _labels(apps, "apps")
    exclude = _labels(raw.get("exclude", ()), "exclude")
    update_on_write = raw.get("update_on_write", True)
    if not isinstance(update_on_write, bool):
        raise ConfigurationError(f"{SETTING}['update_on_write'] must be True or False.")
    return ManifestSettings(
        root=root,
        config=replace(config, manifest=manifest),
        apps=apps,
        exclude=exclude,
        update_on_write=update_on_write,
        static_manifest=config.manifest,
    )


def _root(value: Any, base_dir: Any) -> str:
    if value is not None:
        if not isinstance(value, (str, os.PathLike)):
            raise ConfigurationError(f"{SETTING}['root'] must be a path.")
        root = os.path.abspath(os.fspath(value))
        if not os.path.isdir(root):
            raise ConfigurationError(f"{SETTING}['root'] is not a folder: {root}")
        return os.path.realpath(root)
    start = os.getcwd()
    if isinstance(base_dir, (str, os.PathLike)) and os.path.isdir(os.fspath(base_dir)):
        start = os.fspath(base_dir)
    return os.path.realpath(find_root(start))


def _manifest(value: Any, root: str, default: str) -> str:
    if value is None:
        return default
    if not isinstance(value, (str, os.PathLike)):
        raise ConfigurationError(f"{SETTING}['manifest'] must be a path.")
    text = os.fspath(value)
    if os.path.isabs(text):
        full = os.path.realpath(text)
        if full != root and not full.startswith(root + os.sep):
            raise ConfigurationError(
                f"{SETTING}['manifest'] must be inside the repository root {root}: {text}"
            )
        text = os.path.relpath(full, root)
    relative = text.replace(os.sep, "/").strip("/")
    if not is_safe_relative_path(relative):
        raise ConfigurationError(
            f"{SETTING}['manifest'] must be a file inside the repository root {root}: {text}"
        )
    return relative


def _labels(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
        raise ConfigurationError(f"{SETTING}[{key!r}] must be a list of app labels.")
    labels = []
    for item in value:
        if not isinstance(item, str) or not item.isidentifier():
            raise ConfigurationError(
                f"{SETTING}[{key!r}] must be a list of app labels; {item!r} is not one."
            )
        labels.append(item)
    return tuple(sorted(set(labels)))
