"""A workspace without Django migrations (a Flask/Alembic project): the language server shows
no error (no "migrations.toml does not exist") and writes nothing, not even its cache."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from conftest import Git
from lsp_helpers import editor
from lsprotocol import types

pytestmark = pytest.mark.asyncio

VERSION = "migrations/versions/1a2b3c4d5e6f_create_users.py"
FILES = {
    "app/__init__.py": "",
    "app/models.py": "import sqlalchemy\n",
    "alembic.ini": "[alembic]\nscript_location = migrations\n",
    "migrations/env.py": "from alembic import context\n",
    VERSION: 'revision = "1a2b3c4d5e6f"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n',
}


def tree(root: Path) -> dict[str, bytes | None]:
    found: dict[str, bytes | None] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        found[os.path.relpath(folder, root)] = None
        for name in files:
            found[os.path.relpath(os.path.join(folder, name), root)] = Path(
                folder, name
            ).read_bytes()
    return found


async def test_an_alembic_workspace_gets_no_error_and_nothing_written(git: Git) -> None:
    for relpath, content in FILES.items():
        target = git.path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    before = tree(git.path)
    async with editor(git.path, "vscode") as session:
        await session.wait_indexed()
        session.open(VERSION)
        session.open("migrations/env.py")
        await asyncio.sleep(1.0)  # let any late publication arrive
        published = [d for _, _, _, found in session.published for d in found]
        errors = [d for d in published if d.severity == types.DiagnosticSeverity.Error]
        assert errors == []
        assert not any(str(d.code) == "MM001" for d in published)
        # nor as a message: no pop-up, no error in the editor's log
        error = types.MessageType.Error
        assert [m.message for m in session.client.messages if m.type == error] == []
        assert [m.message for m in session.client.log_messages if m.type == error] == []
    assert tree(git.path) == before
