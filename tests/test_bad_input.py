"""Bad input gets a located message and a documented exit code: never a traceback, never a write
outside the repository. Every case runs the real command in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest
from conftest import run_module, write_chain, write_migration

from manifest_core.manifest import render_manifest
from manifest_core.text import parse_module


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_chain(root, "blog", "0001_initial", "0002_post_slug")
    (root / "migrations.toml").write_text(
        render_manifest({"blog": ("0002_post_slug", "blog/migrations")})
    )
    return root


def check(root: Path, *extra: str) -> tuple[int, list[dict[str, Any]], str]:
    result = run_module("--format", "json", "--no-cache", "check", *extra, cwd=root)
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    return result.returncode, data["problems"], result.stderr


def codes(problems: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(p["code"], p["path"], p["line"]) for p in problems]


def test_syntax_error_in_the_dependencies(repo: Path) -> None:
    path = repo / "blog" / "migrations" / "0003_broken.py"
    path.write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('blog', '0002_post_slug')\n"  # missing ]
        "    operations = []\n"
    )
    code, problems, _ = check(repo)
    assert code == 1
    found = codes(problems)
    assert ("MM100", "blog/migrations/0003_broken.py", 5) in found
    # its dependencies cannot be recovered, so it stands alone: a second leaf
    assert ("MM009", "blog/migrations/0002_post_slug.py", 5) in found


def test_newer_syntax_elsewhere_in_a_migration_keeps_its_head(repo: Path) -> None:
    path = repo / "blog" / "migrations" / "0003_data.py"
    path.write_text(
        "from django.db import migrations\n\n\n"
        "def forwards[T](apps: T, schema_editor: T) -> None:\n"  # Python 3.12 syntax
        "    pass\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('blog', '0002_post_slug')]\n"
        "    operations = [migrations.RunPython(forwards)]\n"
    )
    code, problems, _ = check(repo)
    assert code == 1
    assert [
        (p["code"], p["message"].split(" but ")[1]) for p in problems if p["severity"] == "error"
    ] == [("MM007", "the app's latest migration is '0003_data' (blog/migrations/0003_data.py)")]


def test_conflict_markers_inside_a_migration(repo: Path) -> None:
    path = repo / "blog" / "migrations" / "0002_post_slug.py"
    text = path.read_text().replace(
        "        ('blog', '0001_initial'),\n",
        "<<<<<<< HEAD\n        ('blog', '0001_initial'),\n=======\n        ('blog', '0001_x'),\n"
        ">>>>>>> other\n",
    )
    path.write_text(text)
    code, problems, _ = check(repo)
    assert code == 1
    marker_line = text.splitlines().index("<<<<<<< HEAD") + 1
    assert codes(problems) == [("MM101", "blog/migrations/0002_post_slug.py", marker_line)]
    assert problems[0]["message"] == (
        "contains git conflict markers; the graph uses the first side of each conflict"
    )


def test_crlf_files(repo: Path) -> None:
    for path in (repo / "blog" / "migrations").glob("0*.py"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    manifest = repo / "migrations.toml"
    manifest.write_bytes(manifest.read_bytes().replace(b"\n", b"\r\n"))
    code, problems, _ = check(repo)
    assert (code, problems) == (0, [])


def test_empty_migrations_folder(repo: Path) -> None:
    (repo / "empty" / "migrations").mkdir(parents=True)
    (repo / "noinit" / "migrations").mkdir(parents=True)
    (repo / "noinit" / "migrations" / "0001_initial.py").write_text("x = 1\n")
    code, problems, _ = check(repo)
    assert code == 0
    assert [(p["code"], p["path"], p["severity"]) for p in problems] == [
        ("MM114", "noinit/migrations", "info")
    ]
    assert problems[0]["message"] == (
        "this migrations folder has no __init__.py, so Django treats its app as having "
        "no migrations"
    )


def test_migrations_module_instead_of_a_package(repo: Path) -> None:
    (repo / "legacy").mkdir()
    (repo / "legacy" / "models.py").write_text("")
    (repo / "legacy" / "migrations.py").write_text("class Migration: pass\n")
    code, problems, _ = check(repo)
    assert code == 0
    assert codes(problems) == [("MM114", "legacy/migrations.py", 1)]


def test_binary_junk(repo: Path) -> None:
    (repo / "blog" / "migrations" / "0003_junk.py").write_bytes(os.urandom(64) + b"\x00\xff")
    code, problems, _ = check(repo)
    assert code == 1
    junk = [p for p in problems if p["path"] == "blog/migrations/0003_junk.py"]
    assert [p["code"] for p in junk] == ["MM104"]
    assert (
        junk[0]["message"]
        == "cannot be read as Python source: it contains NUL bytes (a binary file?)"
    )


def test_symlink_loops(repo: Path) -> None:
    (repo / "blog" / "loop").symlink_to(repo / "blog")
    (repo / "blog" / "migrations" / "0003_loop.py").symlink_to(
        repo / "blog" / "migrations" / "0003_loop.py"
    )
    code, problems, _ = check(repo)
    assert code == 1
    assert codes(problems) == [("MM105", "blog/migrations/0003_loop.py", 1)]
    assert problems[0]["message"] == "cannot be opened (a broken or looping symbolic link?)"


def test_manifest_path_outside_the_repository(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write_chain(outside, "evil", "0001_initial")
    manifest = repo / "migrations.toml"
    manifest.write_text(
        manifest.read_text()
        + '\n[apps.evil]\nhead = "0001_initial"\npath = "../outside/evil/migrations"\n'
    )
    code, problems, _ = check(repo)
    assert code == 1
    lines = manifest.read_text().splitlines()
    path_line = lines.index('path = "../outside/evil/migrations"') + 1
    assert ("MM010", "migrations.toml", path_line) in codes(problems)
    before = sorted(p.name for p in outside.rglob("*"))
    result = run_module("update", cwd=repo)
    assert result.returncode == 0
    assert sorted(p.name for p in outside.rglob("*")) == before
    assert "evil" not in (repo / "migrations.toml").read_text()


def test_symlinked_migrations_folder_outside_is_read_but_never_written(
    repo: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    write_chain(outside, "shared", "0001_initial")
    (repo / "shared").mkdir()
    (repo / "shared" / "migrations").symlink_to(outside / "shared" / "migrations")
    result = run_module("show", cwd=repo)
    assert result.returncode == 0
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "code", "line", "message"),
    [
        pytest.param(
            '[apps.blog]\nhead = "0002_post_slug"\npath = "blog/migrations\n',
            "MM003",
            3,
            "is not valid TOML: ",
            id="malformed",
        ),
        pytest.param(
            "\x00\x01\x02",
            "MM003",
            1,
            "cannot be read as text: it contains NUL bytes (a binary file?)",
            id="binary",
        ),
    ],
)
def test_malformed_manifest(repo: Path, content: str, code: str, line: int, message: str) -> None:
    (repo / "migrations.toml").write_text(content)
    exit_code, problems, _ = check(repo)
    assert exit_code == 1
    found = [p for p in problems if p["code"] == code]
    assert [p["line"] for p in found] == [line]
    assert found[0]["message"].startswith(message)


def test_unknown_app_in_a_conflicted_manifest_is_not_double_reported(repo: Path) -> None:
    text = (
        (repo / "migrations.toml")
        .read_text()
        .replace(
            'head = "0002_post_slug"\n',
            '<<<<<<< HEAD\nhead = "0003_a"\n=======\nhead = "0003_b"\n>>>>>>> x\n',
        )
    )
    (repo / "migrations.toml").write_text(text)
    code, problems, _ = check(repo)
    assert code == 1
    assert [p["code"] for p in problems] == ["MM002"]


def test_unreadable_configuration(repo: Path) -> None:
    (repo / "pyproject.toml").write_bytes(b"\xff\xfe[tool]")
    result = run_module("check", cwd=repo)
    assert result.returncode == 2
    assert result.stderr.startswith("error: pyproject.toml: cannot be read: ")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("tool = 3\n", "error: pyproject.toml:1: tool: must be a table ([tool.*] sections)\n"),
        (
            "[tool]\ndjango-migration-manifest = 3\n",
            "error: pyproject.toml:2: [tool] django-migration-manifest: must be a table\n",
        ),
    ],
)
@pytest.mark.parametrize("command", ["check", "lint", "resolve"])
def test_configuration_that_is_not_a_table(
    repo: Path, content: str, message: str, command: str
) -> None:
    (repo / "pyproject.toml").write_text(content)
    result = run_module(command, cwd=repo)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)


def test_manifest_that_cannot_be_read_is_not_created_over(repo: Path) -> None:
    (repo / "migrations.toml").unlink()
    (repo / "migrations.toml").mkdir()
    code, problems, _ = check(repo)
    assert code == 1
    assert [(p["code"], p["message"]) for p in problems] == [
        ("MM003", "cannot be read: Is a directory")
    ]
    result = run_module("update", cwd=repo)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "error: migrations.toml: cannot be read: Is a directory\n"
    assert (repo / "migrations.toml").is_dir()


def test_manifest_setting_outside_the_repository(repo: Path) -> None:
    (repo / "pyproject.toml").write_text(
        '[tool.django-migration-manifest]\nmanifest = "../elsewhere.toml"\n'
    )
    result = run_module("update", cwd=repo)
    assert result.returncode == 2
    assert result.stderr == (
        "error: pyproject.toml:2: [tool.django-migration-manifest] manifest: "
        "must be a relative path inside the repository\n"
    )
    assert not (repo.parent / "elsewhere.toml").exists()


def test_dependency_on_a_missing_node_and_a_cycle(repo: Path) -> None:
    write_migration(repo, "blog", "0003_x", [("blog", "0002_post_slug"), ("blog", "0009_missing")])
    write_migration(repo, "shop", "0001_initial", [("shop", "0002_b")])
    write_migration(repo, "shop", "0002_b", [("shop", "0001_initial")])
    code, problems, _ = check(repo)
    assert code == 1
    found = {(p["code"], p["message"]) for p in problems}
    assert ("MM110", "blog.0003_x depends on blog.0009_missing, which does not exist") in found
    assert (
        "MM111",
        "circular dependency: shop.0001_initial -> shop.0002_b -> shop.0001_initial",
    ) in found
    missing = next(p for p in problems if p["code"] == "MM110")
    source = (repo / "blog" / "migrations" / "0003_x.py").read_text().splitlines()
    assert source[missing["line"] - 1][missing["column"] - 1 : missing["end_column"] - 1] == (
        "'0009_missing'"
    )


def write_invalid_escape(repo: Path) -> None:
    """A valid migration with an invalid escape (``'\\d'``), which Python warns about."""
    (repo / "blog" / "migrations" / "0003_regex.py").write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    dependencies = [('blog', '0002_post_slug')]\n"
        '    operations = [migrations.RunSQL("SELECT 1 WHERE x ~ \'\\d+\'", "SELECT 1")]\n'
        "    run_before: list[tuple[str, str]] = []\n"
    )


def test_python_warnings_about_the_project_code_are_not_printed(repo: Path) -> None:
    """An invalid escape in a migration is the project's business, not noise on our stderr."""
    write_invalid_escape(repo)
    for args in (("check",), ("show", "--graph"), ("lint", "--all")):
        result = subprocess.run(
            [sys.executable, "-W", "default", "-m", "manifest_core", "--no-cache", *args],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.stderr == "", (args, result.stderr)


def test_warnings_about_the_project_code_never_become_errors(repo: Path) -> None:
    """Under ``-W error`` Python would turn the invalid escape into a SyntaxError."""
    write_invalid_escape(repo)
    for args in (("show", "--graph", "--format", "json"), ("lint", "--all", "--format", "json")):
        outputs = []
        for flag in ("default", "error"):
            result = subprocess.run(
                [sys.executable, "-W", flag, "-m", "manifest_core", "--no-cache", *args],
                cwd=repo,
                capture_output=True,
                text=True,
                check=False,
            )
            outputs.append((result.returncode, json.loads(result.stdout)))
        assert outputs[0] == outputs[1], args
    rules = {finding["name"] for finding in outputs[1][1]["findings"]}
    assert "unparsable-migration" not in rules, rules


def test_quiet_parsing_is_safe_across_threads() -> None:
    """Threads parsing at once (as the language server's do) leave the warning filters as they
    found them, and print nothing."""
    text = "pattern = '\\d+'\n" * 3
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            filters = list(warnings.filters)

            def parse() -> None:
                for _ in range(1000):
                    parse_module(text, "m.py")

            threads = [threading.Thread(target=parse) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert list(warnings.filters) == filters
        assert caught == []
    finally:
        sys.setswitchinterval(interval)
