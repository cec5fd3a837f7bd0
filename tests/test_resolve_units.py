"""The pure pieces of resolve: numbering, literal edits, insertions, operations, databases, the
API for one app (the language server's quick fix), git queries, and chained renames on disk."""

from __future__ import annotations

import ast
import os
import shutil
import sqlite3
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import Git, write_chain, write_migration
from django.db.migrations.autodetector import MigrationAutodetector

from manifest_core import fsops, gitinfo
from manifest_core.model import Span
from manifest_core.plan import FileRename, Plan, TextEdit, apply_edits
from manifest_core.project import load_project
from manifest_core.resolve import SideContext, plan_resolution
from manifest_core.resolve.database import DatabaseError, applied_migrations
from manifest_core.resolve.merge import merge_name
from manifest_core.resolve.numbering import first_number, parse_number, shift_name
from manifest_core.resolve.operations import touches
from manifest_core.resolve.sources import dependency_insertion, replacement_literal

NAMES = [
    "0001_initial",
    "0012_auto_20240101_1200",
    "0001_initial_squashed_0004_book_price",
    "0001_squashed_0004_book_price",
    "0003_a_squashed_0005_b_squashed_0009_c",
    "add_index",
    "squash_squashed_0007",
    "12_short",
    "00099_wide",
    "0002",
]


@pytest.mark.parametrize("name", NAMES)
def test_parse_number_is_djangos(name: str) -> None:
    assert parse_number(name) == MigrationAutodetector.parse_number(name)


@pytest.mark.parametrize(
    ("name", "delta", "expected"),
    [
        ("0003_blog_post", 1, "0004_blog_post"),
        ("0009_x", 1, "0010_x"),
        ("0999_x", 2, "1001_x"),
        ("00099_wide", 1, "00100_wide"),
        ("12_short", 3, "15_short"),
        ("0001_initial_squashed_0004_book_price", 2, "0003_initial_squashed_0006_book_price"),
        ("0003_a_squashed_0005_b_squashed_0009_c", 1, "0004_a_squashed_0005_b_squashed_0010_c"),
        ("squash_squashed_0007", 1, "squash_squashed_0008"),
        ("add_index", 5, "add_index"),
        ("0003_x", 0, "0003_x"),
    ],
)
def test_shift_name(name: str, delta: int, expected: str) -> None:
    assert shift_name(name, delta) == expected
    if parse_number(name) is not None:
        assert parse_number(expected) == parse_number(name) + delta  # type: ignore[operator]


def test_first_number() -> None:
    assert first_number("0003_a_squashed_0005_b") == 3
    assert first_number("squash_squashed_0007") == 7
    assert first_number("add_index") is None


def test_merge_name_follows_django_for_short_names() -> None:
    # makemigrations --merge: "%04i" % (biggest + 1), "merge", and the sorted leaf names
    assert merge_name(["0003_b", "0004_a"]) == "0005_merge_0003_b_0004_a"
    assert merge_name(["add_x", "add_y"]) == "0002_merge_add_x_add_y"


@pytest.mark.parametrize(
    ("written", "value", "expected"),
    [
        ("'0002_a'", "0002_a", "'0003_b'"),
        ('"0002_a"', "0002_a", '"0003_b"'),
        ("r'0002_a'", "0002_a", "r'0003_b'"),
        ("'''0002_a'''", "0002_a", "'''0003_b'''"),
        ("'00' '02_a'", "0002_a", None),
        ("'0002\\x5fa'", "0002_a", None),
        ("f'0002_a'", "0002_a", None),
    ],
)
def test_replacement_literal(written: str, value: str, expected: str | None) -> None:
    assert replacement_literal(written, value, "0003_b") == expected


MIGRATION = """\
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = {deps}

    operations = []
"""


@pytest.mark.parametrize(
    ("deps", "expected"),
    [
        ("[\n    ]", "[\n        ('blog', '0003_x'),\n    ]"),
        ("[]", "[('blog', '0003_x')]"),
        ("()", "(('blog', '0003_x'),)"),
        (
            "[\n        ('auth', '0001_initial'),\n    ]",
            "[\n        ('auth', '0001_initial'),\n        ('blog', '0003_x'),\n    ]",
        ),
        (
            "[\n        ('auth', '0001_initial')\n    ]",
            "[\n        ('auth', '0001_initial'),\n        ('blog', '0003_x'),\n    ]",
        ),
        ("[('auth', '0001_initial')]", "[('auth', '0001_initial'), ('blog', '0003_x')]"),
        ("(('auth', '0001_initial'),)", "(('auth', '0001_initial'), ('blog', '0003_x'))"),
    ],
)
def test_dependency_insertion(deps: str, expected: str) -> None:
    text = MIGRATION.format(deps=deps)
    insertion = dependency_insertion(text, "blog", "0003_x")
    assert insertion is not None
    result = apply_edits(text, [TextEdit("m.py", insertion.span, insertion.text, "")])
    assert result == MIGRATION.format(deps=expected)
    ast.parse(result)


def test_dependency_insertion_needs_a_literal() -> None:
    assert dependency_insertion(MIGRATION.format(deps="BASE + []"), "blog", "x") is None
    assert dependency_insertion("class Migration:\n    operations = []\n", "blog", "x") is None
    assert dependency_insertion("not python (", "blog", "x") is None


def test_operations_touches() -> None:
    text = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    operations = [
        migrations.AddField(model_name='post', name='title', field=models.TextField()),
        migrations.RemoveField('Post', 'body'),
        migrations.CreateModel(name='Author', fields=[]),
        migrations.RenameField('post', 'a', new_name='b'),
        migrations.RunPython(migrations.RunPython.noop),
        migrations.AddIndex(model_name='author', index=None),
    ]
"""
    found = [(t.operation, t.model, t.field, t.span.line if t.span else 0) for t in touches(text)]
    assert found == [
        ("AddField", "post", "title", 6),
        ("RemoveField", "post", "body", 7),
        ("CreateModel", "author", "", 8),
        ("RenameField", "post", "a", 9),
        ("RenameField", "post", "b", 9),
        ("AddIndex", "author", "", 11),
    ]
    assert touches("broken (") == []


# --- databases -------------------------------------------------------------------------------


def make_sqlite(path: Path, rows: list[tuple[str, str]] | None) -> None:
    connection = sqlite3.connect(path)
    if rows is not None:
        connection.execute("CREATE TABLE django_migrations (id INTEGER, app TEXT, name TEXT)")
        connection.executemany("INSERT INTO django_migrations (app, name) VALUES (?, ?)", rows)
    connection.commit()
    connection.close()


def test_sqlite(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    make_sqlite(database, [("blog", "0001_initial"), ("auth", "0001_initial")])
    before = database.read_bytes()
    assert applied_migrations(f"sqlite:///{database}") == {
        ("blog", "0001_initial"),
        ("auth", "0001_initial"),
    }
    assert applied_migrations("sqlite:///db.sqlite3", cwd=str(tmp_path)) == {
        ("blog", "0001_initial"),
        ("auth", "0001_initial"),
    }
    assert database.read_bytes() == before  # read-only
    empty = tmp_path / "empty.sqlite3"
    make_sqlite(empty, None)
    assert applied_migrations(f"sqlite:///{empty}") == set()


def test_database_errors(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sqlite3"
    with pytest.raises(
        DatabaseError, match=rf"^--database-url sqlite:///{missing}: {missing} does not exist$"
    ):
        applied_migrations(f"sqlite:///{missing}")
    assert not missing.exists()  # never created
    folder = f"--database-url sqlite:///{tmp_path}: {tmp_path} is a folder"
    with pytest.raises(DatabaseError, match=rf"^{folder}, not a database file$"):
        applied_migrations(f"sqlite:///{tmp_path}")
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_text("not a database, just text that is long enough" * 20)
    with pytest.raises(DatabaseError, match="is not a SQLite database"):
        applied_migrations(f"sqlite:///{garbage}")
    with pytest.raises(DatabaseError, match="unsupported database"):
        applied_migrations("mysql://root:secret@db/x")
    with pytest.raises(DatabaseError, match="name a database file"):
        applied_migrations("sqlite://")


@pytest.fixture
def fake_psql(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return folder / "psql"


def write_script(path: Path, body: str) -> None:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_postgres_through_psql(fake_psql: Path, tmp_path: Path) -> None:
    log = tmp_path / "args"
    write_script(fake_psql, f'echo "$@" > {log}\nprintf "blog\\t0001_initial\\nshop\\t0002_x\\n"')
    assert applied_migrations("postgres://me:secret@db:5432/shop") == {
        ("blog", "0001_initial"),
        ("shop", "0002_x"),
    }
    assert "-d postgresql://me:secret@db:5432/shop -c SELECT app, name FROM django_migrations" in (
        log.read_text()
    )
    write_script(
        fake_psql, "echo 'ERROR:  relation \"django_migrations\" does not exist' >&2\nexit 1"
    )
    assert applied_migrations("postgresql://db/shop") == set()
    write_script(fake_psql, "echo 'psql: error: connection refused' >&2\nexit 2")
    with pytest.raises(DatabaseError) as raised:
        applied_migrations("postgresql://me:secret@db/shop")
    assert str(raised.value) == (
        "--database-url postgresql://me:***@db/shop: psql: psql: error: connection refused"
    )


def test_postgres_without_psql(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DatabaseError) as raised:
        applied_migrations("postgresql://db/shop")
    assert str(raised.value) == (
        "--database-url postgresql://db/shop: reading PostgreSQL needs the psql client on PATH "
        "(or use the Django integration, which asks Django's own connection)"
    )


def _postgres_tools() -> tuple[str, str] | None:
    initdb = shutil.which("initdb") or next(
        (str(p) for p in Path("/usr/lib/postgresql").glob("*/bin/initdb")), None
    )
    if not initdb or not shutil.which("psql"):
        return None
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    return (initdb, pg_ctl) if os.path.exists(pg_ctl) else None


def test_real_postgresql() -> None:
    """A throwaway PostgreSQL server, when this machine has one (skipped otherwise)."""
    tools = _postgres_tools()
    if tools is None:
        pytest.skip("PostgreSQL server binaries or psql are not installed")
    initdb, pg_ctl = tools
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser")
        prefix = ["runuser", "-u", "postgres", "--"]
    # a short path (the socket's limit is about 100 bytes) that the server's user can reach
    folder = Path(tempfile.mkdtemp(prefix="mm-pg-", dir="/tmp"))
    folder.chmod(0o777)
    data, socket = folder / "data", folder
    run = subprocess.run
    command = [*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"]
    initialised = run(command, capture_output=True, text=True, timeout=120)
    if initialised.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"initdb failed here: {initialised.stderr[-200:]}")
    port = str(54000 + os.getpid() % 1000)
    options = f"-k {socket} -p {port} -c listen_addresses=''"
    # The server outlives pg_ctl: it must not inherit pipes this test waits on.
    log = str(folder / "server.log")
    started = run(
        [*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", log, "-w", "-t", "30", "start"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )
    if started.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip("the PostgreSQL server did not start")
    try:
        url = f"postgresql://postgres@/postgres?host={socket}&port={port}"
        assert applied_migrations(url) == set()
        sql = (
            "CREATE TABLE django_migrations (id serial, app varchar(255), name varchar(255), "
            "applied timestamptz DEFAULT now());"
            "INSERT INTO django_migrations (app, name) VALUES ('blog', '0003_blog_post');"
        )
        created = run(["psql", "-X", "-q", "-d", url, "-c", sql], capture_output=True, timeout=60)
        assert created.returncode == 0, created.stderr
        assert applied_migrations(url) == {("blog", "0003_blog_post")}
    finally:
        run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


# --- the API, as the language server uses it ---------------------------------------------------


def two_leaves(root: Path) -> None:
    write_chain(root, "blog", "0001_initial", "0002_a")
    write_migration(root, "blog", "0002_b", [("blog", "0001_initial")])
    write_chain(root, "shop", "0001_initial")
    write_migration(root, "shop", "0002_c", [("shop", "0001_initial"), ("blog", "0002_b")])
    (root / "migrations.toml").write_text(
        '[apps.blog]\nhead = "0002_a"\npath = "blog/migrations"\n\n'
        '[apps.shop]\nhead = "0001_initial"\npath = "shop/migrations"\n'
    )


def test_plan_for_one_app_is_data(tmp_path: Path) -> None:
    two_leaves(tmp_path)
    project = load_project(str(tmp_path), use_cache=False)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    # no git: the sides come from migrations.toml, and --move must say which moves
    refused = plan_resolution(project, apps={"blog"})
    assert [p.code for p in refused.errors] == ["MM204"]
    assert refused.plan.empty
    resolution = plan_resolution(project, SideContext(), move="theirs", apps={"blog"})
    assert resolution.ok
    plan = resolution.plan
    assert plan.renames == (FileRename("blog/migrations/0002_b.py", "blog/migrations/0003_b.py"),)
    edits = {(e.path, e.old_text, e.new_text) for e in plan.edits if e.path.endswith(".py")}
    assert edits == {
        ("blog/migrations/0002_b.py", "'0001_initial'", "'0002_a'"),
        ("shop/migrations/0002_c.py", "'0002_b'", "'0003_b'"),
    }
    [app] = resolution.apps
    assert (app.kept, app.kept_side, app.moved_side) == ("0002_a", "ours", "theirs")
    assert resolution.migrate_commands == ("python manage.py migrate blog 0001_initial",)
    assert resolution.manifest_changes == ("blog: 0002_a -> 0003_b", "shop: 0001_initial -> 0002_c")
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before  # pure
    # every edit's range holds exactly the old text
    for edit in plan.edits:
        text = (tmp_path / edit.path).read_text()
        assert apply_edits(text, [edit]) != text


def test_plan_follows_editor_buffers(tmp_path: Path) -> None:
    two_leaves(tmp_path)
    # the open buffer of shop's migration no longer depends on blog.0002_b
    overlay = (
        (tmp_path / "shop/migrations/0002_c.py")
        .read_text()
        .replace("('blog', '0002_b')", "('blog', '0002_a')")
    )
    project = load_project(
        str(tmp_path), overlays={"shop/migrations/0002_c.py": overlay}, use_cache=False
    )
    resolution = plan_resolution(project, move="theirs")
    assert resolution.ok
    assert not [e for e in resolution.plan.edits if e.path.startswith("shop/")]


# --- git ------------------------------------------------------------------------------------


def test_git_queries(git: Git) -> None:
    git.write("a.txt", "a\n")
    git.commit_all("base")
    git("checkout", "-q", "-b", "feature")
    git.write("b.txt", "b\n")
    git.commit_all("feature")
    git("checkout", "-q", "main")
    git.write("c.txt", "c\n")
    git.commit_all("main")
    root = str(git.path)
    assert gitinfo.current_branch(root) == "main"
    assert gitinfo.describe(root, gitinfo.resolve_ref(root, "feature") or "") == "feature"
    assert gitinfo.subject(root, "feature") == "feature"
    assert gitinfo.committed_merge(root) is None
    git("merge", "--no-edit", "-q", "feature")
    merged = gitinfo.committed_merge(root)
    assert merged is not None
    assert (merged.kind, merged.ours, merged.theirs) == (
        "merge-commit",
        gitinfo.resolve_ref(root, "HEAD~1"),
        gitinfo.resolve_ref(root, "feature"),
    )
    assert gitinfo.tracked_files(root) == {"a.txt", "b.txt", "c.txt"}
    git("checkout", "-q", "-b", "pick", "HEAD~1")
    git.write("c.txt", "other\n")
    git.commit_all("conflicting")
    git("cherry-pick", "main~1", check=False)  # main's own commit, changing c.txt
    state = gitinfo.operation(root)
    assert (state.kind, state.theirs) == ("cherry-pick", gitinfo.resolve_ref(root, "main~1"))


def test_rebase_records_the_branch_tip(git: Git) -> None:
    git.write("a.txt", "a\n")
    git.commit_all("base")
    git("checkout", "-q", "-b", "feature")
    git.write("a.txt", "feature\n")
    git.commit_all("feature")
    tip = gitinfo.resolve_ref(str(git.path), "feature")
    git("checkout", "-q", "main")
    git.write("a.txt", "main\n")
    git.commit_all("main")
    git("checkout", "-q", "feature")
    git("rebase", "main", check=False)
    assert gitinfo.operation(str(git.path)).orig_head == tip


# --- chained renames on disk ----------------------------------------------------------------


@pytest.mark.parametrize("use_git", [True, False])
def test_renames_may_take_a_name_an_earlier_rename_vacates(git: Git, use_git: bool) -> None:
    folder = git.path / "blog" / "migrations"
    folder.mkdir(parents=True)
    (folder / "0003_x.py").write_text("three\n")
    (folder / "0004_x.py").write_text("four\n")
    git.commit_all("x")
    plan = Plan(
        "shift",
        edits=(TextEdit("blog/migrations/0003_x.py", Span(1, 0, 1, 5), "THREE", "three"),),
        renames=(
            FileRename("blog/migrations/0004_x.py", "blog/migrations/0005_x.py"),
            FileRename("blog/migrations/0003_x.py", "blog/migrations/0004_x.py"),
        ),
    )
    applied = fsops.apply_plan(
        str(git.path), plan, use_git=use_git, stage=["blog/migrations/0004_x.py"]
    )
    assert (folder / "0004_x.py").read_text() == "THREE\n"
    assert (folder / "0005_x.py").read_text() == "four\n"
    assert not (folder / "0003_x.py").exists()
    assert applied.renamed == [
        ("blog/migrations/0004_x.py", "blog/migrations/0005_x.py"),
        ("blog/migrations/0003_x.py", "blog/migrations/0004_x.py"),
    ]
    if use_git:
        staged = git("diff", "--cached", "--name-status").stdout.split("\n")
        assert "M\tblog/migrations/0004_x.py" in staged
        assert "D\tblog/migrations/0003_x.py" in staged


def test_renames_in_the_wrong_order_are_refused_and_rolled_back(git: Git) -> None:
    folder = git.path / "blog" / "migrations"
    folder.mkdir(parents=True)
    (folder / "0003_x.py").write_text("three\n")
    (folder / "0004_x.py").write_text("four\n")
    plan = Plan(
        "shift",
        renames=(
            FileRename("blog/migrations/0003_x.py", "blog/migrations/0004_x.py"),
            FileRename("blog/migrations/0004_x.py", "blog/migrations/0005_x.py"),
        ),
    )
    with pytest.raises(fsops.ApplyError, match="already exists; nothing was changed"):
        fsops.apply_plan(str(git.path), plan, use_git=False)
    assert sorted(p.name for p in folder.iterdir()) == ["0003_x.py", "0004_x.py"]


def test_run_before_and_replaces_references_follow_a_rename(tmp_path: Path) -> None:
    two_leaves(tmp_path)
    write_migration(tmp_path, "wiki", "0001_initial", [], run_before=[("blog", "0002_b")])
    write_migration(
        tmp_path,
        "blog",
        "0002_b_squashed_0002_b",
        [("blog", "0001_initial")],
        replaces=[("blog", "0002_b")],
    )
    project = load_project(str(tmp_path), use_cache=False)
    resolution = plan_resolution(project, move="theirs")
    assert resolution.ok, resolution.problems
    edits = {
        (e.path, e.old_text, e.new_text) for e in resolution.plan.edits if e.path.endswith(".py")
    }
    assert ("wiki/migrations/0001_initial.py", "'0002_b'", "'0003_b'") in edits
    assert ("blog/migrations/0002_b_squashed_0002_b.py", "'0002_b'", "'0003_b'") in edits
    assert {(r.old_path, r.new_path) for r in resolution.plan.renames} == {
        ("blog/migrations/0002_b.py", "blog/migrations/0003_b.py"),
        ("blog/migrations/0002_b_squashed_0002_b.py", "blog/migrations/0003_b_squashed_0003_b.py"),
    }


def test_a_moving_migration_without_a_parent_in_its_app_gets_one(tmp_path: Path) -> None:
    """Both sides created the app's first migration: the moving one must now follow the other."""
    write_chain(tmp_path, "blog", "0001_initial")
    write_migration(tmp_path, "blog", "0001_from_theirs", [], initial=True)
    (tmp_path / "migrations.toml").write_text(
        '[apps.blog]\nhead = "0001_initial"\npath = "blog/migrations"\n'
    )
    project = load_project(str(tmp_path), use_cache=False)
    resolution = plan_resolution(project, move="theirs")
    assert resolution.ok, resolution.problems
    [insertion] = [e for e in resolution.plan.edits if e.old_text == ""]
    assert insertion.path == "blog/migrations/0001_from_theirs.py"
    assert "('blog', '0001_initial')" in insertion.new_text
    assert resolution.apps[0].migrate_target == "zero"
    assert resolution.migrate_commands == ("python manage.py migrate blog zero",)
    text = (tmp_path / insertion.path).read_text()
    ast.parse(apply_edits(text, [insertion]))
