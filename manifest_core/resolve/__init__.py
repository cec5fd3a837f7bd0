"""``resolve``: repair migration conflicts after a merge or rebase, for every app at once.

The core of it is pure: :func:`plan_resolution` takes a loaded project and what git says
(:class:`SideContext`, from :func:`gather_context`) and returns a :class:`Resolution` whose
``plan`` holds every rename and every text edit with its exact range. The command line applies it
atomically (:mod:`manifest_core.fsops`); the language server can send the same plan as a
``WorkspaceEdit`` (for one app: ``apps={"blog"}``).
"""

from __future__ import annotations

from .model import MERGE, RENUMBER, STRATEGIES, AppResolution, Resolution
from .planner import plan_resolution
from .sides import ContextError, SideContext, gather_context

__all__ = [
    "MERGE",
    "RENUMBER",
    "STRATEGIES",
    "AppResolution",
    "ContextError",
    "Resolution",
    "SideContext",
    "gather_context",
    "plan_resolution",
]
