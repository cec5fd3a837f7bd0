"""Clients that cannot watch files (Neovim 0.7): the server's own scans start from what it
indexed, so a change made before the first scan is seen, and an untouched project reports
nothing as changed."""

from __future__ import annotations

import asyncio
import os

import pytest
from conftest import Git
from lsp_helpers import editor
from lsp_projects import BLOG, MANIFEST, SHOP, diverged_project, merge_feature

pytestmark = pytest.mark.asyncio

OURS = f"{BLOG}/0003_blog_summary.py"
#: Long enough for the test to act between indexing and the first scan.
OPTIONS = {"pollInterval": 1.5, "logLevel": "debug"}


def changed_logs(messages: list[str]) -> list[str]:
    return [m for m in messages if m.startswith("changed on disk")]


async def test_a_file_deleted_before_the_first_scan_is_seen(git: Git) -> None:
    repo = diverged_project(git)
    merge_feature(repo)
    async with editor(repo.root, "neovim", options=OPTIONS) as session:
        session.open(OURS)
        await session.wait_codes(OURS, "MM009")
        await session.wait_indexed()
        # the other branch's migrations go away before the server's first scan
        os.unlink(repo.root / BLOG / "0003_blog_post.py")
        os.unlink(repo.root / SHOP / "0002_shop_order.py")
        await session.wait_codes(OURS, timeout=10)


async def test_a_file_replaced_before_the_first_scan_is_seen(git: Git) -> None:
    repo = diverged_project(git)
    async with editor(repo.root, "neovim", options=OPTIONS) as session:
        session.open(OURS)
        await session.wait_indexed()
        target = repo.root / SHOP / "0001_initial.py"
        text = target.read_text().replace("dependencies = [", "dependencies = [('blog', '9999_x'),")
        temporary = target.with_suffix(".tmp")
        temporary.write_text(text)
        os.replace(temporary, target)  # as git and most editors write a file
        await session.wait_codes(f"{SHOP}/0001_initial.py", "MM110", timeout=10)


async def test_the_first_scan_of_an_untouched_project_reports_nothing(git: Git) -> None:
    repo = diverged_project(git)
    async with editor(repo.root, "neovim", options=OPTIONS) as session:
        session.open(OURS)
        await session.wait_indexed()
        await asyncio.sleep(3.5)  # two scans
        messages = [m.message for m in session.client.log_messages]
        assert changed_logs(messages) == []
        assert session.diagnostics(MANIFEST) == []
