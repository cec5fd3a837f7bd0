"""resolve refuses, with an exact message, whenever it cannot resolve safely; nothing is written.

Every test snapshots the work tree and git's index before the refused run and compares after.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Git, run_cli
from resolve_project import DjangoRepo

from manifest_core import fsops

MANIFEST = "migrations.toml"
BLOG = "blog/migrations"
REFUSED = "resolve changed nothing: fix the problems above, then run it again."
MERGE_HEADER = (
    "resolve: a merge in progress: feature (theirs) into main (ours); default branch: main."
)


@pytest.fixture
def repo(git: Git) -> DjangoRepo:
    project = DjangoRepo(git)
    for label in ("blog", "shop"):
        project.add_app(label)
    project.add_model("blog", "0002_blog_tag", "tag", "0001_initial")
    project.commit("Initial apps")
    return project


def diverge(
    repo: DjangoRepo, on_main: Callable[[], object], on_feature: Callable[[], object]
) -> None:
    repo.git("checkout", "-q", "-b", "feature")
    on_feature()
    repo.commit("Feature work")
    repo.git("checkout", "-q", "main")
    on_main()
    repo.commit("Main work")


def summary_vs_post(repo: DjangoRepo) -> None:
    """main adds blog 0003_blog_summary, feature 0003_blog_post; merging stops on the manifest."""
    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag"),
        on_feature=lambda: repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag"),
    )
    assert repo.merge("feature") != 0


class Untouched:
    """The work tree and the index, to prove a refused run wrote nothing."""

    def __init__(self, repo: DjangoRepo) -> None:
        self.repo = repo
        self.before = self.state()

    def state(self) -> tuple[dict[str, bytes], str, str]:
        git = self.repo.git
        index = (
            git("ls-files", "-s", "--debug", check=False).stdout
            if (self.repo.root / ".git").exists()
            else ""
        )
        status = (
            git("status", "--porcelain", check=False).stdout
            if (self.repo.root / ".git").exists()
            else ""
        )
        return self.repo.snapshot(), index, status

    def check(self) -> None:
        assert self.state() == self.before


@pytest.fixture
def untouched(repo: DjangoRepo) -> Iterator[Callable[[], Untouched]]:
    made: list[Untouched] = []

    def start() -> Untouched:
        made.append(Untouched(repo))
        return made[-1]

    yield start
    for item in made:
        item.check()


def test_no_conflict_is_not_a_success(repo: DjangoRepo, untouched: Callable[[], Untouched]) -> None:
    untouched()
    assert repo.resolve() == (
        1,
        "Nothing to resolve: every app has a single leaf migration and migrations.toml has no "
        "conflict markers.\n",
        "",
    )
    code, data = repo.resolve_json()
    assert code == 1
    assert (data["ok"], data["nothing_to_do"], data["applied"]) == (False, True, False)
    assert data["plan"]["renames"] == data["plan"]["edits"] == []


def test_conflict_markers_in_a_migration_file(
    repo: DjangoRepo, untouched: Callable[[], Untouched]
) -> None:
    """Both branches wrote 0003_blog_title with different contents: git conflicts inside it."""

    def write(max_length: int) -> None:
        repo.add_model("blog", "0003_blog_title", "title", "0002_blog_tag")
        path = repo.root / BLOG / "0003_blog_title.py"
        path.write_text(path.read_text().replace("max_length=100", f"max_length={max_length}"))

    diverge(repo, on_main=lambda: write(101), on_feature=lambda: write(202))
    assert repo.merge("feature") != 0
    marker = repo.read(f"{BLOG}/0003_blog_title.py").splitlines().index("<<<<<<< HEAD") + 1
    untouched()
    code, out, err = repo.resolve()
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        MERGE_HEADER,
        "",
        f"{BLOG}/0003_blog_title.py:{marker}:1: error[MM101]: contains git conflict markers; the "
        "graph uses the first side of each conflict",
        "    hint: finish the git merge in this file first: keep one side or combine them by hand",
        REFUSED,
    ]


def test_missing_migration_file(repo: DjangoRepo, untouched: Callable[[], Untouched]) -> None:
    summary_vs_post(repo)
    (repo.root / BLOG / "0003_blog_post.py").unlink()
    line = repo.read(MANIFEST).splitlines().index('head = "0003_blog_post"') + 1
    untouched()
    code, out, _ = repo.resolve()
    assert code == 1
    assert out.splitlines()[2:] == [
        f"{MANIFEST}:{line}:1: error[MM210]: migrations.toml records blog's head as "
        f"0003_blog_post (theirs), but there is no {BLOG}/0003_blog_post.py",
        "    hint: restore the file (for example `git checkout MERGE_HEAD -- <path>`), or fix the "
        "migrations and run `python -m manifest_core update`",
        REFUSED,
    ]


def test_unparsable_migration(repo: DjangoRepo, untouched: Callable[[], Untouched]) -> None:
    def feature() -> None:
        repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
        path = repo.root / BLOG / "0003_blog_post.py"
        path.write_text(path.read_text().replace("    operations = [", "    operations = [[", 1))

    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag"),
        on_feature=feature,
    )
    assert repo.merge("feature") != 0
    untouched()
    code, out, _ = repo.resolve()
    assert code == 1
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert out.splitlines()[-3:] == [
        f"{BLOG}/0003_blog_post.py:12:18: error[MM202]: 0003_blog_post must be renamed and "
        f"edited, but it does not parse on Python {python} ('[' was never closed, line 12); "
        "resolve only changes migrations it can parse",
        "    hint: fix the syntax error, or run resolve with the Python version the project uses",
        REFUSED,
    ]


def test_dependency_on_an_unknown_migration(
    repo: DjangoRepo, untouched: Callable[[], Untouched]
) -> None:
    summary_vs_post(repo)
    path = repo.root / BLOG / "0003_blog_post.py"
    path.write_text(
        path.read_text().replace(
            "        ('blog', '0002_blog_tag'),\n",
            "        ('blog', '0002_blog_tag'),\n        ('blog', '0002_blog_gone'),\n",
        )
    )
    untouched()
    code, out, _ = repo.resolve()
    assert code == 1
    assert out.splitlines()[2:] == [
        f"{BLOG}/0003_blog_post.py:10:18: error[MM110]: blog.0003_blog_post depends on "
        "blog.0002_blog_gone, which does not exist",
        "    hint: fix the reference, or restore the missing migration",
        REFUSED,
    ]


def test_target_file_already_exists(repo: DjangoRepo, untouched: Callable[[], Untouched]) -> None:
    """main numbered out of order: its 0004_blog_post sits before its head 0003_blog_summary."""

    def main() -> None:
        repo.add_model("blog", "0004_blog_post", "older", "0002_blog_tag")
        repo.add_model("blog", "0003_blog_summary", "summary", "0004_blog_post")

    diverge(
        repo,
        on_main=main,
        on_feature=lambda: repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag"),
    )
    assert repo.merge("feature") != 0
    untouched()
    code, out, _ = repo.resolve()
    assert code == 1
    assert out.splitlines()[-3:] == [
        f"{BLOG}/0003_blog_post.py:6:7: error[MM201]: renaming {BLOG}/0003_blog_post.py to "
        f"0004_blog_post.py would overwrite {BLOG}/0004_blog_post.py, which already exists",
        "    hint: resolve never overwrites a file: move or delete the file in the way, or use "
        "`--strategy merge`",
        REFUSED,
    ]


def test_not_a_git_repository(repo: DjangoRepo, tmp_path: Path) -> None:
    summary_vs_post(repo)
    plain = tmp_path / "plain"
    shutil.copytree(repo.root, plain, ignore=shutil.ignore_patterns(".git"))
    before = {p: p.read_bytes() for p in plain.rglob("*") if p.is_file()}
    code, out, err = run_cli("--root", str(plain), "resolve")
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        "resolve: not a git repository; default branch: none found.",
        "",
        f"{BLOG}/0003_blog_post.py:6:7: error[MM204]: not a git repository, so resolve cannot "
        "tell which of blog's migrations are on the default branch; pass --move theirs to move "
        "0003_blog_post, or --move ours to move 0003_blog_summary",
        f"    see: {BLOG}/0003_blog_summary.py:6",
        "    hint: pass `--move ours` or `--move theirs`, or use `--strategy merge`, which moves "
        "nothing",
        REFUSED,
    ]
    assert {p: p.read_bytes() for p in plain.rglob("*") if p.is_file()} == before
    # what it asks for works: the side migrations.toml's conflict lists second moves
    code, out, err = run_cli("--root", str(plain), "resolve", "--move", "theirs")
    assert (code, err) == (0, ""), out
    assert (
        "Resolved blog: 1 migration renamed, 1 reference rewritten, migrations.toml rewritten."
        in out
    )
    assert (plain / BLOG / "0004_blog_post.py").exists()
    assert not (plain / BLOG / "0003_blog_post.py").exists()
    code, out, _ = run_cli("--root", str(plain), "check")
    assert code == 0, out


def test_not_a_git_repository_and_no_record_of_either_side(
    repo: DjangoRepo, tmp_path: Path
) -> None:
    summary_vs_post(repo)
    plain = tmp_path / "plain"
    shutil.copytree(repo.root, plain, ignore=shutil.ignore_patterns(".git"))
    (plain / MANIFEST).unlink()
    for args in ((), ("--move", "theirs")):
        code, out, _ = run_cli("--root", str(plain), "resolve", *args)
        assert code == 1
        assert (
            f"{BLOG}/0003_blog_post.py:6:7: error[MM204]: not a git repository, so resolve cannot "
            "tell which of blog's migrations are on the default branch; record the head that "
            "stays in migrations.toml ([apps.blog] head), or use --strategy merge"
        ) in out.splitlines()
    code, out, _ = run_cli("--root", str(plain), "resolve", "--strategy", "merge")
    assert code == 0, out
    assert (plain / BLOG / "0004_merge_0003_blog_post_0003_blog_summary.py").exists()


def test_both_sides_already_on_the_default_branch(
    repo: DjangoRepo, untouched: Callable[[], Untouched]
) -> None:
    summary_vs_post(repo)
    repo.git("checkout", "--ours", MANIFEST)
    repo.git("add", MANIFEST)
    repo.git("commit", "-q", "--no-edit")
    repo.write("README", "later work on main\n")
    repo.git.commit_all("Later")
    untouched()
    code, out, _ = repo.resolve()
    assert code == 1
    assert (
        f"{BLOG}/0003_blog_post.py:6:7: error[MM205]: both of blog's leaves are on the default "
        "branch main (0003_blog_post and 0003_blog_summary): renumbering would rename deployed "
        "migrations"
    ) in out.splitlines()
    assert (
        "    hint: migrations on the default branch must keep their names: use `--strategy merge`"
        in out
    )
    code, out, _ = repo.resolve("--strategy", "merge", "--dry-run")
    assert code == 0, out


def test_three_leaves_need_the_merge_strategy(
    repo: DjangoRepo, untouched: Callable[[], Untouched]
) -> None:
    def feature() -> None:
        repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
        repo.add_model("blog", "0003_blog_page", "page", "0002_blog_tag")

    repo.git("checkout", "-q", "-b", "feature")
    feature()
    repo.git.commit_all("Feature with two leaves already")
    repo.git("checkout", "-q", "main")
    repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag")
    repo.commit("Main")
    repo.merge("feature")
    untouched()
    code, out, _ = repo.resolve()
    assert code == 1
    assert (
        f"{BLOG}/0003_blog_page.py:6:7: error[MM206]: blog has 3 leaf migrations (0003_blog_page, "
        "0003_blog_post, 0003_blog_summary); renumbering puts one branch after the other, so it "
        "needs exactly two"
    ) in out.splitlines()


def test_reference_the_reader_cannot_evaluate(
    repo: DjangoRepo, untouched: Callable[[], Untouched]
) -> None:
    """A dependency computed at import time may name the migration that moves: renaming it
    would leave Django a NodeNotFoundError, so resolve refuses."""

    def feature() -> None:
        repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
        repo.write(
            "shop/migrations/0002_shop_link.py",
            "from django.db import migrations\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    dependencies = [('shop', '0001_initial'), ('blog', str('0003_blog_post'))]\n"
            "    operations = []\n",
        )

    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag"),
        on_feature=feature,
    )
    assert repo.merge("feature") != 0
    untouched()
    code, out, _ = repo.resolve()
    assert code == 1
    assert out.splitlines()[-3:] == [
        "shop/migrations/0002_shop_link.py:5:56: error[MM203]: Migration.dependencies of "
        "0002_shop_link cannot be read statically, so resolve cannot tell whether it names a "
        "migration that is renamed (blog.0003_blog_post)",
        "    hint: write the reference as ('app_label', 'migration_name') so it can be rewritten",
        REFUSED,
    ]
    code, out, _ = repo.resolve("--strategy", "merge", "--dry-run")  # it renames nothing
    assert code == 0, out


def test_reference_that_is_not_a_literal(
    repo: DjangoRepo, untouched: Callable[[], Untouched]
) -> None:
    def feature() -> None:
        repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
        repo.write(
            "shop/migrations/0002_shop_link.py",
            "from django.db import migrations\n\n"
            "POST = ('blog', '0003_blog_post')\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    dependencies = [('shop', '0001_initial'), POST]\n"
            "    operations = []\n",
        )

    diverge(
        repo,
        on_main=lambda: repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag"),
        on_feature=feature,
    )
    assert repo.merge("feature") != 0
    untouched()
    code, out, _ = repo.resolve()
    assert code == 1
    assert (
        "shop/migrations/0002_shop_link.py:7:47: error[MM203]: this reference to "
        "blog.0003_blog_post in dependencies must become blog.0004_blog_post, but it is not a "
        "plain string literal"
    ) in out.splitlines()


def test_usage_errors_exit_2(repo: DjangoRepo, untouched: Callable[[], Untouched]) -> None:
    summary_vs_post(repo)
    untouched()
    assert repo.resolve("--base", "nope") == (
        2,
        "",
        "error: --base nope: no such branch or commit\n",
    )
    assert repo.resolve("--app", "nope") == (
        2,
        "",
        "error: --app nope: no app with that label (apps: blog, shop)\n",
    )
    assert repo.resolve("--strategy", "merge", "--move", "ours") == (
        2,
        "",
        "error: --move applies to the renumber strategy: a merge migration moves nothing\n",
    )
    assert repo.resolve("--database-url", "mysql://db/x") == (
        2,
        "",
        "error: --database-url mysql://db/x: unsupported database (use "
        "sqlite:///path/to/db.sqlite3 or postgresql://user@host/name)\n",
    )


def test_configuration_errors_exit_2_with_their_line(repo: DjangoRepo) -> None:
    summary_vs_post(repo)
    repo.write(
        "pyproject.toml",
        '[tool.django-migration-manifest]\ndefault-branch = "main"\n\n'
        '[tool.django-migration-manifest.resolve]\nstrategy = "rebase"\n',
    )
    before = Untouched(repo)
    assert repo.resolve() == (
        2,
        "",
        "error: pyproject.toml:5: [tool.django-migration-manifest.resolve] strategy: must be one "
        "of 'renumber', 'merge'\n",
    )
    before.check()
    repo.write(
        "pyproject.toml",
        '[tool.django-migration-manifest.resolve]\nstage = true\nmove = "ours"\n',
    )
    before = Untouched(repo)
    assert repo.resolve() == (
        2,
        "",
        "error: pyproject.toml:3: [tool.django-migration-manifest.resolve] move: unknown setting "
        "(known settings: migrate-command, stage, strategy)\n",
    )
    before.check()


def test_settings_change_the_printed_commands_and_staging(repo: DjangoRepo) -> None:
    summary_vs_post(repo)
    repo.write(
        "pyproject.toml",
        "[tool.django-migration-manifest.resolve]\n"
        'migrate-command = "docker compose run web ./manage.py"\nstage = false\n',
    )
    code, out, _ = repo.resolve()
    assert code == 0, out
    assert "    docker compose run web ./manage.py migrate blog 0002_blog_tag" in out
    assert repo.unmerged() == {MANIFEST}  # not staged: the developer adds it
    assert "Staged" not in out
    assert (
        "Next: review the changes, `git add` them, then `git commit` to conclude the merge." in out
    )


def test_failure_while_applying_rolls_everything_back(
    repo: DjangoRepo, untouched: Callable[[], Untouched], monkeypatch: pytest.MonkeyPatch
) -> None:
    summary_vs_post(repo)
    untouched()

    def fail(step: str) -> None:
        if step == "stage":
            raise OSError("disk full (injected)")

    monkeypatch.setattr(fsops, "before_step", fail)
    code, out, err = repo.cli("--format", "json", "resolve")
    assert code == 1
    data = json.loads(out)
    assert data["applied"] is False
    assert data["error"] == "OSError: disk full (injected); every change was rolled back"
    assert err == "error: OSError: disk full (injected); every change was rolled back\n"


def test_a_deleted_migration_is_not_mistaken_for_a_renamed_one(
    repo: DjangoRepo, untouched: Callable[[], Untouched]
) -> None:
    """0002_blog_data was deleted, not renamed: 0003_blog_data has the same content (references
    aside) and the same shape of name, but it existed beside it, so it is not its new name."""
    for name, after in (("0003_blog_data", "0002_blog_tag"), ("0004_blog_data", "0003_blog_data")):
        repo.add_index("blog", name, "tag", after)
    repo.commit("Two data migrations")
    (repo.root / BLOG / "0003_blog_data.py").unlink()
    untouched()
    code, out, _ = repo.resolve()
    assert code == 1
    assert out.splitlines()[-3:] == [
        f"{BLOG}/0004_blog_data.py:9:18: error[MM110]: blog.0004_blog_data depends on "
        "blog.0003_blog_data, which does not exist",
        "    hint: fix the reference, or restore the missing migration",
        REFUSED,
    ]
