"""Diagnostics end to end: a stale manifest after ``makemigrations`` in a terminal, missing
dependencies on the exact string (in each position encoding), unparsable buffers, every
migrations.toml problem on its line, and edits racing their results."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Git, Oracle, run_cli
from lsp_helpers import EMACS_OPTIONS, editor
from lsp_projects import BLOG, LABELS, MANIFEST, SHOP, base_project
from lsp_projects import one_leaf_per_app as loads_with_one_leaf_per_app
from lsprotocol import types
from resolve_project import manage

pytestmark = pytest.mark.asyncio

TAG = f"{BLOG}/0002_blog_tag.py"
OPTIONS = {"pollInterval": 0.2}


@pytest.fixture(scope="module")
def oracle() -> Iterator[Oracle]:
    worker = Oracle(*LABELS)
    yield worker
    worker.close()


def line_of(root: Path, path: str, needle: str) -> int:
    """0-based line of the first line containing ``needle``."""
    lines = (root / path).read_text().splitlines()
    return next(i for i, line in enumerate(lines) if needle in line)


@pytest.mark.parametrize("profile", ["vscode", "neovim"])
async def test_makemigrations_in_a_terminal_makes_the_manifest_stale(
    git: Git, profile: str, tmp_path: Path, oracle: Oracle
) -> None:
    repo = base_project(git)
    async with editor(repo.root, profile, options=OPTIONS) as session:
        session.open(TAG)
        # a new model, and Django's own makemigrations in a terminal
        repo.write(
            "blog/models/note.py",
            "from django.db import models\n\n\n"
            "class BlogNote(models.Model):\n    text = models.TextField()\n",
        )
        result = manage(repo.root, "makemigrations", "blog", database=tmp_path / "db.sqlite3")
        assert result.returncode == 0, result.stdout + result.stderr
        created = f"{BLOG}/0003_blognote.py"
        assert (repo.root / created).exists(), result.stdout
        session.notify([(created, types.FileChangeType.Created)])
        [newer] = await session.wait_codes(created, "MM007")  # not open: shown anyway
        assert newer.severity == types.DiagnosticSeverity.Warning
        assert newer.message.startswith(
            "blog.0003_blognote is newer than the head migrations.toml records for blog "
            "(0002_blog_tag): the manifest is out of date"
        )
        assert newer.range.start.line == line_of(repo.root, created, "class Migration")
        [stale] = await session.wait_codes(MANIFEST, "MM007")
        head_line = line_of(repo.root, MANIFEST, 'head = "0002_blog_tag"')
        assert stale.range.start.line == head_line
        assert stale.severity == types.DiagnosticSeverity.Error
        # the fix, from the migration (not open: a client asks about any file it shows)
        [action] = await session.code_actions(created, newer.range)
        assert isinstance(action, types.CodeAction)
        assert action.title == "Regenerate migrations.toml (blog: 0002_blog_tag -> 0003_blognote)"
        assert action.edit is not None  # a text edit: every client can apply it
        await session.run_action(action)
        await session.wait_codes(MANIFEST)
        await session.wait_codes(created)
    assert 'head = "0003_blognote"' in repo.read(MANIFEST)
    assert run_cli("--root", str(repo.root), "check")[0] == 0
    assert loads_with_one_leaf_per_app(oracle, repo.root) == {
        "blog": "0003_blognote",
        "shop": "0001_initial",
    }


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    return len(text)


@pytest.mark.parametrize(("profile", "encoding"), [("vscode", "utf-16"), ("emacs", "utf-32")])
async def test_missing_dependency_on_the_exact_string(
    git: Git, profile: str, encoding: str
) -> None:
    """The range is the string literal, in the negotiated position encoding: here after an
    emoji, which is 2 UTF-16 code units and 1 UTF-32 one."""
    repo = base_project(git)
    options = EMACS_OPTIONS if profile == "emacs" else None
    async with editor(repo.root, profile, options=options) as session:
        assert session.initialize_result is not None
        assert session.initialize_result.capabilities.position_encoding == encoding
        text = (repo.root / TAG).read_text()
        session.open(TAG, text)
        await session.wait_codes(TAG)
        missing = "        ('blog', '0001_initial'), ('blog', '0008_😀'), ('blog', '0009_nope'),\n"
        edited = text.replace("        ('blog', '0001_initial'),\n", missing)
        session.change(TAG, edited)
        found = await session.wait_codes(TAG, "MM110", "MM110")
        [after] = [d for d in found if "0009_nope" in d.message]
        line = missing.rstrip("\n")
        start = line.index("'0009_nope'")
        assert after.range.start.line == line_of_text(edited, "0009_nope")
        assert after.range.start.character == units(line[:start], encoding)
        assert after.range.end.character == units(line[: start + len("'0009_nope'")], encoding)
        assert after.message.splitlines()[0] == (
            "blog.0002_blog_tag depends on blog.0009_nope, which does not exist"
        )
        session.change(TAG, text)
        await session.wait_codes(TAG)


def line_of_text(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if needle in line)


async def test_unparsable_buffers(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "vscode") as session:
        text = (repo.root / TAG).read_text()
        session.open(TAG, text)
        broken = text.replace("operations = [", "operations = [[", 1)
        session.change(TAG, broken)
        [syntax] = await session.wait_codes(TAG, "MM100")
        assert syntax.severity == types.DiagnosticSeverity.Warning
        assert "does not parse" in syntax.message
        markers = text.replace(
            "    operations = [\n",
            "<<<<<<< HEAD\n    operations = [\n=======\n    operations = [\n>>>>>>> feature\n",
        )
        session.change(TAG, markers)
        [conflict] = await session.wait_codes(TAG, "MM101")
        assert conflict.range.start.line == line_of_text(markers, "<<<<<<<")
        session.change(TAG, text)
        await session.wait_codes(TAG)


MANIFEST_CASES: dict[str, tuple[Callable[[str], str], str, str, int]] = {
    # case: (how the text changes, the code, the line that must carry it)
    "duplicate-key": (
        lambda t: t + '\n[apps.shop]\nhead = "0001_initial"\npath = "shop/migrations"\n',
        "MM004",
        "[apps.shop]",
        -1,
    ),
    "malformed": (
        lambda t: t.replace('head = "0001_initial"', 'head = "0001_initial'),
        "MM003",
        'head = "0001_initial',
        0,
    ),
    "unknown-app": (
        lambda t: t + '\n[apps.gone]\nhead = "0001_initial"\npath = "gone/migrations"\n',
        "MM006",
        "[apps.gone]",
        0,
    ),
    "stale-head": (
        lambda t: t.replace('head = "0002_blog_tag"', 'head = "0001_initial"'),
        "MM007",
        'head = "0001_initial"',
        0,
    ),
}


@pytest.mark.parametrize("case", sorted(MANIFEST_CASES))
async def test_manifest_problems_each_on_its_line(git: Git, case: str) -> None:
    repo = base_project(git)
    change, code, needle, occurrence = MANIFEST_CASES[case]
    async with editor(repo.root, "vscode") as session:
        text = repo.read(MANIFEST)
        session.open(MANIFEST, text)
        edited = change(text)
        session.change(MANIFEST, edited)
        found = await session.wait_for(MANIFEST, lambda d: code in [x.code for x in d])
        lines = [i for i, line in enumerate(edited.splitlines()) if needle in line]
        [diagnostic] = [d for d in found if d.code == code]
        assert diagnostic.range.start.line == lines[occurrence]
        session.change(MANIFEST, text)
        await session.wait_codes(MANIFEST)


async def test_app_missing_from_the_manifest_and_fixed_by_its_quick_fix(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "emacs", options=EMACS_OPTIONS) as session:
        text = repo.read(MANIFEST)
        shop = text.index("[apps.shop]")
        edited = text[:shop].rstrip("\n") + "\n"
        session.open(MANIFEST, edited)
        [missing] = await session.wait_codes(MANIFEST, "MM005")
        assert "app 'shop' (shop/migrations) has migrations but no [apps.shop] entry" in (
            missing.message
        )
        [action] = await session.code_actions(MANIFEST, missing.range)
        assert isinstance(action, types.CodeAction)
        assert action.title == "Regenerate migrations.toml (shop: added at 0001_initial)"
        await session.run_action(action)  # the buffer is edited, then saved
        await session.wait_codes(MANIFEST)
    assert repo.read(MANIFEST) == text


async def test_only_the_newest_version_is_shown(git: Git) -> None:
    """Edits faster than the diagnostics: results for versions that are no longer current are
    dropped, and what stays is the last version's."""
    repo = base_project(git)
    async with editor(repo.root, "vscode", options={"debounce": 0}) as session:
        text = (repo.root / TAG).read_text()
        uri = session.open(TAG, text)
        for number in range(30):
            target = "0009_nope" if number % 2 == 0 else "0001_initial"
            session.change(TAG, text.replace("'0001_initial'", f"'{target}'", 1))
        last = session.versions[TAG]
        # the last edit (number 29) points back at 0001_initial: nothing to show
        await asyncio.sleep(0.5)
        versions = [v or 0 for _, u, v, _ in session.published if u == uri]
        assert versions == sorted(versions)
        assert session.diagnostics(TAG) == []
        if versions:
            assert versions[-1] == last
        session.change(TAG, text.replace("'0001_initial'", "'0009_nope'", 1))
        # 0001_initial is a leaf now too
        await session.wait_codes(TAG, "MM009", "MM110")
        versions = [v or 0 for _, u, v, _ in session.published if u == uri]
        assert versions[-1] == last + 1


async def test_cross_app_dependency_on_a_deleted_migration(git: Git) -> None:
    """A migration another app depends on is deleted in a terminal: the dependent file, not
    open, gets the missing dependency, and loses it when the file comes back."""
    repo = base_project(git)
    repo.add_model(
        "shop", "0002_shop_order", "order", "0001_initial", fk=("blog", "tag", "0002_blog_tag")
    )
    repo.commit("Orders")
    order = f"{SHOP}/0002_shop_order.py"
    async with editor(repo.root, "vscode") as session:
        session.open(f"{BLOG}/0001_initial.py")
        saved = (repo.root / TAG).read_text()
        session.delete(TAG)
        [missing] = await session.wait_codes(order, "MM110")
        assert missing.message.splitlines()[0] == (
            "shop.0002_shop_order depends on blog.0002_blog_tag, which does not exist"
        )
        session.write(TAG, saved)
        await session.wait_codes(order)


async def test_a_cycle_through_two_apps_is_found_after_a_save(git: Git) -> None:
    """Each app's graph is checked on every keystroke; a cycle that runs through two apps needs
    the whole repository's graph, so it is looked for once the editing pauses after a save."""
    repo = base_project(git)
    repo.add_model(
        "shop", "0002_shop_order", "order", "0001_initial", fk=("blog", "tag", "0002_blog_tag")
    )
    repo.commit("Orders")
    async with editor(repo.root, "vscode") as session:
        text = (repo.root / TAG).read_text()
        session.open(TAG, text)
        await session.wait_indexed()
        cyclic = text.replace(
            "        ('blog', '0001_initial'),\n",
            "        ('blog', '0001_initial'),\n        ('shop', '0002_shop_order'),\n",
        )
        session.change(TAG, cyclic)
        await asyncio.sleep(0.3)
        assert "MM111" not in [d.code for d in session.diagnostics(TAG)]
        session.save(TAG, cyclic)
        found = await session.wait_for(TAG, lambda d: "MM111" in [x.code for x in d])
        [cycle] = [d for d in found if d.code == "MM111"]
        assert "blog.0002_blog_tag" in cycle.message
        assert "shop.0002_shop_order" in cycle.message
        session.save(TAG, text)
        session.change(TAG, text)
        await session.wait_for(TAG, lambda d: "MM111" not in [x.code for x in d])
