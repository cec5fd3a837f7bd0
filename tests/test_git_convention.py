"""The convention, proven with real git: migrations.toml conflicts when two branches change one app.

Every test builds a real repository of Django-style apps, writes migrations the way
``makemigrations`` does, runs ``update`` on each branch as a developer would, commits, and then
lets real ``git merge`` / ``git rebase`` decide. Expected line numbers are always computed from the
file git wrote, never copied from the tool's output.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from conftest import Git, run_cli, run_module
from project_builder import ProjectBuilder

from manifest_core.manifest import parse_manifest

MANIFEST = "migrations.toml"
#: The apps every repository starts with, and their heads on the common ancestor.
BASE_HEADS = {
    "accounts": "0001_initial",
    "blog": "0002_blogitem_slug",
    "books": "0001_initial",
    "shop": "0001_initial",
    "wiki": "0001_initial",
}
#: ``git status --porcelain`` codes of unmerged paths.
UNMERGED = {"DD", "AU", "UD", "UA", "DU", "AA", "UU"}
PROBLEM_KEYS = {
    "code",
    "name",
    "severity",
    "path",
    "line",
    "column",
    "end_line",
    "end_column",
    "message",
    "hint",
    "related",
    "app",
}
GITIGNORE = "__pycache__/\n.migration_manifest_cache/\n"


class Repo:
    """A real git repository of Django apps, driven the way a developer drives it."""

    def __init__(self, git: Git) -> None:
        self.git = git
        self.root = git.path
        self.project = ProjectBuilder(git.path)
        # Pin the marker style so a developer's global git config cannot change the file.
        git("config", "merge.conflictStyle", "merge")

    # --- the CLI --------------------------------------------------------------------------------

    def cli(self, *args: str) -> tuple[int, str, str]:
        return run_cli("--root", str(self.root), *args)

    def update(self) -> str:
        code, out, err = self.cli("update")
        assert code == 0, out + err
        return out

    def check_json(self) -> tuple[int, dict[str, Any]]:
        code, out, err = self.cli("--format", "json", "check")
        assert err == ""
        data: dict[str, Any] = json.loads(out)
        return code, data

    def assert_clean(self) -> None:
        """``check`` passes, and ``update`` would not change a byte."""
        before = self.text()
        code, out, err = self.cli("check")
        assert (code, err) == (0, ""), out + err
        assert f"{MANIFEST} is up to date" in out
        code, out, err = self.cli("update")
        assert (code, out, err) == (0, f"{MANIFEST} is already up to date.\n", "")
        assert self.text() == before

    # --- files ----------------------------------------------------------------------------------

    def text(self) -> str:
        return (self.root / MANIFEST).read_text()

    def read(self, relpath: str) -> str:
        return (self.root / relpath).read_text()

    def add_migration(self, label: str, field: str, after: str | None = None) -> str:
        """The app's next migration (``NNNN_<model>_<field>``); returns its name."""
        after = after or BASE_HEADS[label]
        name = f"{int(after[:4]) + 1:04d}_{self.project.model(label).lower()}_{field}"
        self.project.add_field(label, name, after)
        return name

    # --- git ------------------------------------------------------------------------------------

    def commit_with_update(self, message: str) -> None:
        self.update()
        self.git.commit_all(message)

    def diverge(self, on_main: Callable[[], object], on_feature: Callable[[], object]) -> None:
        """Branch ``feature`` off ``main``; each side changes the apps, runs update, commits."""
        self.git("checkout", "-q", "-b", "feature")
        on_feature()
        self.commit_with_update("Feature work")
        self.git("checkout", "-q", "main")
        on_main()
        self.commit_with_update("Main work")

    def merge(self, *config: str) -> tuple[int, str]:
        """``git merge feature`` on main; returns (exit code, git's output)."""
        options: list[str] = []
        for setting in config:
            options += ["-c", setting]
        result = self.git(*options, "merge", "--no-edit", "feature", check=False)
        return result.returncode, result.stdout + result.stderr

    def status(self) -> dict[str, str]:
        """``{path: two-letter status}`` from ``git status --porcelain``."""
        lines = self.git("status", "--porcelain", "--untracked-files=all").stdout.splitlines()
        return {line[3:]: line[:2] for line in lines}

    def unmerged(self) -> set[str]:
        return {path for path, code in self.status().items() if code in UNMERGED}


@pytest.fixture
def repo(git: Git) -> Repo:
    """Five apps (``accounts`` first, ``wiki`` last), committed on ``main`` with their manifest."""
    repository = Repo(git)
    git.write(".gitignore", GITIGNORE)
    for label in BASE_HEADS:
        repository.project.add_app(label)
    repository.project.add_field("blog", BASE_HEADS["blog"], "0001_initial")
    out = repository.update()
    assert out.startswith(f"Created {MANIFEST}:")
    git.commit_all("Initial apps")
    assert parse_manifest(repository.text()).entries.keys() == BASE_HEADS.keys()
    return repository


# --- reading conflicted files, from their text --------------------------------------------------


def lines_starting(text: str, prefix: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(prefix)]


def hunk_lines(text: str) -> list[tuple[int, int]]:
    """``(<<<<<<< line, >>>>>>> line)`` of every conflict hunk, counted in the text itself."""
    starts, ends = lines_starting(text, "<<<<<<< "), lines_starting(text, ">>>>>>> ")
    assert len(starts) == len(ends)
    assert all(s < e for s, e in zip(starts, ends, strict=True))
    return list(zip(starts, ends, strict=True))


def table_line(text: str, label: str) -> int:
    found = lines_starting(text, f"[apps.{label}]")
    assert len(found) == 1, found
    return found[0]


def class_line(path: Path) -> int:
    found = lines_starting(path.read_text(), "class Migration(")
    assert len(found) == 1
    return found[0]


def conflict_message(start: int, end: int, described: Iterable[str]) -> str:
    return f"git conflict markers (lines {start}-{end}): {'; '.join(described)}"


def by_code(problems: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [p for p in problems if p["code"] == code]


def assert_conflict_problem(
    problem: dict[str, Any], start: int, end: int, described: Iterable[str]
) -> None:
    """The exact JSON of an MM002 problem on the hunk ``start``-``end``."""
    assert set(problem) == PROBLEM_KEYS
    assert problem["hint"]
    assert {k: v for k, v in problem.items() if k != "hint"} == {
        "code": "MM002",
        "name": "manifest-conflict",
        "severity": "error",
        "path": MANIFEST,
        "line": start,
        "column": 1,
        "end_line": start,
        "end_column": 8,
        "message": conflict_message(start, end, described),
        "related": [{"path": MANIFEST, "line": end}],
        "app": None,
    }


def assert_multiple_leaves(repo: Repo, problem: dict[str, Any], label: str, *leaves: str) -> None:
    """An MM009 problem on one leaf's ``class Migration`` line, pointing at the others."""
    paths = {ProjectBuilder.migration_path(label, leaf) for leaf in leaves}
    assert problem["severity"] == "error"
    assert problem["app"] == label
    assert problem["path"] in paths
    assert {problem["path"]} | {r["path"] for r in problem["related"]} == paths
    assert problem["line"] == class_line(repo.root / problem["path"])
    assert problem["message"].startswith(f"app {label!r} has {len(leaves)} leaf migrations (")
    for leaf in leaves:
        assert leaf in problem["message"]


# --- 1. the same app on both branches -----------------------------------------------------------


def conflict_in_blog(repo: Repo) -> tuple[str, str]:
    """main and feature each add a blog migration after the common head; git merge stops."""
    names: dict[str, str] = {}
    repo.diverge(
        on_main=lambda: names.setdefault("main", repo.add_migration("blog", "summary")),
        on_feature=lambda: names.setdefault("feature", repo.add_migration("blog", "published")),
    )
    assert names == {"main": "0003_blogitem_summary", "feature": "0003_blogitem_published"}
    code, output = repo.merge()
    assert code != 0
    assert f"CONFLICT (content): Merge conflict in {MANIFEST}" in output
    return names["main"], names["feature"]


def test_same_app_on_both_branches_conflicts_in_the_manifest_only(repo: Repo) -> None:
    ours, theirs = conflict_in_blog(repo)
    ours_path = ProjectBuilder.migration_path("blog", ours)
    theirs_path = ProjectBuilder.migration_path("blog", theirs)

    # git stops on migrations.toml, and only there: the migration files have different names.
    status = repo.status()
    assert status[MANIFEST] == "UU"
    assert repo.unmerged() == {MANIFEST}
    assert status[theirs_path] == "A "
    assert ours_path not in status  # already committed on main
    assert repo.read(theirs_path) == repo.git("show", f"feature:{theirs_path}").stdout
    for path in (ours_path, theirs_path):
        assert "<<<<<<<" not in repo.read(path)

    text = repo.text()
    [(start, end)] = hunk_lines(text)
    assert table_line(text, "blog") < start < end < table_line(text, "books")
    described = [f"blog ({ours} vs {theirs})"]

    # JSON: exactly the conflict, on the <<<<<<< line, and the two leaves.
    code, data = repo.check_json()
    assert code == 1
    assert data["ok"] is False
    problems = data["problems"]
    assert sorted(p["code"] for p in problems) == ["MM002", "MM009"]
    [conflict] = by_code(problems, "MM002")
    assert_conflict_problem(conflict, start, end, described)
    [leaves] = by_code(problems, "MM009")
    assert_multiple_leaves(repo, leaves, "blog", ours, theirs)

    # Text.
    code, out, _ = repo.cli("check")
    assert code == 1
    assert f"{MANIFEST}:{start}:1: error[MM002]: {conflict_message(start, end, described)}" in (
        out.splitlines()
    )
    assert f"{leaves['path']}:{leaves['line']}:" in out
    assert "error[MM009]" in out

    # GitHub annotations, from a real `python -m manifest_core` process.
    result = run_module("--root", str(repo.root), "--format", "github", "check", cwd=repo.root)
    assert result.returncode == 1, result.stderr
    annotations = result.stdout.splitlines()
    assert len(annotations) == 2
    [mm002] = [a for a in annotations if a.startswith(f"::error file={MANIFEST},line={start},")]
    assert "title=MM002 manifest-conflict::" in mm002
    assert conflict_message(start, end, described) in mm002
    [mm009] = [a for a in annotations if a.startswith(f"::error file={leaves['path']},")]
    assert f",line={leaves['line']}," in mm009
    assert "title=MM009 multiple-leaves::" in mm009


# --- 2. different apps on the two branches ------------------------------------------------------


@pytest.mark.parametrize(
    ("main_apps", "feature_apps"),
    [
        pytest.param(("blog",), ("books",), id="adjacent-blog-books"),
        pytest.param(("books",), ("blog",), id="adjacent-books-blog"),
        pytest.param(("accounts",), ("blog",), id="first-app-and-its-neighbour"),
        pytest.param(("wiki",), ("shop",), id="last-app-and-its-neighbour"),
        pytest.param(("accounts",), ("wiki",), id="first-and-last"),
        pytest.param(("accounts", "books", "wiki"), ("blog", "shop"), id="interleaved-all-apps"),
    ],
)
def test_different_apps_merge_cleanly(
    repo: Repo, main_apps: tuple[str, ...], feature_apps: tuple[str, ...]
) -> None:
    heads = dict(BASE_HEADS)

    def add(labels: tuple[str, ...], field: str) -> None:
        for label in labels:
            heads[label] = repo.add_migration(label, field)

    repo.diverge(
        on_main=lambda: add(main_apps, "summary"), on_feature=lambda: add(feature_apps, "tag")
    )
    code, output = repo.merge()
    assert code == 0, output
    assert repo.status() == {}
    text = repo.text()
    assert hunk_lines(text) == []
    manifest = parse_manifest(text)
    assert {label: e.head for label, e in manifest.entries.items()} == heads
    assert all(heads[label] != BASE_HEADS[label] for label in (*main_apps, *feature_apps))
    repo.assert_clean()


# --- 3. a new app next to an app that gained a migration -----------------------------------------


@pytest.mark.parametrize(
    ("new_app", "neighbour"),
    [
        pytest.param("blogroll", "blog", id="new-app-after-changed-app"),
        pytest.param("blogroll", "books", id="new-app-before-changed-app"),
        pytest.param("aardvark", "accounts", id="new-first-app"),
        pytest.param("zine", "wiki", id="new-last-app"),
    ],
)
@pytest.mark.parametrize("new_app_on", ["main", "feature"])
def test_new_app_next_to_changed_app_merges_cleanly(
    repo: Repo, new_app: str, neighbour: str, new_app_on: str
) -> None:
    names: list[str] = []

    def new() -> None:
        repo.project.add_app(new_app)

    def changed() -> None:
        names.append(repo.add_migration(neighbour, "summary"))

    if new_app_on == "main":
        repo.diverge(on_main=new, on_feature=changed)
    else:
        repo.diverge(on_main=changed, on_feature=new)
    code, output = repo.merge()
    assert code == 0, output
    assert repo.status() == {}
    text = repo.text()
    assert hunk_lines(text) == []
    entries = parse_manifest(text).entries
    assert list(entries) == sorted({*BASE_HEADS, new_app})
    assert entries[new_app].head == "0001_initial"
    assert entries[new_app].path == f"{new_app}/migrations"
    assert entries[neighbour].head == names[0]
    repo.assert_clean()


# --- 4. two new apps that sort next to each other ------------------------------------------------


def test_two_new_adjacent_apps_conflict_and_update_resolves_it(repo: Repo) -> None:
    """Documented behaviour: both branches insert a table at the same place, so git conflicts.

    ``cart`` and ``catalog`` both sort between ``books`` and ``shop``. Git sees two insertions at
    one position and stops, although no app has two leaves. ``check`` reports it as MM002 (and
    nothing else), naming both new apps, each absent on the other side; ``update`` then rewrites
    the file with both apps and the merge can be committed.
    """
    repo.diverge(
        on_main=lambda: repo.project.add_app("cart"),
        on_feature=lambda: repo.project.add_app("catalog"),
    )
    code, output = repo.merge()
    assert code != 0
    assert f"CONFLICT (content): Merge conflict in {MANIFEST}" in output
    assert repo.unmerged() == {MANIFEST}
    text = repo.text()
    [(start, end)] = hunk_lines(text)
    assert table_line(text, "books") < start < end < table_line(text, "shop")
    assert lines_starting(text, "[apps.cart]")[0] in range(start, end)
    assert lines_starting(text, "[apps.catalog]")[0] in range(start, end)

    code, data = repo.check_json()
    assert code == 1
    [problem] = data["problems"]
    described = ["cart (0001_initial vs absent)", "catalog (absent vs 0001_initial)"]
    assert_conflict_problem(problem, start, end, described)
    manifest = parse_manifest(text)
    assert manifest.conflicted_labels() == {"cart", "catalog"}

    assert repo.update().splitlines() == [
        f"Updated {MANIFEST}:",
        "  cart: 0001_initial / absent (conflicted) -> 0001_initial",
        "  catalog: absent / 0001_initial (conflicted) -> 0001_initial",
    ]
    assert hunk_lines(repo.text()) == []
    repo.assert_clean()
    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-edit")
    assert repo.status() == {}


# --- 5. rebase ------------------------------------------------------------------------------------


def test_rebase_stops_on_the_manifest_and_renumbering_finishes_it(repo: Repo) -> None:
    names: dict[str, str] = {}
    repo.diverge(
        on_main=lambda: names.setdefault("main", repo.add_migration("blog", "summary")),
        on_feature=lambda: names.setdefault("feature", repo.add_migration("blog", "published")),
    )
    repo.git("checkout", "-q", "feature")
    result = repo.git("rebase", "main", check=False)
    assert result.returncode != 0
    assert f"CONFLICT (content): Merge conflict in {MANIFEST}" in result.stdout + result.stderr
    assert (repo.root / ".git" / "rebase-merge").is_dir() or (
        repo.root / ".git" / "rebase-apply"
    ).is_dir()
    assert repo.unmerged() == {MANIFEST}

    # During a rebase "ours" is the branch rebased onto (main), "theirs" the replayed commit.
    text = repo.text()
    [(start, end)] = hunk_lines(text)
    code, data = repo.check_json()
    assert code == 1
    assert sorted(p["code"] for p in data["problems"]) == ["MM002", "MM009"]
    [conflict] = by_code(data["problems"], "MM002")
    assert_conflict_problem(conflict, start, end, [f"blog ({names['main']} vs {names['feature']})"])
    assert_multiple_leaves(
        repo, by_code(data["problems"], "MM009")[0], "blog", names["main"], names["feature"]
    )

    # Renumber the feature's migration after main's head, as the manifest's header advises.
    (repo.root / ProjectBuilder.migration_path("blog", names["feature"])).unlink()
    renumbered = repo.add_migration("blog", "published", after=names["main"])
    assert renumbered == "0004_blogitem_published"
    assert repo.update().splitlines() == [
        f"Updated {MANIFEST}:",
        f"  blog: {names['main']} / {names['feature']} (conflicted) -> {renumbered}",
    ]
    repo.assert_clean()
    repo.git("add", "-A")
    repo.git("-c", "core.editor=true", "rebase", "--continue")
    assert repo.status() == {}
    assert repo.git("rev-parse", "HEAD~1").stdout == repo.git("rev-parse", "main").stdout
    assert parse_manifest(repo.text()).entries["blog"].head == renumbered


# --- 6. diff3 and zdiff3 markers -----------------------------------------------------------------


@pytest.mark.parametrize("style", ["diff3", "zdiff3"])
def test_diff3_styles_expose_the_common_ancestor(repo: Repo, style: str) -> None:
    names: dict[str, str] = {}
    repo.diverge(
        on_main=lambda: names.setdefault("main", repo.add_migration("blog", "summary")),
        on_feature=lambda: names.setdefault("feature", repo.add_migration("blog", "published")),
    )
    code, output = repo.merge(f"merge.conflictStyle={style}")
    assert code != 0, output
    text = repo.text()
    [(start, end)] = hunk_lines(text)
    [base_line] = lines_starting(text, "||||||| ")
    [middle_line] = lines_starting(text, "=======")
    assert start < base_line < middle_line < end

    manifest = parse_manifest(text)
    assert manifest.conflict is not None
    [hunk] = manifest.conflict.hunks
    assert (hunk.start, hunk.base, hunk.middle, hunk.end) == (start, base_line, middle_line, end)
    assert manifest.base is not None
    assert manifest.theirs is not None
    assert manifest.base["blog"].head == BASE_HEADS["blog"]
    assert manifest.entries["blog"].head == names["main"]
    assert manifest.theirs["blog"].head == names["feature"]
    for side in (manifest.base, manifest.entries, manifest.theirs):
        assert list(side) == list(BASE_HEADS)
        assert {label: side[label].head for label in side if label != "blog"} == {
            label: head for label, head in BASE_HEADS.items() if label != "blog"
        }
    assert manifest.conflicted_labels() == {"blog"}

    code, data = repo.check_json()
    assert code == 1
    assert sorted(p["code"] for p in data["problems"]) == ["MM002", "MM009"]
    [conflict] = by_code(data["problems"], "MM002")
    assert_conflict_problem(conflict, start, end, [f"blog ({names['main']} vs {names['feature']})"])


# --- 7. several apps conflicted at once ----------------------------------------------------------


@pytest.mark.parametrize("style", ["merge", "diff3", "zdiff3"])
def test_several_conflicted_apps_are_all_reported(repo: Repo, style: str) -> None:
    heads: dict[str, dict[str, str]] = {"main": {}, "feature": {}}

    def change(branch: str, field: str) -> None:
        for label in ("blog", "shop"):
            heads[branch][label] = repo.add_migration(label, field)

    repo.diverge(
        on_main=lambda: change("main", "summary"), on_feature=lambda: change("feature", "tag")
    )
    code, output = repo.merge(f"merge.conflictStyle={style}")
    assert code != 0, output
    assert repo.unmerged() == {MANIFEST}
    text = repo.text()
    hunks = hunk_lines(text)
    assert len(lines_starting(text, "||||||| ")) == (0 if style == "merge" else 2)
    # `books` lies between the two apps, so git keeps one hunk per app.
    assert len(hunks) == 2
    (blog_start, blog_end), (shop_start, shop_end) = hunks
    assert table_line(text, "blog") < blog_start < blog_end < table_line(text, "books")
    assert table_line(text, "shop") < shop_start < shop_end < table_line(text, "wiki")

    manifest = parse_manifest(text)
    assert manifest.conflicted_labels() == {"blog", "shop"}
    assert manifest.conflict is not None
    assert [(h.start, h.end) for h in manifest.conflict.hunks] == hunks
    assert manifest.theirs is not None
    for label in ("blog", "shop"):
        assert manifest.entries[label].head == heads["main"][label]
        assert manifest.theirs[label].head == heads["feature"][label]
    if style == "merge":
        assert manifest.base is None
    else:
        assert manifest.base is not None
        assert {label: e.head for label, e in manifest.base.items()} == BASE_HEADS

    code, data = repo.check_json()
    assert code == 1
    problems = data["problems"]
    assert sorted(p["code"] for p in problems) == ["MM002", "MM002", "MM009", "MM009"]
    conflicts = by_code(problems, "MM002")
    main, feature = heads["main"], heads["feature"]
    assert_conflict_problem(
        conflicts[0], blog_start, blog_end, [f"blog ({main['blog']} vs {feature['blog']})"]
    )
    assert_conflict_problem(
        conflicts[1], shop_start, shop_end, [f"shop ({main['shop']} vs {feature['shop']})"]
    )
    leaves = sorted(by_code(problems, "MM009"), key=lambda p: str(p["path"]))
    assert_multiple_leaves(repo, leaves[0], "blog", main["blog"], feature["blog"])
    assert_multiple_leaves(repo, leaves[1], "shop", main["shop"], feature["shop"])


# --- 8. one hunk across two apps -----------------------------------------------------------------


def change_blog_and_books_on_both_branches(repo: Repo) -> dict[str, dict[str, str]]:
    """Both branches add a migration to each of the adjacent apps ``blog`` and ``books``."""
    heads: dict[str, dict[str, str]] = {"main": {}, "feature": {}}

    def change(branch: str, field: str) -> None:
        for label in ("blog", "books"):
            heads[branch][label] = repo.add_migration(label, field)

    repo.diverge(
        on_main=lambda: change("main", "summary"), on_feature=lambda: change("feature", "tag")
    )
    return heads


def test_one_hunk_spanning_two_adjacent_apps_names_both(repo: Repo) -> None:
    """Both branches change ``blog`` and ``books``: git joins the two conflicts into one hunk.

    Only three lines (blog's ``path``, the blank line and ``[apps.books]``) separate the two
    conflicted ``head`` lines, and with the default marker style git joins conflicts that close
    into a single hunk.
    """
    heads = change_blog_and_books_on_both_branches(repo)
    code, output = repo.merge()
    assert code != 0, output
    text = repo.text()
    [(start, end)] = hunk_lines(text)
    assert table_line(text, "blog") < start
    books_headers = lines_starting(text, "[apps.books]")
    assert len(books_headers) == 2  # once on each side, both inside the hunk
    assert all(start < n < end for n in books_headers)
    assert end < table_line(text, "shop")

    manifest = parse_manifest(text)
    assert manifest.conflicted_labels() == {"blog", "books"}
    code, data = repo.check_json()
    assert code == 1
    [conflict] = by_code(data["problems"], "MM002")
    main, feature = heads["main"], heads["feature"]
    assert_conflict_problem(
        conflict,
        start,
        end,
        [
            f"blog ({main['blog']} vs {feature['blog']})",
            f"books ({main['books']} vs {feature['books']})",
        ],
    )
    assert len(by_code(data["problems"], "MM009")) == 2
    assert sorted(p["code"] for p in data["problems"]) == ["MM002", "MM009", "MM009"]


@pytest.mark.parametrize("style", ["diff3", "zdiff3"])
def test_diff3_styles_keep_adjacent_apps_in_separate_hunks(repo: Repo, style: str) -> None:
    """The same change as above, merged with diff3 or zdiff3 markers: git does not join the
    conflicts there (each keeps its base section), so each app gets its own hunk and problem."""
    heads = change_blog_and_books_on_both_branches(repo)
    code, output = repo.merge(f"merge.conflictStyle={style}")
    assert code != 0, output
    text = repo.text()
    hunks = hunk_lines(text)
    assert len(hunks) == 2
    (blog_start, blog_end), (books_start, books_end) = hunks
    assert table_line(text, "blog") < blog_start < blog_end < table_line(text, "books")
    assert table_line(text, "books") < books_start < books_end < table_line(text, "shop")

    manifest = parse_manifest(text)
    assert manifest.conflicted_labels() == {"blog", "books"}
    assert manifest.base is not None
    assert {label: e.head for label, e in manifest.base.items()} == BASE_HEADS
    code, data = repo.check_json()
    assert code == 1
    assert sorted(p["code"] for p in data["problems"]) == ["MM002", "MM002", "MM009", "MM009"]
    blog, books = by_code(data["problems"], "MM002")
    main, feature = heads["main"], heads["feature"]
    assert_conflict_problem(
        blog, blog_start, blog_end, [f"blog ({main['blog']} vs {feature['blog']})"]
    )
    assert_conflict_problem(
        books, books_start, books_end, [f"books ({main['books']} vs {feature['books']})"]
    )


# --- 9. resolving with a merge migration ---------------------------------------------------------


def test_merge_migration_then_update_resolves_and_commits(repo: Repo) -> None:
    ours, theirs = conflict_in_blog(repo)
    conflicted = repo.text()

    # update refuses while blog has two leaves, and leaves the file alone.
    code, out, err = repo.cli("update")
    assert code == 1, out + err
    assert "MM009" in out
    assert f"{MANIFEST} was not written" in out
    assert repo.text() == conflicted

    # What `makemigrations --merge` writes.
    merge_name = "0004_merge_20250314_0926"
    merge_path = repo.project.add_merge("blog", merge_name, [ours, theirs])
    assert f"('blog', '{ours}'),\n        ('blog', '{theirs}')," in repo.read(merge_path)

    assert repo.update().splitlines() == [
        f"Updated {MANIFEST}:",
        f"  blog: {ours} / {theirs} (conflicted) -> {merge_name}",
    ]
    text = repo.text()
    assert hunk_lines(text) == []
    assert "=======" not in text
    manifest = parse_manifest(text)
    assert not manifest.conflicted
    assert {label: e.head for label, e in manifest.entries.items()} == {
        **BASE_HEADS,
        "blog": merge_name,
    }
    repo.assert_clean()
    result = run_module("--root", str(repo.root), "check", cwd=repo.root)
    assert result.returncode == 0, result.stdout + result.stderr

    repo.git("add", "-A")
    repo.git("commit", "-q", "--no-edit")
    assert repo.status() == {}
    assert not (repo.root / ".git" / "MERGE_HEAD").exists()
    parents = repo.git("rev-list", "--parents", "-n", "1", "HEAD").stdout.split()
    assert len(parents) == 3  # a real merge commit: itself and two parents
    committed = repo.git("show", f"HEAD:{MANIFEST}").stdout
    assert committed == text


# --- the convention's edges ----------------------------------------------------------------------


def test_app_deleted_on_one_branch_and_migrated_on_the_other_conflicts(repo: Repo) -> None:
    """main deletes the ``books`` app; feature adds a migration to it. Git merges the files
    (the new migration lands in a folder with no ``__init__.py``), and stops on the manifest."""
    names: list[str] = []
    repo.diverge(
        on_main=lambda: shutil.rmtree(repo.root / "books"),
        on_feature=lambda: names.append(repo.add_migration("books", "summary")),
    )
    code, output = repo.merge()
    assert code != 0, output
    assert f"CONFLICT (content): Merge conflict in {MANIFEST}" in output
    assert repo.unmerged() == {MANIFEST}
    assert repo.status()[ProjectBuilder.migration_path("books", names[0])] == "A "
    assert not (repo.root / "books" / "migrations" / "__init__.py").exists()

    text = repo.text()
    [(start, end)] = hunk_lines(text)
    assert table_line(text, "blog") < start
    assert start < table_line(text, "books") < end < table_line(text, "shop")
    code, data = repo.check_json()
    assert code == 1
    errors = [p for p in data["problems"] if p["severity"] == "error"]
    [conflict] = errors
    assert_conflict_problem(conflict, start, end, [f"books (absent vs {names[0]})"])
    # Django would see no migrations for books any more: reported as a note, not an error.
    others = [(p["code"], p["path"]) for p in data["problems"] if p is not conflict]
    assert others == [("MM114", "books/migrations")]


def test_same_migration_name_on_both_branches_conflicts_in_the_migration_file(
    repo: Repo,
) -> None:
    """Both branches write ``0003_blogitem_title`` with different contents: the manifest lines are
    identical on both sides and merge cleanly; git stops on the migration file instead, and
    ``check`` reports its conflict markers (MM101) on the ``<<<<<<<`` line."""
    name = "0003_blogitem_title"
    path = ProjectBuilder.migration_path("blog", name)

    def write(max_length: int) -> None:
        repo.project.add_field("blog", name, BASE_HEADS["blog"])
        target = repo.root / path
        field = f"CharField(max_length={max_length}, "
        target.write_text(target.read_text().replace("TextField(", field))

    repo.diverge(on_main=lambda: write(100), on_feature=lambda: write(200))
    code, output = repo.merge()
    assert code != 0, output
    assert f"CONFLICT (add/add): Merge conflict in {path}" in output
    assert repo.unmerged() == {path}
    text = repo.text()
    assert hunk_lines(text) == []
    assert parse_manifest(text).entries["blog"].head == name

    [marker] = lines_starting(repo.read(path), "<<<<<<< ")
    code, data = repo.check_json()
    assert code == 1
    [problem] = data["problems"]
    assert (problem["code"], problem["path"], problem["line"]) == ("MM101", path, marker)
