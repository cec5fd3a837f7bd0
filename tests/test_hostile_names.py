"""Output never crashes: names a console cannot show, names that are not UTF-8 and expressions
too deep for Python give exit codes 0, 1 or 2 with a located message, never 3.

Every case runs the real command in a subprocess, in a real git repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Git, write_chain

from manifest_core.manifest import render_manifest

COMMANDS = (
    ("check",),
    ("show",),
    ("update", "--dry-run"),
    ("resolve", "--dry-run"),
    ("lint", "--all"),
    ("update",),
)
SHOWN = {"check", "show", "update"}


@pytest.fixture
def git(tmp_path: Path) -> Git:
    repo = Git(tmp_path / "project")
    write_chain(repo.path, "blog", "0001_initial", "0002_post_slug")
    repo.write("migrations.toml", render_manifest({"blog": ("0002_post_slug", "blog/migrations")}))
    repo.commit_all("initial")
    return repo


def run(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "manifest_core", *args],
        cwd=root,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="strict",
        check=False,
        env={**os.environ, **env},
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "internal error" not in result.stderr, result.stderr
    return result


def add_after(root: Path, name: bytes | str, previous: str = "0002_post_slug") -> Path:
    """A migration ``name`` (bytes: a raw file name) after ``previous`` in the blog app."""
    source = (root / "blog" / "migrations" / f"{previous}.py").read_text()
    text = source.replace("('blog', '0001_initial')", f"('blog', {previous!r})")
    folder = os.fsencode(root / "blog" / "migrations")
    raw = name if isinstance(name, bytes) else os.fsencode(name)
    path = os.path.join(folder, raw + b".py")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return Path(os.fsdecode(path))


def test_a_name_the_console_cannot_show(git: Git) -> None:
    add_after(git.path, "0003_café")
    for command in COMMANDS:
        result = run(git.path, *command, PYTHONIOENCODING="ascii")
        assert result.returncode in (0, 1), (command, result.stderr)
        if command[0] in SHOWN:
            assert "0003_caf\\xe9" in result.stdout, command
    # the write happened, and was reported without a crash
    manifest = (git.path / "migrations.toml").read_text(encoding="utf-8")
    assert 'head = "0003_café"' in manifest
    assert run(git.path, "check", PYTHONIOENCODING="ascii").stdout == (
        "migrations.toml is up to date: 1 apps, 3 migrations.\n"
    )


def test_resolve_shows_and_writes_a_name_the_console_cannot_show(git: Git) -> None:
    git("checkout", "-q", "-b", "feature")
    add_after(git.path, "0003_café")
    assert run(git.path, "update").returncode == 0
    git.commit_all("feature: café")
    git("checkout", "-q", "main")
    add_after(git.path, "0003_tag")
    assert run(git.path, "update").returncode == 0
    git.commit_all("main: tag")
    git("checkout", "-q", "feature")
    assert git("merge", "-q", "main", check=False).returncode == 1  # migrations.toml conflicts
    dry = run(git.path, "resolve", "--dry-run", PYTHONIOENCODING="ascii")
    assert dry.returncode == 0, dry.stderr
    assert "0003_caf\\xe9.py -> blog/migrations/0004_caf\\xe9.py" in dry.stdout
    done = run(git.path, "resolve", PYTHONIOENCODING="ascii")
    assert done.returncode == 0, done.stderr
    assert "0004_caf\\xe9" in done.stdout
    assert (git.path / "blog" / "migrations" / "0004_café.py").exists()
    assert run(git.path, "check").returncode == 0


def test_json_output_to_an_ascii_console(git: Git) -> None:
    add_after(git.path, "0003_café")
    result = run(git.path, "--format", "json", "show", PYTHONIOENCODING="ascii")
    assert result.returncode == 0
    assert json.loads(result.stdout)["apps"]["blog"]["heads"] == ["0003_café"]


def test_a_file_name_that_is_not_utf8(git: Git) -> None:
    add_after(git.path, b"0003_caf\xe9")
    before = (git.path / "migrations.toml").read_bytes()
    expected = (
        "blog/migrations/0003_caf\\xe9.py:1:1: error[MM123]: the name of this migration module "
        "is not valid UTF-8, so it is left out\n"
        "    hint: rename it with a UTF-8 name: Django records migration names as text in the "
        "database\n"
    )
    result = run(git.path, "check")
    assert (result.returncode, result.stdout) == (1, expected + "Found 1 error.\n")
    data = json.loads(run(git.path, "--format", "json", "check").stdout)
    assert [(p["code"], p["path"]) for p in data["problems"]] == [
        ("MM123", "blog/migrations/0003_caf\\xe9.py")
    ]
    for command in COMMANDS:
        result = run(git.path, *command)
        assert result.returncode in (0, 1), (command, result.stderr)
    update = run(git.path, "update")
    assert update.stdout == expected + (
        "migrations.toml was not written: fix the problems above first.\n"
    )
    assert (git.path / "migrations.toml").read_bytes() == before


def test_a_folder_name_that_is_not_utf8_is_a_warning(git: Git) -> None:
    os.mkdir(os.path.join(os.fsencode(git.path), b"caf\xe9"))
    result = run(git.path, "check")
    assert result.returncode == 0
    assert result.stdout.startswith(
        "caf\\xe9:1:1: warning[MM123]: the name of this folder is not valid UTF-8, so it is "
        "left out\n"
    )


def deep_migration(root: Path, terms: int, *, fast: bool) -> Path:
    """A migration whose RunSQL is one expression of ``terms`` strings joined by ``+``.

    ``fast=False`` gives the class a second base, which the declarations reader leaves to the
    full parser (as ``check`` does for any file not shaped like ``makemigrations`` output).
    """
    path = add_after(root, "0003_deep")
    text = path.read_text()
    text = text.replace(
        "operations = [", f"operations = [migrations.RunSQL({'+'.join(['chr(32)'] * terms)}), "
    )
    if not fast:
        text = text.replace("(migrations.Migration)", "(migrations.Migration, object)")
    path.write_text(text)
    return path


def deep_line(path: Path) -> int:
    lines = path.read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if "RunSQL(" in line)


@pytest.mark.parametrize("fast", [True, False])
def test_an_expression_too_deep_for_python(git: Git, fast: bool) -> None:
    path = deep_migration(git.path, 100_000, fast=fast)
    line = deep_line(path)
    check = run(git.path, "--format", "json", "check")
    problems = {(p["code"], p["path"], p["line"]) for p in json.loads(check.stdout)["problems"]}
    assert check.returncode == 1
    # the declarations reader never parses the operations: it reads the head, as Django would
    # if it could compile the file; the full parser reports where the expression is
    if not fast:
        assert ("MM121", "blog/migrations/0003_deep.py", line) in problems
    lint = run(git.path, "--format", "json", "lint", "--all")
    assert lint.returncode == 1
    findings = json.loads(lint.stdout)["findings"]
    deep = [f for f in findings if f["path"] == "blog/migrations/0003_deep.py"]
    assert [(f["name"], f["line"]) for f in deep] == [("unparsable-migration", line)]
    assert "too deeply nested" in deep[0]["message"]


def test_an_expression_python_compiles_but_too_deep_to_lint(git: Git) -> None:
    path = deep_migration(git.path, 2500, fast=False)
    line = deep_line(path)
    assert run(git.path, "check").returncode == 1  # a stale head, nothing worse
    lint = run(git.path, "--format", "json", "lint", "--all")
    assert lint.returncode == 1
    deep = [f for f in json.loads(lint.stdout)["findings"] if f["path"].endswith("0003_deep.py")]
    assert [(f["name"], f["line"], f["message"]) for f in deep] == [
        (
            "unparsable-migration",
            line,
            "nested more than 100 levels deep: too deep to lint, its operations cannot be linted",
        )
    ]
