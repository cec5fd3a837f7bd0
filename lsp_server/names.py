"""The commands and code action kinds the server offers: what it announces at start-up.

Kept apart from :mod:`lsp_server.actions` (which plans with the resolve planner and the manifest
writer) so that the server answers ``initialize`` and sends its first diagnostics without them.
"""

from __future__ import annotations

from lsprotocol import types

from . import PREFIX

#: Commands the server offers (``workspace/executeCommand``).
RESOLVE = f"{PREFIX}.resolve"
UPDATE_MANIFEST = f"{PREFIX}.updateManifest"
SHOW_INFO = f"{PREFIX}.showInfo"
REINDEX = f"{PREFIX}.reindex"
SHOW_LOCATION = f"{PREFIX}.showLocation"
#: Run by the client right after it applied a resolution's workspace edit: stages the result.
STAGE = f"{PREFIX}.stageResolution"
COMMANDS = (RESOLVE, UPDATE_MANIFEST, SHOW_INFO, REINDEX, SHOW_LOCATION, STAGE)

#: Source actions (``source.<name>.djangoMigrationManifest``).
SOURCE_RESOLVE = f"source.resolveConflicts.{PREFIX}"
SOURCE_UPDATE = f"source.updateManifest.{PREFIX}"
KINDS = (types.CodeActionKind.QuickFix, SOURCE_RESOLVE, SOURCE_UPDATE)
