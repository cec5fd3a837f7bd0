"""A real editor, headless: Neovim (Debian's package) with the configuration in
``editors/nvim/django_migration_manifest.lua`` opens a conflicted migration in a real git
repository, receives the server's diagnostics, applies the renumber code action through its own
code-action menu (``vim.lsp.buf.code_action``), and the files on disk are then what Django's
loader accepts; committed as a user would, the commit passes ``check``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Git, Oracle, run_cli
from lsp_projects import (
    BLOG,
    LABELS,
    MANIFEST,
    SHOP,
    check_commit,
    commit_as_a_user,
    diverged_project,
    merge_feature,
)
from lsp_projects import one_leaf_per_app as loads_with_one_leaf_per_app

NVIM = shutil.which("nvim")
EDITORS = Path(__file__).resolve().parents[2] / "editors" / "nvim"
SCRIPT = Path(__file__).with_name("nvim_renumber.lua")

#: Set by .ci/run: there, a missing Neovim fails the test instead of skipping it.
REQUIRED = bool(os.environ.get("MIGRATION_MANIFEST_REQUIRE_NVIM"))

needs_nvim = pytest.mark.skipif(
    NVIM is None and not REQUIRED,
    reason="Neovim is not installed (apt-get install -y neovim; .ci/run installs it in CI)",
)


@pytest.fixture(scope="module")
def oracle() -> Iterator[Oracle]:
    worker = Oracle(*LABELS)
    yield worker
    worker.close()


@needs_nvim
def test_neovim_receives_the_conflict_and_renumbers_it(
    git: Git, tmp_path: Path, oracle: Oracle
) -> None:
    assert NVIM is not None, "Neovim is required here (MIGRATION_MANIFEST_REQUIRE_NVIM) but missing"
    repo = diverged_project(git)
    merge_feature(repo)  # git stops on migrations.toml: blog has two leaves
    out = tmp_path / "nvim.json"
    env = {
        **os.environ,
        "MM_EDITORS": str(EDITORS),
        "MM_PYTHON": sys.executable,
        "MM_FILE": str(repo.root / BLOG / "0003_blog_summary.py"),
        "MM_OUT": str(out),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(EDITORS.parents[1]),  # the server, whether installed or not
        "XDG_STATE_HOME": str(tmp_path / "state"),  # Neovim's LSP log goes there
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    completed = subprocess.run(
        [NVIM, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {SCRIPT}"],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert out.exists(), completed.stdout + completed.stderr
    result = json.loads(out.read_text())
    assert result["ok"], result
    # what Neovim received: the two-leaf conflict on `class Migration` (line 6, 0-based 5)
    [conflict] = result["diagnostics"]
    assert conflict["code"] == "MM009"
    assert (conflict["lnum"], conflict["col"], conflict["end_col"]) == (5, 6, 15)
    assert conflict["source"] == "django-migration-manifest"
    assert conflict["message"].startswith("app 'blog' has 2 leaf migrations")
    assert result["titles"][:2] == [
        "Renumber blog: move 0003_blog_post after 0003_blog_summary",
        "Create a merge migration for blog instead (0004_merge_0003_blog_post_0003_blog_summary)",
    ]
    # picked in Neovim's own code-action menu (vim.lsp.buf.code_action), which lists the same
    assert result["menu"][:2] == result["titles"][:2]
    # Neovim 0.7 declares RenameFile but not documentChanges: the server applies the plan
    if result["document_changes"] and "rename" in result["resource_operations"]:
        assert result["applied_with"] == "edit+command"  # the edit, then stageResolution
    else:
        assert result["applied_with"] == "command"
    assert result["cleared"], result
    assert result["info_diagnostics"] == "push"
    assert result["offset_encoding"] == "utf-16"
    # the files on disk
    assert (repo.root / BLOG / "0004_blog_post.py").exists()
    assert not (repo.root / BLOG / "0003_blog_post.py").exists()
    assert "('blog', '0004_blog_post')" in repo.read(f"{SHOP}/0002_shop_order.py")
    assert "<<<<<<<" not in repo.read(MANIFEST)
    assert loads_with_one_leaf_per_app(oracle, repo.root) == {
        "blog": "0004_blog_post",
        "shop": "0002_shop_order",
    }
    assert run_cli("--root", str(repo.root), "check")[0] == 0
    # the user stages what git lists as conflicted and commits: the commit passes check
    commit_as_a_user(repo, "merge")
    check_commit(repo)


EMACS = Path(__file__).resolve().parents[2] / "editors" / "emacs" / "django-migration-manifest.el"


def read_plist(text: str) -> Any:
    """The subset of Emacs Lisp the snippet's options use: plists of keywords, ``t``,
    ``:json-false``, strings and vectors."""
    tokens = re.findall(r'"(?:[^"\\]|\\.)*"|[()\[\]]|[^\s()\[\]]+', text)
    position = 0

    def value() -> Any:
        nonlocal position
        token = tokens[position]
        position += 1
        if token == "(":
            found: dict[str, Any] = {}
            while tokens[position] != ")":
                key = tokens[position].lstrip(":")
                position += 1
                found[key] = value()
            position += 1
            return found
        if token == "[":
            items = []
            while tokens[position] != "]":
                items.append(value())
            position += 1
            return items
        if token.startswith('"'):
            return json.loads(token)
        return {"t": True, ":json-false": False, "nil": None}[token]

    return value()


def test_the_emacs_snippet_sends_what_the_emacs_tests_use() -> None:
    from lsp_helpers import EMACS_OPTIONS

    text = EMACS.read_text()
    found = re.search(
        r"django-migration-manifest-initialization-options\n  '(\(.*?\))\n  \"", text, re.S
    )
    assert found is not None
    assert read_plist(found.group(1)) == EMACS_OPTIONS
