"""Navigation: hovers on dependencies, document links and go-to-definition from a dependency to
its file, and the code lens on ``class Migration``."""

from __future__ import annotations

import pytest
from conftest import Git
from lsp_helpers import editor
from lsp_projects import BLOG, SHOP, base_project, diverged_project, merge_feature
from lsprotocol import types

pytestmark = pytest.mark.asyncio

TAG = f"{BLOG}/0002_blog_tag.py"


def at(text: str, needle: str, offset: int = 1) -> types.Position:
    lines = text.splitlines()
    line = next(i for i, line in enumerate(lines) if needle in line)
    return types.Position(line, lines[line].index(needle) + offset)


async def test_hover_on_a_dependency_shows_the_target_operations(git: Git) -> None:
    repo = base_project(git)
    repo.add_model(
        "shop", "0002_shop_order", "order", "0001_initial", fk=("blog", "tag", "0002_blog_tag")
    )
    repo.commit("Orders")
    order = f"{SHOP}/0002_shop_order.py"
    async with editor(repo.root, "vscode") as session:
        text = (repo.root / order).read_text()
        session.open(order, text)
        hover = await session.client.text_document_hover_async(
            types.HoverParams(
                types.TextDocumentIdentifier(session.uri(order)),
                at(text, "('blog', '0002_blog_tag')", 3),
            )
        )
        assert hover is not None
        assert isinstance(hover.contents, types.MarkupContent)
        assert hover.contents.value == (
            "**blog.0002_blog_tag** (depends on)\n\n"
            f"`{TAG}` · head of blog\n\n"
            "Operations:\n- `CreateModel` BlogTag"
        )
        assert hover.range is not None
        line = at(text, "('blog', '0002_blog_tag')", 0)
        assert hover.range.start == line
        hover = await session.client.text_document_hover_async(
            types.HoverParams(
                types.TextDocumentIdentifier(session.uri(order)),
                at(text, "('shop', '0001_initial')", 3),
            )
        )
        assert hover is not None
        assert isinstance(hover.contents, types.MarkupContent)
        assert "shop.0001_initial** (depends on)" in hover.contents.value
        assert "1 migration after this one" in hover.contents.value
        nothing = await session.client.text_document_hover_async(
            types.HoverParams(
                types.TextDocumentIdentifier(session.uri(order)), types.Position(0, 0)
            )
        )
        assert nothing is None


async def test_links_and_definition_lead_to_the_dependency(git: Git) -> None:
    repo = base_project(git)
    async with editor(repo.root, "vscode") as session:
        text = (repo.root / TAG).read_text()
        session.open(TAG, text)
        links = await session.client.text_document_document_link_async(
            types.DocumentLinkParams(types.TextDocumentIdentifier(session.uri(TAG)))
        )
        assert links is not None
        [link] = links
        assert link.target == session.uri(f"{BLOG}/0001_initial.py")
        assert link.range.start == at(text, "'0001_initial'", 0)
        assert link.range.end == at(text, "'0001_initial'", len("'0001_initial'"))
        assert link.tooltip == f"blog.0001_initial ({BLOG}/0001_initial.py)"
        definition = await session.client.text_document_definition_async(
            types.DefinitionParams(
                types.TextDocumentIdentifier(session.uri(TAG)), at(text, "0001_initial", 2)
            )
        )
        assert isinstance(definition, types.Location)
        assert definition.uri == session.uri(f"{BLOG}/0001_initial.py")
        initial = (repo.root / BLOG / "0001_initial.py").read_text()
        assert definition.range.start == at(initial, "Migration(", 0)


async def lenses(session: object, path: str) -> list[str]:
    client = session.client  # type: ignore[attr-defined]
    found = await client.text_document_code_lens_async(
        types.CodeLensParams(types.TextDocumentIdentifier(session.uri(path)))  # type: ignore[attr-defined]
    )
    return [lens.command.title for lens in found or []]


async def test_code_lens_on_class_migration(git: Git) -> None:
    repo = diverged_project(git)
    async with editor(repo.root, "vscode", options={"pollInterval": 0.2}) as session:
        for path in (TAG, f"{BLOG}/0001_initial.py", f"{BLOG}/0003_blog_summary.py"):
            session.open(path)
        assert await lenses(session, f"{BLOG}/0003_blog_summary.py") == ["head of blog"]
        assert await lenses(session, TAG) == ["1 migration after this one"]
        assert await lenses(session, f"{BLOG}/0001_initial.py") == ["2 migrations after this one"]
        *created, _ = merge_feature(repo)
        session.notify([(p, types.FileChangeType.Created) for p in created])
        await session.wait_codes(f"{BLOG}/0003_blog_summary.py", "MM009")
        assert session.lens_refreshes >= 1  # VS Code is asked to ask again
        assert await lenses(session, f"{BLOG}/0003_blog_summary.py") == [
            "conflicts with blog.0003_blog_post"
        ]
        assert await lenses(session, TAG) == ["2 migrations after this one"]
        # the lens leads to the other leaf
        found = await session.client.text_document_code_lens_async(
            types.CodeLensParams(
                types.TextDocumentIdentifier(session.uri(f"{BLOG}/0003_blog_summary.py"))
            )
        )
        assert found is not None
        command = found[0].command
        assert command is not None
        assert command.command == "djangoMigrationManifest.showLocation"
        assert await session.command(command.command, *(command.arguments or []))
        [shown] = session.client.shown_documents
        assert shown.uri == session.uri(f"{BLOG}/0003_blog_post.py")
        assert shown.selection is not None
        assert shown.selection.start.line == 5


async def test_features_can_be_turned_off(git: Git) -> None:
    repo = base_project(git)
    options = {"hover": False, "codeLens": False, "documentLinks": False, "definition": False}
    async with editor(repo.root, "vscode", options=options) as session:
        text = (repo.root / TAG).read_text()
        session.open(TAG, text)
        where = types.TextDocumentIdentifier(session.uri(TAG))
        position = at(text, "0001_initial", 2)
        assert (
            await session.client.text_document_hover_async(types.HoverParams(where, position))
            is None
        )
        assert (
            await session.client.text_document_definition_async(
                types.DefinitionParams(where, position)
            )
            is None
        )
        assert not await session.client.text_document_document_link_async(
            types.DocumentLinkParams(where)
        )
        assert not await session.client.text_document_code_lens_async(types.CodeLensParams(where))
