"""resolve on real git repositories of a real Django project, judged by Django itself.

Each scenario branches ``feature`` off ``main``, adds migrations on both (with ``update`` run and
committed on each, as a developer would), then lets real ``git merge`` / ``git rebase`` stop on
migrations.toml, runs ``resolve``, and checks: the exact plan, the staged renames, that
``python -m manifest_core check`` passes, and, in a subprocess running Django: one leaf per app,
``makemigrations --check`` clean, ``check`` passing and a real ``migrate`` applying everything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Git
from resolve_project import DjangoRepo, manage

from manifest_core.manifest import parse_manifest

MANIFEST = "migrations.toml"
BLOG = "blog/migrations"
SHOP = "shop/migrations"
WIKI = "wiki/migrations"


@pytest.fixture
def repo(git: Git) -> DjangoRepo:
    """blog (0001, 0002), shop (0001) and wiki (0001) committed on main with their manifest."""
    project = DjangoRepo(git)
    for label in ("blog", "shop", "wiki"):
        project.add_app(label)
    project.add_model("blog", "0002_blog_tag", "tag", "0001_initial")
    project.commit("Initial apps")
    return project


def heads(repo: DjangoRepo) -> dict[str, str | None]:
    manifest = parse_manifest(repo.read(MANIFEST))
    assert not manifest.conflicted
    return {label: entry.head for label, entry in manifest.entries.items()}


def assert_django_happy(repo: DjangoRepo, tmp_path: Path, expected: dict[str, str]) -> None:
    """Django: one leaf per app (exactly ``expected``), no model changes left, migrate works."""
    report = repo.django_report(tmp_path / "check.sqlite3")
    assert report["conflicts"] == {}
    assert {app: leaves for app, leaves in report["leaves"].items() if app in expected} == {
        app: [leaf] for app, leaf in expected.items()
    }
    assert report["makemigrations_clean"], report["makemigrations_output"]
    assert report["applied"]
    code, out, err = repo.cli("check")
    assert (code, err) == (0, ""), out
    assert heads(repo) == expected


def feature_chain(repo: DjangoRepo) -> None:
    """feature: blog 0003..0005 (a chain of three) and shop 0002 with a foreign key to blog's
    0004 model (a cross-app reference to a migration that will be renamed)."""
    repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
    repo.add_model("blog", "0004_blog_author", "author", "0003_blog_post")
    repo.add_model("blog", "0005_blog_note", "note", "0004_blog_author")
    repo.add_model(
        "shop",
        "0002_shop_order",
        "order",
        "0001_initial",
        fk=("blog", "author", "0004_blog_author"),
    )


def diverge(repo: DjangoRepo, on_main: Any, on_feature: Any) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    on_feature()
    repo.commit("Feature work")
    repo.git("checkout", "-q", "main")
    on_main()
    repo.commit("Main work")


FEATURE_RENAMES = [
    f"rename  {BLOG}/0005_blog_note.py -> {BLOG}/0006_blog_note.py",
    f"rename  {BLOG}/0004_blog_author.py -> {BLOG}/0005_blog_author.py",
    f"rename  {BLOG}/0003_blog_post.py -> {BLOG}/0004_blog_post.py",
]


def plan_lines(out: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index("Plan:") + 1
    end = lines.index("", start)
    return [line.strip() for line in lines[start:end]]


def test_merge_feature_into_main_moves_the_feature(repo: DjangoRepo, tmp_path: Path) -> None:
    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag"),
        on_feature=lambda: feature_chain(repo),
    )
    assert repo.merge("feature") != 0
    assert repo.unmerged() == {MANIFEST}

    code, out, err = repo.resolve("--dry-run")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == (
        "resolve: a merge in progress: feature (theirs) into main (ours); default branch: main."
    )
    assert (
        "blog: theirs moves after 0003_blog_summary (ours), since 0003_blog_summary is on the "
        "default branch main:" in out
    )
    assert plan_lines(out) == [
        *FEATURE_RENAMES,
        f"edit    {BLOG}/0003_blog_post.py:9:18: '0002_blog_tag' -> '0003_blog_summary'",
        f"edit    {BLOG}/0004_blog_author.py:9:18: '0003_blog_post' -> '0004_blog_post'",
        f"edit    {BLOG}/0005_blog_note.py:9:18: '0004_blog_author' -> '0005_blog_author'",
        f"edit    {SHOP}/0002_shop_order.py:11:18: '0004_blog_author' -> '0005_blog_author'",
        f"write   {MANIFEST}: blog: 0003_blog_summary / 0005_blog_note (conflicted) -> "
        "0006_blog_note",
    ]
    assert "    python manage.py migrate blog 0002_blog_tag" in out.splitlines()
    assert out.endswith("Dry run: nothing was written.\n")
    assert repo.unmerged() == {MANIFEST}

    code, out, err = repo.resolve()
    assert (code, err) == (0, ""), out
    assert (
        "Resolved blog: 3 migrations renamed, 4 references rewritten, migrations.toml rewritten. "
        "Staged for commit." in out
    )
    assert "Next: review with `git diff --cached`, then `git commit` to conclude the merge." in out
    # git sees the conflict resolved; feature's files arrive under their new names.
    assert repo.unmerged() == set()
    status = repo.status()
    assert {p: s for p, s in status.items() if p.startswith(BLOG)} == {
        f"{BLOG}/0004_blog_post.py": "A ",
        f"{BLOG}/0005_blog_author.py": "A ",
        f"{BLOG}/0006_blog_note.py": "A ",
    }
    assert status[MANIFEST] == "M "
    assert status[f"{SHOP}/0002_shop_order.py"] == "A "
    # only the string literals changed; the comment-free makemigrations layout is intact
    assert "        ('blog', '0005_blog_author'),\n" in repo.read(f"{SHOP}/0002_shop_order.py")
    assert_django_happy(
        repo,
        tmp_path,
        {"blog": "0006_blog_note", "shop": "0002_shop_order", "wiki": "0001_initial"},
    )
    repo.finish()
    assert repo.status() == {}


def test_merge_main_into_feature_moves_the_feature(repo: DjangoRepo, tmp_path: Path) -> None:
    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag"),
        on_feature=lambda: feature_chain(repo),
    )
    repo.git("checkout", "-q", "feature")
    assert repo.merge("main") != 0
    code, data = repo.resolve_json()
    assert code == 0
    assert data["operation"] == {
        "kind": "merge",
        "git": True,
        "ours": "feature",
        "theirs": "main",
        "default_branch": "main",
    }
    blog = data["apps"]["blog"]
    assert blog["moved_side"] == "ours"
    assert blog["kept"] == "0003_blog_summary"
    assert blog["kept_side"] == "theirs"
    assert blog["reason"] == "0003_blog_summary is on the default branch main"
    assert blog["renames"] == {
        "0003_blog_post": "0004_blog_post",
        "0004_blog_author": "0005_blog_author",
        "0005_blog_note": "0006_blog_note",
    }
    assert blog["migrate_target"] == "0002_blog_tag"
    assert data["applied"] is True
    # the feature's committed migrations are renamed: git records them as staged renames
    staged = repo.staged()
    assert staged[f"{BLOG}/0006_blog_note.py"] == "R"
    assert staged[f"{BLOG}/0005_blog_author.py"] == "R"
    assert f"{BLOG}/0005_blog_note.py" not in repo.status()
    assert repo.unmerged() == set()
    assert_django_happy(
        repo,
        tmp_path,
        {"blog": "0006_blog_note", "shop": "0002_shop_order", "wiki": "0001_initial"},
    )
    repo.finish()
    assert repo.status() == {}
    # main's migrations were never touched
    assert repo.git("diff", "main", "HEAD", "--", f"{BLOG}/0003_blog_summary.py").stdout == ""


def test_rebase_stopped_midway_resolves_each_step(repo: DjangoRepo, tmp_path: Path) -> None:
    """feature has two commits; the second refers to a migration the first resolve renames."""

    def feature() -> None:
        repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
        repo.commit("Feature: posts")
        repo.add_model("blog", "0004_blog_author", "author", "0003_blog_post")
        repo.add_model(
            "shop",
            "0002_shop_order",
            "order",
            "0001_initial",
            fk=("blog", "post", "0003_blog_post"),
        )

    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag"),
        on_feature=feature,
    )
    repo.git("checkout", "-q", "feature")
    assert repo.git("rebase", "main", check=False).returncode != 0
    assert repo.operation_in_progress() == "rebase"

    code, out, _ = repo.resolve()
    assert code == 0, out
    first_line = out.splitlines()[0]
    assert first_line.startswith("resolve: a rebase in progress: feature (commit ")
    assert first_line.endswith(") (theirs) replayed onto main (ours); default branch: main.")
    assert f"rename  {BLOG}/0003_blog_post.py -> {BLOG}/0004_blog_post.py" in out
    assert "Next: review with `git diff --cached`, then `git rebase --continue`." in out
    repo.finish()
    # git replays the second commit, which still names 0003_blog_post: it stops again
    assert repo.operation_in_progress() == "rebase"
    code, out, _ = repo.resolve()
    assert code == 0, out
    assert (
        "note: blog.0003_blog_post was renamed 0004_blog_post earlier (same content): references "
        "to the old name are rewritten" in out
    )
    assert "  0003_blog_post -> 0004_blog_post (renamed earlier)" in out
    assert "  0004_blog_author -> 0005_blog_author" in out
    assert f"edit    {SHOP}/0002_shop_order.py:11:18: '0003_blog_post' -> '0004_blog_post'" in out
    assert "    python manage.py migrate blog 0002_blog_tag" in out
    repo.finish()
    assert repo.operation_in_progress() == "none"
    assert repo.status() == {}
    assert_django_happy(
        repo,
        tmp_path,
        {"blog": "0005_blog_author", "shop": "0002_shop_order", "wiki": "0001_initial"},
    )
    # the rebased branch sits on main, with main's migrations untouched
    assert repo.git("rev-parse", "HEAD~2").stdout == repo.git("rev-parse", "main").stdout


@pytest.mark.parametrize("style", ["diff3", "zdiff3"])
def test_several_apps_at_once_with_diff3_markers(
    repo: DjangoRepo, tmp_path: Path, style: str
) -> None:
    def main() -> None:
        repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag")
        repo.add_model("wiki", "0002_wiki_page", "page", "0001_initial")

    def feature() -> None:
        repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
        repo.add_model("wiki", "0002_wiki_link", "link", "0001_initial")
        repo.add_model(
            "wiki", "0003_wiki_ref", "ref", "0002_wiki_link", fk=("blog", "post", "0003_blog_post")
        )

    diverge(repo, on_main=main, on_feature=feature)
    repo.git("config", "merge.conflictStyle", style)
    assert repo.merge("feature") != 0
    text = repo.read(MANIFEST)
    assert text.count("||||||| ") == 2
    code, data = repo.resolve_json()
    assert code == 0, data["problems"]
    assert sorted(data["apps"]) == ["blog", "wiki"]
    assert data["apps"]["wiki"]["renames"] == {
        "0002_wiki_link": "0003_wiki_link",
        "0003_wiki_ref": "0004_wiki_ref",
    }
    assert data["manifest_changes"] == [
        "blog: 0003_blog_summary / 0003_blog_post (conflicted) -> 0004_blog_post",
        "wiki: 0002_wiki_page / 0003_wiki_ref (conflicted) -> 0004_wiki_ref",
    ]
    # the cross-app reference (wiki -> blog) follows blog's rename
    assert "('blog', '0004_blog_post')" in repo.read(f"{WIKI}/0004_wiki_ref.py")
    assert_django_happy(
        repo,
        tmp_path,
        {"blog": "0004_blog_post", "shop": "0001_initial", "wiki": "0004_wiki_ref"},
    )


def test_squashed_and_non_numeric_migrations_move(repo: DjangoRepo, tmp_path: Path) -> None:
    """feature: 0003, 0004, their squash (originals kept), then a hand-named migration; main's
    head has no number either."""

    def feature() -> None:
        repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
        repo.add_model("blog", "0004_blog_author", "author", "0003_blog_post")
        repo.add_squash(
            "blog",
            "0003_blog_post_squashed_0004_blog_author",
            ["0003_blog_post", "0004_blog_author"],
            after="0002_blog_tag",
        )
        repo.add_index("blog", "add_post_index", "post", "0003_blog_post_squashed_0004_blog_author")

    def main() -> None:
        repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag")
        repo.add_index("blog", "summary_index", "summary", "0003_blog_summary")

    diverge(repo, on_main=main, on_feature=feature)
    assert repo.merge("feature") != 0
    code, out, _ = repo.resolve()
    assert code == 0, out
    assert plan_lines(out)[:3] == [
        f"rename  {BLOG}/0004_blog_author.py -> {BLOG}/0005_blog_author.py",
        f"rename  {BLOG}/0003_blog_post_squashed_0004_blog_author.py -> "
        f"{BLOG}/0004_blog_post_squashed_0005_blog_author.py",
        f"rename  {BLOG}/0003_blog_post.py -> {BLOG}/0004_blog_post.py",
    ]
    assert "  add_post_index (keeps its name)" in out
    squash = repo.read(f"{BLOG}/0004_blog_post_squashed_0005_blog_author.py")
    assert (
        "    replaces = [\n        ('blog', '0004_blog_post'),\n"
        "        ('blog', '0005_blog_author'),\n    ]" in squash
    )
    assert "('blog', 'summary_index')" in squash
    assert "('blog', 'summary_index')" in repo.read(f"{BLOG}/0004_blog_post.py")
    assert "('blog', '0004_blog_post_squashed_0005_blog_author')" in repo.read(
        f"{BLOG}/add_post_index.py"
    )
    assert_django_happy(
        repo,
        tmp_path,
        {"blog": "add_post_index", "shop": "0001_initial", "wiki": "0001_initial"},
    )


@pytest.mark.parametrize("direction", ["feature-into-main", "main-into-feature"])
def test_merge_strategy_writes_a_merge_migration(
    repo: DjangoRepo, tmp_path: Path, direction: str
) -> None:
    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag"),
        on_feature=lambda: feature_chain(repo),
    )
    if direction == "main-into-feature":
        repo.git("checkout", "-q", "feature")
    assert repo.merge("main" if direction == "main-into-feature" else "feature") != 0
    before = repo.snapshot()
    code, out, _ = repo.resolve("--strategy", "merge")
    assert code == 0, out
    name = "0006_merge_0003_blog_summary_0005_blog_note"
    assert (
        f"blog: merge migration {name} depends on 0003_blog_summary and 0005_blog_note; "
        "nothing moves"
        in out.splitlines()
        or f"blog: merge migration {name} depends on 0005_blog_note and 0003_blog_summary; "
        "nothing moves"
        in out.splitlines()
    )
    after = repo.snapshot()
    assert set(after) - set(before) == {f"{BLOG}/{name}.py"}
    changed = {p for p in before if before[p] != after.get(p)}
    assert changed == {MANIFEST}
    assert repo.staged()[f"{BLOG}/{name}.py"] == "A"
    assert_django_happy(
        repo,
        tmp_path,
        {"blog": name, "shop": "0002_shop_order", "wiki": "0001_initial"},
    )


def test_merge_migrations_of_two_branches_never_share_a_name(repo: DjangoRepo) -> None:
    """Two branches each merge main's new head with their own: different leaves, different names,
    and the same merge always gets the same name and bytes."""
    from manifest_core.resolve.merge import merge_name, merge_source

    one = merge_name(["0003_blog_summary", "0003_blog_post"])
    two = merge_name(["0003_blog_summary", "0003_blog_tags"])
    assert one == "0004_merge_0003_blog_post_0003_blog_summary"
    assert two == "0004_merge_0003_blog_summary_0003_blog_tags"
    assert one == merge_name(["0003_blog_post", "0003_blog_summary"])
    long = ["0003_" + "x" * 40, "0003_" + "y" * 40]
    assert merge_name(long) == merge_name(long[::-1])
    assert merge_name(long).startswith("0004_merge_")
    assert len(merge_name(long)) == len("0004_merge_") + 10
    assert merge_name(long) != merge_name(["0003_" + "x" * 40, "0003_" + "z" * 40])
    assert merge_source("blog", ["b", "a"]) == merge_source("blog", ["a", "b"])


def test_committed_merge_is_resolved_afterwards(repo: DjangoRepo, tmp_path: Path) -> None:
    """Someone committed the merge keeping main's side of migrations.toml: HEAD is the merge."""
    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag"),
        on_feature=lambda: repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag"),
    )
    assert repo.merge("feature") != 0
    repo.git("checkout", "--ours", MANIFEST)
    repo.git("add", MANIFEST)
    repo.git("commit", "-q", "--no-edit")
    assert repo.status() == {}
    code, data = repo.resolve_json()
    assert code == 0, data["problems"]
    assert data["operation"]["kind"] == "merge-commit"
    assert data["operation"]["theirs"] == "feature"
    assert data["apps"]["blog"]["renames"] == {"0003_blog_post": "0004_blog_post"}
    assert data["apps"]["blog"]["reason"] == "0003_blog_summary is on the default branch main"
    assert_django_happy(
        repo, tmp_path, {"blog": "0004_blog_post", "shop": "0001_initial", "wiki": "0001_initial"}
    )
    repo.git("commit", "-q", "-m", "Renumber the feature's migrations")
    assert repo.status() == {}


def test_two_feature_branches_the_merged_in_one_moves(repo: DjangoRepo, tmp_path: Path) -> None:
    repo.git("checkout", "-q", "-b", "feature-b")
    repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
    repo.commit("B")
    repo.git("checkout", "-q", "-b", "feature-a", "main")
    repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag")
    repo.commit("A")
    assert repo.merge("feature-b") != 0
    code, data = repo.resolve_json()
    assert code == 0, data["problems"]
    blog = data["apps"]["blog"]
    assert blog["moved_side"] == "theirs"
    assert blog["reason"] == (
        "neither side is on the default branch main, and theirs (feature-b) is being merged in"
    )
    assert blog["renames"] == {"0003_blog_post": "0004_blog_post"}
    assert_django_happy(
        repo, tmp_path, {"blog": "0004_blog_post", "shop": "0001_initial", "wiki": "0001_initial"}
    )


def test_move_overrides_and_warns_about_the_default_branch(repo: DjangoRepo) -> None:
    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag"),
        on_feature=lambda: repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag"),
    )
    assert repo.merge("feature") != 0
    code, out, _ = repo.resolve("--move", "ours", "--dry-run")
    assert code == 0, out
    assert "blog: ours moves after 0003_blog_post (theirs), since you chose --move ours:" in out
    assert (
        "warning[MM208]: --move ours renames blog migrations that are on the default branch "
        "main: 0003_blog_summary" in out
    )
    assert f"rename  {BLOG}/0003_blog_summary.py -> {BLOG}/0004_blog_summary.py" in out


def test_database_that_applied_the_moving_migrations_is_protected(
    repo: DjangoRepo, tmp_path: Path
) -> None:
    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag"),
        on_feature=lambda: repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag"),
    )
    # the developer's database, migrated on feature
    repo.git("checkout", "-q", "feature")
    database = tmp_path / "dev.sqlite3"
    result = manage(repo.root, "migrate", database=database)
    assert result.returncode == 0, result.stderr
    assert repo.merge("main") != 0
    before = repo.snapshot()
    code, out, err = repo.resolve("--database-url", f"sqlite:///{database}")
    assert code == 1
    assert err == ""
    assert (
        f"{BLOG}/0003_blog_post.py:6:7: error[MM209]: the database applied blog migrations that "
        "would move (0003_blog_post); roll them back where they still have these names: "
        "`git merge --abort`, `python manage.py migrate blog 0002_blog_tag`, then merge again"
        in out.splitlines()
    )
    assert (
        out.splitlines()[-1]
        == "resolve changed nothing: fix the problems above, then run it again."
    )
    assert repo.snapshot() == before
    # Django itself refuses to roll back in the conflicted tree, which is why resolve says how
    result = manage(repo.root, "migrate", "blog", "0002_blog_tag", database=database)
    assert result.returncode == 1
    assert "Conflicting migrations detected" in result.stderr
    # roll back as told, then resolve goes through
    repo.git("merge", "--abort")
    result = manage(repo.root, "migrate", "blog", "0002_blog_tag", database=database)
    assert result.returncode == 0, result.stderr
    assert repo.merge("main") != 0
    code, out, _ = repo.resolve("--database-url", f"sqlite:///{database}")
    assert code == 0, out
    assert "note: the database applied none of the migrations that move" in out
    result = manage(repo.root, "migrate", database=database)
    assert result.returncode == 0, result.stderr


def test_one_app_at_a_time(repo: DjangoRepo) -> None:
    def main() -> None:
        repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag")
        repo.add_model("wiki", "0002_wiki_page", "page", "0001_initial")

    def feature() -> None:
        repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
        repo.add_model("wiki", "0002_wiki_link", "link", "0001_initial")

    diverge(repo, on_main=main, on_feature=feature)
    assert repo.merge("feature") != 0
    untouched = repo.snapshot()
    assert repo.resolve("--app", "shop") == (
        1,
        "Nothing to resolve in shop: no app there has two leaf migrations.\n"
        "note: migrations.toml is left as it is: blog, wiki still have several leaf migrations\n",
        "",
    )
    assert repo.snapshot() == untouched
    code, data = repo.resolve_json("--app", "blog")
    assert code == 0
    assert list(data["apps"]) == ["blog"]
    assert data["notes"] == [
        "migrations.toml is left as it is: wiki still has several leaf migrations"
    ]
    assert repo.unmerged() == {MANIFEST}
    code, data = repo.resolve_json("--app", "wiki")
    assert code == 0
    assert data["manifest_changes"] == [
        "blog: 0003_blog_summary / 0003_blog_post (conflicted) -> 0004_blog_post",
        "wiki: 0002_wiki_page / 0002_wiki_link (conflicted) -> 0003_wiki_link",
    ]
    assert repo.unmerged() == set()


def test_resolve_after_resolving_one_app(repo: DjangoRepo, tmp_path: Path) -> None:
    """``--app blog`` renames blog's migration while migrations.toml stays conflicted (wiki
    still has two leaves) and still names it by its old name: a later plain resolve recognises
    the rename instead of refusing a head whose file is missing."""

    def main() -> None:
        repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag")
        repo.add_model("wiki", "0002_wiki_page", "page", "0001_initial")

    def feature() -> None:
        repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
        repo.add_model("wiki", "0002_wiki_link", "link", "0001_initial")

    diverge(repo, on_main=main, on_feature=feature)
    assert repo.merge("feature") != 0
    code, data = repo.resolve_json("--app", "blog")
    assert (code, data["plan"]["renames"]) == (
        0,
        [{"from": f"{BLOG}/0003_blog_post.py", "to": f"{BLOG}/0004_blog_post.py"}],
    )
    assert repo.unmerged() == {MANIFEST}
    code, data = repo.resolve_json()
    assert code == 0, data["problems"]
    assert list(data["apps"]) == ["wiki"]
    assert data["notes"] == [
        "migrations.toml records blog's head by its old name 0003_blog_post (theirs): it was "
        "renamed 0004_blog_post earlier (same content)"
    ]
    assert data["manifest_changes"] == [
        "blog: 0003_blog_summary / 0003_blog_post (conflicted) -> 0004_blog_post",
        "wiki: 0002_wiki_page / 0002_wiki_link (conflicted) -> 0003_wiki_link",
    ]
    assert repo.unmerged() == set()
    assert_django_happy(
        repo,
        tmp_path,
        {"blog": "0004_blog_post", "shop": "0001_initial", "wiki": "0003_wiki_link"},
    )


def test_json_plan_has_exact_ranges(repo: DjangoRepo) -> None:
    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag"),
        on_feature=lambda: repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag"),
    )
    assert repo.merge("feature") != 0
    code, data = repo.resolve_json("--dry-run")
    assert code == 0
    assert data["dry_run"] is True
    assert data["applied"] is False
    plan = data["plan"]
    assert plan["renames"] == [
        {"from": f"{BLOG}/0003_blog_post.py", "to": f"{BLOG}/0004_blog_post.py"}
    ]
    migration_edits = [e for e in plan["edits"] if e["path"] != MANIFEST]
    assert migration_edits == [
        {
            "path": f"{BLOG}/0003_blog_post.py",
            "range": {"start": {"line": 9, "column": 18}, "end": {"line": 9, "column": 33}},
            "old_text": "'0002_blog_tag'",
            "new_text": "'0003_blog_summary'",
        }
    ]
    line = repo.read(f"{BLOG}/0003_blog_post.py").splitlines()[8]
    assert line[17:32] == "'0002_blog_tag'"
    [manifest_edit] = [e for e in plan["edits"] if e["path"] == MANIFEST]
    assert manifest_edit["old_text"] == repo.read(MANIFEST)
    assert parse_manifest(manifest_edit["new_text"]).entries["blog"].head == "0004_blog_post"
    assert data["migrate_commands"] == ["python manage.py migrate blog 0002_blog_tag"]
    json.dumps(data)  # serialisable as is


def test_one_conflict_hunk_spanning_two_apps(repo: DjangoRepo, tmp_path: Path) -> None:
    """blog and shop are adjacent in migrations.toml: git's two-way style writes one hunk for
    both (diff3 styles split it; the several-apps test covers those)."""

    def main() -> None:
        repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag")
        repo.add_model("shop", "0002_shop_order", "order", "0001_initial")

    def feature() -> None:
        repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
        repo.add_model("shop", "0002_shop_cart", "cart", "0001_initial")

    diverge(repo, on_main=main, on_feature=feature)
    assert repo.merge("feature") != 0
    text = repo.read(MANIFEST)
    assert text.count("<<<<<<< ") == 1
    hunk = text[text.index("<<<<<<< ") : text.index(">>>>>>> ")]
    assert "[apps.shop]" in hunk
    code, data = repo.resolve_json()
    assert code == 0, data["problems"]
    assert data["manifest_changes"] == [
        "blog: 0003_blog_summary / 0003_blog_post (conflicted) -> 0004_blog_post",
        "shop: 0002_shop_order / 0002_shop_cart (conflicted) -> 0003_shop_cart",
    ]
    assert_django_happy(
        repo,
        tmp_path,
        {"blog": "0004_blog_post", "shop": "0003_shop_cart", "wiki": "0001_initial"},
    )


def test_plain_two_leaf_graph_without_markers(repo: DjangoRepo, tmp_path: Path) -> None:
    """No merge at all: a teammate's migration was copied in next to a committed one. The
    uncommitted one is the one being brought in, so it moves."""
    repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag")
    repo.commit("Summary")
    repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")  # not committed
    assert "<<<<<<<" not in repo.read(MANIFEST)
    code, data = repo.resolve_json()
    assert code == 0, data["problems"]
    assert data["operation"]["kind"] == "none"
    blog = data["apps"]["blog"]
    assert blog["renames"] == {"0003_blog_post": "0004_blog_post"}
    assert blog["reason"] == "0003_blog_summary is on the default branch main"
    # the moved file was never tracked: it stays untracked, under its new name
    assert repo.status()[f"{BLOG}/0004_blog_post.py"] == "??"
    assert data["untracked"] == [f"{BLOG}/0004_blog_post.py"]
    assert data["staged"] == [MANIFEST]
    assert_django_happy(
        repo, tmp_path, {"blog": "0004_blog_post", "shop": "0001_initial", "wiki": "0001_initial"}
    )


def test_uncommitted_side_moves_when_the_default_branch_has_neither(repo: DjangoRepo) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag")
    repo.commit("Summary")
    repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
    code, data = repo.resolve_json()
    assert code == 0, data["problems"]
    assert data["apps"]["blog"]["reason"] == (
        "neither side is on the default branch main, and theirs (files not committed yet) is not "
        "committed yet"
    )
    assert data["apps"]["blog"]["renames"] == {"0003_blog_post": "0004_blog_post"}


@pytest.mark.parametrize("how", ["config", "option"])
def test_the_default_branch_can_be_named(repo: DjangoRepo, how: str) -> None:
    """The team deploys from ``develop``: its migrations stay, even when merged into main."""
    repo.git("branch", "develop")
    repo.git("checkout", "-q", "develop")
    repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag")
    repo.commit("Develop")
    repo.git("checkout", "-q", "main")
    repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
    repo.commit("Main")
    args: tuple[str, ...] = ("--base", "develop")
    if how == "config":
        repo.write(
            "pyproject.toml", '[tool.django-migration-manifest]\ndefault-branch = "develop"\n'
        )
        repo.git.commit_all("Configure")
        args = ()
    assert repo.merge("develop") != 0
    code, data = repo.resolve_json(*args)
    assert code == 0, data["problems"]
    assert data["operation"]["default_branch"] == "develop"
    blog = data["apps"]["blog"]
    assert (blog["moved_side"], blog["renames"]) == ("ours", {"0003_blog_post": "0004_blog_post"})


def test_both_branches_changing_one_field_is_a_warning(repo: DjangoRepo) -> None:
    def alter(name: str, max_length: int) -> None:
        repo.write(
            f"{BLOG}/{name}.py",
            "from django.db import migrations, models\n\n\n"
            "class Migration(migrations.Migration):\n\n"
            "    dependencies = [\n        ('blog', '0002_blog_tag'),\n    ]\n\n"
            "    operations = [\n"
            "        migrations.AlterField(\n"
            "            model_name='blogtag',\n"
            "            name='name',\n"
            f"            field=models.CharField(max_length={max_length}),\n"
            "        ),\n"
            "    ]\n",
        )

    diverge(
        repo,
        on_main=lambda: alter("0003_alter_blogtag_name", 150),
        on_feature=lambda: alter("0003_blogtag_name_longer", 300),
    )
    assert repo.merge("feature") != 0
    code, out, _ = repo.resolve("--dry-run")
    assert code == 0
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "warning[MM207]" in line)
    assert lines[start : start + 4] == [
        f"{BLOG}/0003_blogtag_name_longer.py:11:9: warning[MM207]: both branches change "
        "blog.blogtag.name: AlterField in 0003_alter_blogtag_name (ours) and AlterField in "
        "0003_blogtag_name_longer (theirs)",
        f"    see: {BLOG}/0003_alter_blogtag_name.py:11",
        "    hint: renumbering orders the migrations but cannot reconcile them: review both "
        "changes, then run `manage.py makemigrations --check` and `manage.py migrate`",
        "",
    ]
    code, data = repo.resolve_json("--strategy", "merge", "--dry-run")
    assert [p["code"] for p in data["problems"]] == ["MM207"]
    assert data["problems"][0]["severity"] == "warning"


def test_github_format_annotates_the_problems(repo: DjangoRepo) -> None:
    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag"),
        on_feature=lambda: repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag"),
    )
    assert repo.merge("feature") != 0
    (repo.root / BLOG / "0003_blog_post.py").unlink()
    code, out, _ = repo.cli("--format", "github", "resolve")
    assert code == 1
    [annotation] = [line for line in out.splitlines() if line.startswith("::")]
    assert annotation.startswith(f"::error file={MANIFEST},line=")
    assert "title=MM210 resolve-missing-head::" in annotation


@pytest.mark.parametrize("pull", ["--rebase", "--no-rebase"])
def test_git_pull_on_main_moves_the_unpushed_migration(
    repo: DjangoRepo, tmp_path: Path, pull: str
) -> None:
    """A teammate pushed blog.0003_blog_summary; this developer committed blog.0003_blog_post on
    their local main and pulls. The pushed one stays, even without origin/HEAD (a local main
    holding the unpushed commit is not what "on the default branch" means)."""
    remote = tmp_path / "remote.git"
    repo.git("init", "-q", "--bare", "-b", "main", str(remote))
    repo.git("remote", "add", "origin", str(remote))
    repo.git("push", "-q", "origin", "main")
    repo.git("fetch", "-q", "origin")
    assert repo.git("symbolic-ref", "refs/remotes/origin/HEAD", check=False).returncode != 0
    repo.git("clone", "-q", str(remote), str(tmp_path / "teammate"))
    teammate = DjangoRepo(Git(tmp_path / "teammate"))  # same project files: nothing changes
    teammate.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag")
    teammate.commit("Summary")
    teammate.git("push", "-q", str(remote), "main")
    repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
    repo.commit("Post, not pushed")
    assert repo.git("pull", pull, "origin", "main", check=False).returncode != 0
    code, data = repo.resolve_json()
    assert code == 0, data["problems"]
    assert data["operation"]["default_branch"] == "origin/main"
    blog = data["apps"]["blog"]
    assert blog["renames"] == {"0003_blog_post": "0004_blog_post"}
    assert blog["kept"] == "0003_blog_summary"
    assert_django_happy(
        repo, tmp_path, {"blog": "0004_blog_post", "shop": "0001_initial", "wiki": "0001_initial"}
    )


def test_manifest_conflict_without_two_leaves(repo: DjangoRepo, tmp_path: Path) -> None:
    """Two branches each add a new app that sorts next to the other's: git conflicts on the
    manifest although no app has two leaves. resolve rewrites it with both, and says only that."""
    diverge(repo, on_main=lambda: repo.add_app("cart"), on_feature=lambda: repo.add_app("catalog"))
    assert repo.merge("feature") != 0
    assert repo.unmerged() == {MANIFEST}
    code, out, err = repo.resolve()
    assert (code, err) == (0, "")
    assert plan_lines(out) == [
        f"write   {MANIFEST}: cart: 0001_initial / absent (conflicted) -> 0001_initial",
        f"{MANIFEST}: catalog: absent / 0001_initial (conflicted) -> 0001_initial",
    ]
    assert "Resolved migrations.toml: migrations.toml rewritten. Staged for commit." in out
    assert repo.unmerged() == set()
    assert_django_happy(
        repo,
        tmp_path,
        {
            "blog": "0002_blog_tag",
            "cart": "0001_initial",
            "catalog": "0001_initial",
            "shop": "0001_initial",
            "wiki": "0001_initial",
        },
    )


def test_project_in_a_subfolder_of_the_repository(git: Git, tmp_path: Path) -> None:
    """``--root backend``: git's paths start with ``backend/``; the project's do not."""
    repo = DjangoRepo(git, subfolder="backend")
    for label in ("blog", "shop"):
        repo.add_app(label)
    repo.commit("Initial apps")

    def feature() -> None:
        repo.add_model("blog", "0002_blog_post", "post", "0001_initial")
        repo.add_model(
            "shop",
            "0002_shop_order",
            "order",
            "0001_initial",
            fk=("blog", "post", "0002_blog_post"),
        )

    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0002_blog_summary", "summary", "0001_initial"),
        on_feature=feature,
    )
    assert repo.merge("feature") != 0
    code, data = repo.resolve_json()
    assert code == 0, data["problems"]
    assert data["apps"]["blog"]["reason"] == "0002_blog_summary is on the default branch main"
    assert data["apps"]["blog"]["renames"] == {"0002_blog_post": "0003_blog_post"}
    assert data["staged"] == [
        "blog/migrations/0003_blog_post.py",
        MANIFEST,
        f"{SHOP}/0002_shop_order.py",
    ]
    assert repo.unmerged() == set()
    assert_django_happy(repo, tmp_path, {"blog": "0003_blog_post", "shop": "0002_shop_order"})


def test_dependency_on_a_squashed_away_migration_follows_the_squash(
    repo: DjangoRepo, tmp_path: Path
) -> None:
    """main squashes 0001..0004 and deletes the originals; feature's 0003 still depends on 0002.
    Django loads it through the squash's `replaces`, but resolve points it at the squash and
    numbers it after it."""
    squash = "0001_initial_squashed_0004_blog_author"

    def main() -> None:
        repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
        repo.add_model("blog", "0004_blog_author", "author", "0003_blog_post")
        originals = ["0001_initial", "0002_blog_tag", "0003_blog_post", "0004_blog_author"]
        repo.add_squash("blog", squash, originals, after="0001_initial")
        text = repo.read(f"{BLOG}/{squash}.py").replace(
            "    dependencies = [\n        ('blog', '0001_initial'),\n    ]\n",
            "    initial = True\n\n    dependencies = [\n    ]\n",
        )
        repo.write(f"{BLOG}/{squash}.py", text)
        for name in originals:
            (repo.root / BLOG / f"{name}.py").unlink()

    diverge(
        repo,
        on_main=main,
        on_feature=lambda: repo.add_model("blog", "0003_blog_feat", "feat", "0002_blog_tag"),
    )
    assert repo.merge("feature") != 0
    assert repo.unmerged() == {MANIFEST}

    code, out, err = repo.resolve("--dry-run")
    assert (code, err) == (0, ""), out
    assert (
        f"blog: 0003_blog_feat depends on 0002_blog_tag, which exists only in the `replaces` of "
        f"{squash}: the squash is depended on instead, and theirs moves after it, since "
        f"{squash} is on the default branch main:" in out
    )
    assert plan_lines(out) == [
        f"rename  {BLOG}/0003_blog_feat.py -> {BLOG}/0005_blog_feat.py",
        f"edit    {BLOG}/0003_blog_feat.py:9:18: '0002_blog_tag' -> '{squash}'",
        f"write   migrations.toml: blog: {squash} / 0003_blog_feat (conflicted) -> 0005_blog_feat",
    ]
    assert repo.exists(f"{BLOG}/0003_blog_feat.py")
    code, data = repo.resolve_json("--dry-run")
    assert code == 0
    assert data["apps"]["blog"]["strategy"] == "follow-squash"
    assert data["apps"]["blog"]["renames"] == {"0003_blog_feat": "0005_blog_feat"}

    code, out, err = repo.resolve()
    assert (code, err) == (0, ""), out
    assert not repo.exists(f"{BLOG}/0003_blog_feat.py")
    assert f"        ('blog', '{squash}'),\n" in repo.read(f"{BLOG}/0005_blog_feat.py")
    assert repo.staged()[f"{BLOG}/0005_blog_feat.py"] == "A"
    code, out, err = repo.cli("check")
    assert "MM124" not in out + err
    assert_django_happy(
        repo,
        tmp_path,
        {"blog": "0005_blog_feat", "shop": "0001_initial", "wiki": "0001_initial"},
    )


@pytest.mark.parametrize("direction", ["feature-into-main", "main-into-feature", "rebase"])
def test_a_chain_after_a_squashed_away_migration_moves_after_the_squash(
    repo: DjangoRepo, tmp_path: Path, direction: str
) -> None:
    """feature: 0003 depends on 0002, which main squashed away; 0004 follows 0003, and shop's
    0002 refers to 0004. Whichever way the merge goes, feature's migrations move."""
    squash = "0001_initial_squashed_0003_blog_post"

    def main() -> None:
        repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
        originals = ["0001_initial", "0002_blog_tag", "0003_blog_post"]
        repo.add_squash("blog", squash, originals, after="0001_initial")
        text = repo.read(f"{BLOG}/{squash}.py").replace(
            "    dependencies = [\n        ('blog', '0001_initial'),\n    ]\n",
            "    initial = True\n\n    dependencies = [\n    ]\n",
        )
        repo.write(f"{BLOG}/{squash}.py", text)
        for name in originals:
            (repo.root / BLOG / f"{name}.py").unlink()

    def feature() -> None:
        repo.add_model("blog", "0003_blog_feat", "feat", "0002_blog_tag")
        repo.add_model("blog", "0004_blog_more", "more", "0003_blog_feat")
        repo.add_model(
            "shop",
            "0002_shop_order",
            "order",
            "0001_initial",
            fk=("blog", "more", "0004_blog_more"),
        )

    diverge(repo, on_main=main, on_feature=feature)
    if direction == "rebase":
        repo.git("checkout", "-q", "feature")
        assert repo.git("rebase", "main", check=False).returncode != 0
    elif direction == "main-into-feature":
        repo.git("checkout", "-q", "feature")
        assert repo.merge("main") != 0
    else:
        assert repo.merge("feature") != 0
    assert repo.unmerged() == {MANIFEST}
    moving = "ours" if direction == "main-into-feature" else "theirs"

    code, out, err = repo.resolve()
    assert (code, err) == (0, ""), out
    assert (
        f"blog: 0003_blog_feat depends on 0002_blog_tag, which exists only in the `replaces` of "
        f"{squash}: the squash is depended on instead, and {moving} moves after it, since "
        f"{squash} is on the default branch main:" in out.splitlines()
    )
    assert plan_lines(out) == [
        f"rename  {BLOG}/0004_blog_more.py -> {BLOG}/0005_blog_more.py",
        f"rename  {BLOG}/0003_blog_feat.py -> {BLOG}/0004_blog_feat.py",
        f"edit    {BLOG}/0003_blog_feat.py:9:18: '0002_blog_tag' -> '{squash}'",
        f"edit    {BLOG}/0004_blog_more.py:9:18: '0003_blog_feat' -> '0004_blog_feat'",
        f"edit    {SHOP}/0002_shop_order.py:11:18: '0004_blog_more' -> '0005_blog_more'",
        f"write   migrations.toml: blog: {squash} / 0004_blog_more (conflicted) -> 0005_blog_more"
        if direction != "main-into-feature"
        else f"write   migrations.toml: blog: 0004_blog_more / {squash} (conflicted) "
        "-> 0005_blog_more",
    ]
    assert f"        ('blog', '{squash}'),\n" in repo.read(f"{BLOG}/0004_blog_feat.py")
    code, out, err = repo.cli("check")
    assert "MM124" not in out + err
    assert_django_happy(
        repo,
        tmp_path,
        {"blog": "0005_blog_more", "shop": "0002_shop_order", "wiki": "0001_initial"},
    )


def test_a_squashed_away_dependency_on_the_default_branch_is_left_alone(repo: DjangoRepo) -> None:
    """On main itself, a migration that depends on a squashed-away migration is deployed: resolve
    never changes it, and check keeps warning."""
    squash = "0001_initial_squashed_0002_blog_tag"
    originals = ["0001_initial", "0002_blog_tag"]
    repo.add_squash("blog", squash, originals, after="0001_initial")
    text = repo.read(f"{BLOG}/{squash}.py").replace(
        "    dependencies = [\n        ('blog', '0001_initial'),\n    ]\n",
        "    initial = True\n\n    dependencies = [\n    ]\n",
    )
    repo.write(f"{BLOG}/{squash}.py", text)
    for name in originals:
        (repo.root / BLOG / f"{name}.py").unlink()
    repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
    repo.commit("Squash, and a migration after it")
    before = repo.snapshot()

    assert repo.resolve() == (
        1,
        "Nothing to resolve: every app has a single leaf migration and migrations.toml has no "
        "conflict markers.\n",
        "",
    )
    assert repo.snapshot() == before
    code, out, _ = repo.cli("check")
    assert (code, "MM124" in out) == (0, True), out
