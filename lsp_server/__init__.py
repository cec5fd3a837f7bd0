"""``lsp_server``: the django-migration-manifest language server.

A thin Language Server Protocol layer over :mod:`manifest_core`: it keeps a
:class:`~manifest_core.index.WorkspaceIndex` per project current from the editor's buffers and
the files on disk, and shows what ``check`` and ``lint`` find as diagnostics, with the fixes
``resolve``, ``update`` and ``lint`` plan as code actions. Run it with ``python -m lsp_server``
(see ``docs/lsp.md``).
"""

from __future__ import annotations

from manifest_core import __version__

#: The name the server reports in ``initialize`` (``serverInfo.name``) and logs under.
NAME = "django-migration-manifest"
#: The prefix of every command and setting section (``djangoMigrationManifest.resolve``...).
PREFIX = "djangoMigrationManifest"

__all__ = ["NAME", "PREFIX", "__version__"]
