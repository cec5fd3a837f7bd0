"""Migration conflicts end to end: a real git merge lands conflicting migrations on disk while an
editor has the project open; the server shows them, its quick fixes repair them, and Django's own
loader agrees afterwards. Over real stdio, with the capabilities of VS Code, Neovim and Emacs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import Git, Oracle, run_cli
from lsp_helpers import EMACS_OPTIONS, Editor, editor
from lsp_projects import BLOG, LABELS, MANIFEST, SHOP, diverged_project, merge_feature
from lsp_projects import one_leaf_per_app as loads_with_one_leaf_per_app
from lsprotocol import types
from resolve_project import DjangoRepo

pytestmark = pytest.mark.asyncio

OURS = f"{BLOG}/0003_blog_summary.py"
THEIRS = f"{BLOG}/0003_blog_post.py"
#: Clients without a file watcher get a quick scan (the default is every 2 seconds).
OPTIONS = {"pollInterval": 0.2}
PROFILE_OPTIONS = {"vscode": OPTIONS, "neovim": OPTIONS, "emacs": {**EMACS_OPTIONS, **OPTIONS}}


@pytest.fixture(scope="module")
def oracle() -> Iterator[Oracle]:
    worker = Oracle(*LABELS)
    yield worker
    worker.close()


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


async def land_conflict(session: Editor, repo: DjangoRepo) -> None:
    """``git merge feature`` in a terminal; the editor's watcher reports what git wrote."""
    *created, manifest = merge_feature(repo)
    session.notify([(path, types.FileChangeType.Created) for path in created])
    session.notify([(manifest, types.FileChangeType.Changed)])


async def assert_conflict_shown(session: Editor) -> types.Diagnostic:
    ours = await session.wait_codes(OURS, "MM009")
    theirs = await session.wait_codes(THEIRS, "MM009")  # not open: shown anyway
    toml = await session.wait_codes(MANIFEST, "MM002")
    # on each leaf's `class Migration`, pointing at the other leaf
    for found, other in ((ours[0], THEIRS), (theirs[0], OURS)):
        assert found.range.start.line == 5  # "class Migration(migrations.Migration):"
        assert (found.range.start.character, found.range.end.character) == (6, 15)
        assert found.severity == types.DiagnosticSeverity.Error
        if session.profile == "emacs":  # no relatedInformation support: said in the message
            assert found.related_information is None
            assert f"see {other}:6" in found.message
        else:
            assert found.related_information is not None
            [related] = found.related_information
            assert related.location.uri == session.uri(other)
            assert related.location.range.start.line == 5
    # the conflict markers in migrations.toml, on the exact line
    lines = (session.root / MANIFEST).read_text().splitlines()
    marker = next(i for i, line in enumerate(lines) if line.startswith("<<<<<<<"))
    assert toml[0].range.start.line == marker
    if session.profile != "emacs":  # related information names the other end of the conflict
        [end] = toml[0].related_information or []
        assert end.message == "the end of the conflict: >>>>>>> feature"
        assert lines[end.location.range.start.line] == ">>>>>>> feature"
    return ours[0]


@pytest.mark.parametrize("profile", ["vscode", "neovim", "emacs"])
async def test_conflict_appears_on_merge_and_renumber_fixes_it(
    git: Git, profile: str, oracle: Oracle
) -> None:
    repo = diverged_project(git)
    async with editor(repo.root, profile, options=PROFILE_OPTIONS[profile]) as session:
        session.open(OURS)
        await session.wait_codes(OURS)  # a clean project on main: nothing to show
        await land_conflict(session, repo)
        diagnostic = await assert_conflict_shown(session)
        actions = await session.code_actions(OURS, diagnostic.range)
        titles = [a.title for a in actions]
        assert titles == [
            "Renumber blog: move 0003_blog_post after 0003_blog_summary",
            "Create a merge migration for blog instead "
            "(0004_merge_0003_blog_post_0003_blog_summary)",
        ]
        renumber = actions[0]
        assert isinstance(renumber, types.CodeAction)
        assert renumber.kind == types.CodeActionKind.QuickFix
        assert renumber.diagnostics
        assert renumber.diagnostics[0].code == "MM009"
        if profile == "vscode":  # RenameFile in documentChanges
            assert renumber.edit is not None
            # then git stages what the editor renamed and edited, as resolve would
            assert renumber.command is not None
            assert renumber.command.command == "djangoMigrationManifest.stageResolution"
            assert renumber.is_preferred
            kinds = [getattr(c, "kind", "edit") for c in renumber.edit.document_changes or []]
            assert kinds == ["edit", "edit", "edit", "rename"]
        else:  # no RenameFile support declared: the server applies the plan on disk
            assert renumber.edit is None
            assert renumber.command is not None
            assert renumber.command.command == "djangoMigrationManifest.resolve"
        await session.run_action(renumber)
        # diagnostics clear everywhere, open or not, the renamed-away file included
        await session.wait_codes(OURS)
        await session.wait_codes(THEIRS)
        await session.wait_codes(MANIFEST)
        await session.wait_codes(f"{SHOP}/0002_shop_order.py")
    assert (repo.root / BLOG / "0004_blog_post.py").exists()
    assert not (repo.root / THEIRS).exists()
    assert "('blog', '0004_blog_post')" in repo.read(f"{SHOP}/0002_shop_order.py")
    assert loads_with_one_leaf_per_app(oracle, repo.root) == {
        "blog": "0004_blog_post",
        "shop": "0002_shop_order",
    }
    code, out, err = run_cli("--root", str(repo.root), "check")
    assert (code, err) == (0, ""), out
    assert repo.unmerged() == set()  # staged as resolve stages, edit or command


@pytest.mark.parametrize("profile", ["vscode", "emacs"])
async def test_merge_migration_instead(git: Git, profile: str, oracle: Oracle) -> None:
    repo = diverged_project(git)
    async with editor(repo.root, profile, options=PROFILE_OPTIONS[profile]) as session:
        session.open(OURS)
        await land_conflict(session, repo)
        diagnostic = await assert_conflict_shown(session)
        actions = await session.code_actions(OURS, diagnostic.range)
        merge = actions[1]
        assert isinstance(merge, types.CodeAction)
        assert merge.title.startswith("Create a merge migration for blog")
        if profile == "vscode":  # CreateFile, then its text
            assert merge.edit is not None
            kinds = [getattr(c, "kind", "edit") for c in merge.edit.document_changes or []]
            assert kinds == ["edit", "create", "edit"]
        else:
            assert merge.command is not None
            assert merge.edit is None
        await session.run_action(merge)
        await session.wait_codes(OURS)
        await session.wait_codes(THEIRS)
        await session.wait_codes(MANIFEST)
    created = repo.root / BLOG / "0004_merge_0003_blog_post_0003_blog_summary.py"
    assert created.exists()
    assert loads_with_one_leaf_per_app(oracle, repo.root) == {
        "blog": "0004_merge_0003_blog_post_0003_blog_summary",
        "shop": "0002_shop_order",
    }


async def test_conflict_markers_in_the_manifest_offer_the_resolution(
    git: Git, oracle: Oracle
) -> None:
    """From migrations.toml's conflict markers: resolve every conflicted app at once."""
    repo = diverged_project(git, shop_too=True)
    async with editor(repo.root, "vscode", options=OPTIONS) as session:
        session.open(MANIFEST)
        await land_conflict(session, repo)
        [marker] = await session.wait_codes(MANIFEST, "MM002")
        await session.wait_codes(f"{SHOP}/0002_shop_order.py", "MM009")
        actions = await session.code_actions(MANIFEST, marker.range)
        assert [a.title for a in actions] == [
            "Renumber blog, shop and rewrite migrations.toml",
            "Write merge migrations for blog, shop and rewrite migrations.toml",
        ]
        await session.run_action(actions[0])
        await session.wait_codes(MANIFEST)
        await session.wait_codes(f"{SHOP}/0002_shop_order.py")
        await session.wait_codes(OURS)
    leaves = loads_with_one_leaf_per_app(oracle, repo.root)
    assert leaves == {"blog": "0004_blog_post", "shop": "0003_shop_order"}


async def test_resolve_all_command_and_source_action(git: Git, oracle: Oracle) -> None:
    """The "resolve all conflicts" source action runs the server's command, as the CLI would:
    on disk, renames staged with git."""
    repo = diverged_project(git, shop_too=True)
    async with editor(repo.root, "neovim", options=OPTIONS) as session:
        session.open(OURS)
        await land_conflict(session, repo)
        await assert_conflict_shown(session)
        whole = types.Range(types.Position(0, 0), types.Position(0, 0))
        [action] = await session.code_actions(
            OURS, whole, only=["source.resolveConflicts.djangoMigrationManifest"]
        )
        assert isinstance(action, types.CodeAction)
        assert action.title == "Resolve all migration conflicts"
        assert action.command is not None
        answer = await session.command(action.command.command, *(action.command.arguments or []))
        assert answer["ok"], answer
        assert answer["renamed"] == [
            [f"{SHOP}/0002_shop_order.py", f"{SHOP}/0003_shop_order.py"],
            [f"{BLOG}/0003_blog_post.py", f"{BLOG}/0004_blog_post.py"],
        ]
        await session.wait_codes(OURS)
        await session.wait_codes(MANIFEST)
        again = await session.command("djangoMigrationManifest.resolve", {})
        assert not again["ok"]
        assert again["message"].startswith("Nothing to resolve")
    assert loads_with_one_leaf_per_app(oracle, repo.root) == {
        "blog": "0004_blog_post",
        "shop": "0003_shop_order",
    }
    assert repo.unmerged() == set()
    assert repo.staged()[f"{BLOG}/0004_blog_post.py"] == "A"


async def test_dirty_buffers_are_never_overwritten(git: Git) -> None:
    """The command path changes files on disk: it refuses while a file it would change has
    unsaved edits in the editor."""
    repo = diverged_project(git)
    async with editor(repo.root, "neovim", options=OPTIONS) as session:
        session.open(OURS)
        await land_conflict(session, repo)
        await assert_conflict_shown(session)
        session.open(THEIRS)
        text = (repo.root / THEIRS).read_text()
        session.change(THEIRS, text + "\n# not saved yet\n")
        answer = await session.command(
            "djangoMigrationManifest.resolve", {"root": str(repo.root), "apps": ["blog"]}
        )
        assert not answer["ok"]
        assert (
            answer["message"]
            == f"save these files first (resolve changes the files on disk): {THEIRS}"
        )
        assert any("save these files first" in m.message for m in session.client.messages)
    assert (repo.root / THEIRS).read_text() == text


async def test_git_checkout_updates_what_is_shown(git: Git) -> None:
    """Switching branches in a terminal: files appear, change and vanish under open buffers;
    what the server shows follows without reopening anything."""
    repo = diverged_project(git)
    # a branch where a migration was committed without updating migrations.toml
    repo.git("checkout", "-q", "-b", "stale")
    repo.add_model("blog", "0004_blog_note", "note", "0003_blog_summary")
    repo.git.commit_all("A migration, the manifest forgotten")
    repo.git("checkout", "-q", "main")
    note = f"{BLOG}/0004_blog_note.py"
    async with editor(repo.root, "vscode", options=OPTIONS) as session:
        session.open(OURS)
        await session.wait_indexed()

        def checkout(branch: str) -> None:
            before = repo.git("rev-parse", "HEAD").stdout.strip()
            repo.git("checkout", "-q", branch)
            diff = repo.git(
                "diff", "--no-renames", "--name-status", before, "HEAD"
            ).stdout.splitlines()
            kinds = {"A": types.FileChangeType.Created, "D": types.FileChangeType.Deleted}
            session.notify(
                [
                    (line.split("\t")[1], kinds.get(line[0], types.FileChangeType.Changed))
                    for line in diff
                ]
            )

        checkout("stale")
        [newer] = await session.wait_codes(note, "MM007")
        assert newer.severity == types.DiagnosticSeverity.Warning
        await session.wait_codes(MANIFEST, "MM007")
        checkout("feature")  # the open file does not exist on feature
        await session.wait_codes(note)
        await session.wait_codes(MANIFEST)
        await session.wait_codes(OURS)
        checkout("main")
        await session.wait_codes(MANIFEST)
        await session.command("djangoMigrationManifest.showInfo")
