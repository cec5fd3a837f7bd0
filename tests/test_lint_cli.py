"""``python -m manifest_core lint``: which migrations, formats, exit codes and configuration."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import Git, run_cli, run_module
from lint_helpers import (
    add_field,
    add_index,
    create_model,
    initial,
    lint_json,
    migration,
    names,
    write,
)

from manifest_core.lint.rules import RULES

NOT_NULL = "models.BooleanField(default=False)"


def deployed_shop(git: Git) -> None:
    """``main``: shop 0001 (a table) and 0002 (an unsafe AddIndex, already deployed)."""
    write(git.path, "shop", "0001_initial", initial("shop"))
    write(
        git.path,
        "shop",
        "0002_order_number_idx",
        migration("shop", "0001_initial", add_index("order", "number", "order_number_idx")),
    )
    git.commit_all("shop")


def feature(git: Git) -> Path:
    git("checkout", "-q", "-b", "feature")
    return write(
        git.path,
        "shop",
        "0003_order_is_gift",
        migration("shop", "0002_order_number_idx", add_field("order", "is_gift", NOT_NULL)),
    )


# --- which migrations -------------------------------------------------------------------------


def test_by_default_only_migrations_new_on_the_branch_are_linted(git: Git) -> None:
    deployed_shop(git)
    feature(git)  # not even committed: a new file counts as new
    code, data, err = lint_json(git.path)
    assert code == 1, err
    assert data["baseline"] == "main"
    assert data["linted"] == ["shop/migrations/0003_order_is_gift.py"]
    assert names(data) == {("shop/migrations/0003_order_is_gift.py", "add-not-null-field", 15)}
    code, data, _ = lint_json(git.path, "--all")
    assert ("shop/migrations/0002_order_number_idx.py", "add-index", 12) in names(data)
    assert len(data["linted"]) == 3


def test_nothing_new_since_a_ref_is_clean(git: Git) -> None:
    deployed_shop(git)
    feature(git)
    git.commit_all("feature")
    code, out, _ = run_cli("--root", str(git.path), "--no-cache", "lint", "--since", "HEAD")
    assert code == 0
    assert (
        out.strip()
        == "No migration is new since HEAD: nothing to lint (lint --all checks every migration)."
    )
    code, out, _ = run_cli("--root", str(git.path), "--no-cache", "lint", "--since", "main")
    assert code == 1
    assert "0003_order_is_gift.py:15:19: error[ML001] add-not-null-field" in out


def test_lint_all_without_migrations_says_there_are_none(tmp_path: Path) -> None:
    assert run_cli("--root", str(tmp_path), "--no-cache", "lint", "--all") == (
        0,
        f"No Django migrations found in {tmp_path}; nothing to check.\n",
        "",
    )


def test_tables_created_on_the_branch_are_new_unless_configured_otherwise(git: Git) -> None:
    deployed_shop(git)
    git("checkout", "-q", "-b", "feature")
    write(
        git.path,
        "shop",
        "0003_coupon",
        migration(
            "shop",
            "0002_order_number_idx",
            create_model("Coupon", '("code", models.CharField(max_length=20))'),
        ),
    )
    write(
        git.path,
        "shop",
        "0004_coupon_active",
        migration("shop", "0003_coupon", add_field("coupon", "active", NOT_NULL)),
    )
    code, data, _ = lint_json(git.path)
    assert code == 0
    assert data["findings"] == []
    (git.path / "pyproject.toml").write_text(
        '[tool.django-migration-manifest.lint]\nnew-tables = "migration"\n'
    )
    code, data, _ = lint_json(git.path)
    assert code == 1
    assert names(data) == {("shop/migrations/0004_coupon_active.py", "add-not-null-field", 15)}


def clone(git: Git, tmp_path: Path) -> Git:
    """A clone of ``git`` with only ``origin/main`` (no local ``main``, no ``origin/HEAD``) and
    a detached ``HEAD``: the checkout a CI job gets."""
    git("clone", "-q", str(git.path), str(tmp_path / "clone"))
    copy = Git.__new__(Git)
    copy.path = tmp_path / "clone"
    copy("remote", "set-head", "origin", "-d")
    copy("checkout", "-q", "--detach")
    copy("branch", "-q", "-D", "main")
    return copy


def test_a_ci_checkout_lints_against_the_configured_branch_on_origin(
    git: Git, tmp_path: Path
) -> None:
    deployed_shop(git)
    git.write("pyproject.toml", '[tool.django-migration-manifest]\ndefault-branch = "main"\n')
    git.commit_all("configure")
    checkout = clone(git, tmp_path)
    feature(checkout)
    code, data, err = lint_json(checkout.path)
    assert (code, err) == (1, "")
    assert data["baseline"] == "origin/main"
    assert data["linted"] == ["shop/migrations/0003_order_is_gift.py"]
    checkout.write("pyproject.toml", '[tool.django-migration-manifest]\ndefault-branch = "trunk"\n')
    code, out, err = run_cli("--root", str(checkout.path), "--no-cache", "lint")
    assert (code, out) == (2, "")
    assert err == (
        "error: cannot tell which migrations are new on this branch: the default branch 'trunk' "
        "set in pyproject.toml exists neither as a branch nor as origin/trunk; in CI, fetch it. "
        "Pass --since REF, --all, or migration paths\n"
    )


def test_unpushed_migrations_on_main_are_new(git: Git, tmp_path: Path) -> None:
    """On a local main with commits not pushed yet, their migrations have not been deployed:
    what was pushed (``origin/main``) is the baseline, not the local ``main``."""
    deployed_shop(git)
    git.write("pyproject.toml", '[tool.django-migration-manifest]\ndefault-branch = "main"\n')
    git.commit_all("configure")
    local = Git.__new__(Git)
    local.path = tmp_path / "clone"
    git("clone", "-q", str(git.path), str(local.path))
    write(
        local.path,
        "shop",
        "0003_order_is_gift",
        migration("shop", "0002_order_number_idx", add_field("order", "is_gift", NOT_NULL)),
    )
    local.commit_all("Not pushed yet")
    code, data, err = lint_json(local.path)
    assert (code, err) == (1, "")
    assert data["baseline"] == "origin/main"
    assert names(data) == {("shop/migrations/0003_order_is_gift.py", "add-not-null-field", 15)}


def test_outside_git_the_new_migrations_cannot_be_told(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    code, out, err = run_cli("--root", str(tmp_path), "--no-cache", "lint")
    assert (code, out) == (2, "")
    assert err == (
        "error: cannot tell which migrations are new on this branch: no default branch found "
        "(not a git repository, or no main/master/origin/HEAD); in CI, fetch it. Pass --since "
        "REF, --all, or migration paths, or set default-branch in "
        "[tool.django-migration-manifest]\n"
    )
    code, out, _ = run_cli("--root", str(tmp_path), "--no-cache", "lint", "--all")
    assert code == 0
    assert out.strip() == "Linted 1 migration, 1 operation: no findings."


def test_unknown_since_ref_is_a_usage_error(git: Git) -> None:
    deployed_shop(git)
    code, _, err = run_cli("--root", str(git.path), "lint", "--since", "no-such-branch")
    assert code == 2
    assert err == "error: --since no-such-branch: git knows no such commit here\n"


def test_paths(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    unsafe = write(
        tmp_path,
        "shop",
        "0002_order_is_gift",
        migration("shop", "0001_initial", add_field("order", "is_gift", NOT_NULL)),
    )
    (tmp_path / "shop" / "models.py").write_text("")
    old = os.getcwd()
    try:
        os.chdir(tmp_path)
        code, data, _ = lint_json(tmp_path, "shop/migrations/0002_order_is_gift.py")
        assert code == 1
        assert data["linted"] == ["shop/migrations/0002_order_is_gift.py"]
        code, data, _ = lint_json(tmp_path, "shop")
        assert data["linted"] == [
            "shop/migrations/0001_initial.py",
            "shop/migrations/0002_order_is_gift.py",
        ]
        code, out, _ = run_cli("--root", str(tmp_path), "--no-cache", "lint", "shop/models.py")
        assert code == 0
        assert out.splitlines()[0] == "shop/models.py: not a migration of this project, skipped"
        code, _, err = run_cli("--root", str(tmp_path), "lint", "shop/nope.py")
        assert (code, err) == (2, "error: shop/nope.py: no such file or folder\n")
        code, _, err = run_cli("--root", str(tmp_path), "lint", "--all", str(unsafe))
        assert (code, err) == (2, "error: give migration paths or --all, not both\n")
    finally:
        os.chdir(old)


# --- output formats ---------------------------------------------------------------------------


@pytest.fixture
def unsafe_project(tmp_path: Path) -> Path:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    write(
        tmp_path,
        "shop",
        "0002_order_indexes",
        migration(
            "shop",
            "0001_initial",
            add_index("order", "number", "order_number_idx")
            + "        # migration-manifest: ignore[add-index] -- 12 rows, a lookup table\n"
            + add_index("order", "id", "order_id_idx")
            + "        migrations.RunPython(forwards),\n",
            prelude="\ndef forwards(apps, schema_editor):\n    pass\n\n",
        ),
    )
    return tmp_path


def test_text_format(unsafe_project: Path) -> None:
    code, out, _ = run_cli("--root", str(unsafe_project), "--no-cache", "lint", "--all")
    assert code == 1
    lines = out.splitlines()
    path = "shop/migrations/0002_order_indexes.py"
    assert lines[0] == (
        f'{path}:16:9: error[ML011] add-index: creates index "order_number_idx" on '
        '"shop_order" without CONCURRENTLY: writes to the table are blocked until the index is '
        "built"
    )
    assert lines[1].startswith("    safe: Build the index with AddIndexConcurrently")
    assert "    fix: Use AddIndexConcurrently (atomic = False)" in out
    assert f"    docs: {RULES[10].url}" in lines
    assert lines[-1] == "Linted 2 migrations, 4 operations: 1 error and 2 warnings (1 suppressed)."
    code, out, _ = run_cli(
        "--root", str(unsafe_project), "--no-cache", "lint", "--all", "--show-suppressed"
    )
    assert f"{path}:21:9: suppressed[ML011] add-index: 12 rows, a lookup table" in out


def test_json_format(unsafe_project: Path) -> None:
    code, data, _ = lint_json(unsafe_project, "--all")
    assert code == 1
    assert data["ok"] is False
    assert data["summary"] == {
        "migrations": 2,
        "operations": 4,
        "errors": 1,
        "warnings": 2,
        "notes": 0,
        "suppressed": 1,
    }
    first = data["findings"][0]
    assert {k: first[k] for k in ("code", "name", "severity", "path", "line", "column")} == {
        "code": "ML011",
        "name": "add-index",
        "severity": "error",
        "path": "shop/migrations/0002_order_indexes.py",
        "line": 16,
        "column": 9,
    }
    assert (first["end_line"], first["end_column"]) == (16, 28)
    assert first["operation"] == "AddIndex"
    assert first["operation_range"] == {"line": 16, "column": 9, "end_line": 19, "end_column": 10}
    assert first["hint"].startswith("Build the index with AddIndexConcurrently")
    assert first["url"].endswith("/docs/rules/add-index.md")
    assert first["fix"]["title"] == "Use AddIndexConcurrently (atomic = False)"
    assert [e["new_text"] for e in first["fix"]["edits"]] == [
        "AddIndexConcurrently",
        "from django.contrib.postgres.operations import AddIndexConcurrently\n",
        "    atomic = False\n\n",
    ]
    assert data["suppressed"][0]["suppression"] == {
        "line": 20,
        "rules": ["add-index"],
        "reason": "12 rows, a lookup table",
    }


def test_github_format(unsafe_project: Path) -> None:
    code, out, _ = run_cli(
        "--root", str(unsafe_project), "--format", "github", "--no-cache", "lint", "--all"
    )
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(
        "::error file=shop/migrations/0002_order_indexes.py,line=16,col=9,endLine=16,"
        "endColumn=28,title=ML011 add-index::creates index"
    )
    assert "%0Ahint: Build the index" in first
    assert len(out.splitlines()) == 3


def test_sarif_format(unsafe_project: Path) -> None:
    code, out, _ = run_cli(
        "--root", str(unsafe_project), "--no-cache", "lint", "--format", "sarif", "--all"
    )
    assert code == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in RULES]
    assert all(r["helpUri"].endswith(".md") and r["help"]["text"] for r in rules)
    results = run["results"]
    assert [(r["ruleId"], r["level"], "suppressions" in r) for r in results] == [
        ("ML011", "error", False),
        ("ML020", "warning", False),
        ("ML021", "warning", False),
        ("ML011", "error", True),
    ]
    first = results[0]
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 16,
        "startColumn": 9,
        "endLine": 16,
        "endColumn": 28,
    }
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"]
    assert first["fixes"][0]["description"]["text"] == "Use AddIndexConcurrently (atomic = False)"
    suppressed = [r for r in results if "suppressions" in r]
    assert suppressed == [suppressed[0]]
    assert suppressed[0]["suppressions"] == [
        {"kind": "inSource", "justification": "12 rows, a lookup table"}
    ]


# --- exit codes and configuration --------------------------------------------------------------


def test_fail_level(tmp_path: Path) -> None:
    write(
        tmp_path,
        "shop",
        "0001_initial",
        migration(
            "shop",
            None,
            "        migrations.RunPython(forwards),\n",
            prelude="\ndef forwards(apps, schema_editor):\n    pass\n\n",
        ),
    )
    assert lint_json(tmp_path, "--all")[0] == 1  # a warning fails by default
    assert lint_json(tmp_path, "--all", "--fail-level", "error")[0] == 0
    (tmp_path / "pyproject.toml").write_text(
        '[tool.django-migration-manifest.lint]\nfail-level = "error"\n'
    )
    assert lint_json(tmp_path, "--all")[0] == 0
    assert lint_json(tmp_path, "--all", "--fail-level", "warning")[0] == 1


def test_configuration(unsafe_project: Path) -> None:
    pyproject = unsafe_project / "pyproject.toml"
    pyproject.write_text(
        "[tool.ruff.lint]\n"
        'select = ["E"]\n'
        "\n"
        "[tool.django-migration-manifest.lint]\n"
        'ignore = ["ML021"]\n'
        "\n"
        "[tool.django-migration-manifest.lint.severity]\n"
        'add-index = "warning"\n'
    )
    code, data, _ = lint_json(unsafe_project, "--all")
    assert [(f["code"], f["severity"]) for f in data["findings"]] == [
        ("ML011", "warning"),
        ("ML020", "warning"),
    ]
    assert code == 1
    code, data, _ = lint_json(unsafe_project, "--all", "--select", "run-python-without-reverse")
    assert [f["code"] for f in data["findings"]] == ["ML021"]
    code, data, _ = lint_json(
        unsafe_project, "--all", "--ignore", "add-index,run-python-with-schema-changes"
    )
    assert data["findings"] == []
    assert code == 0


@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        (
            "[tool.django-migration-manifest.lint]\nselect = ['ALL']\nstrict = true\n",
            6,
            "[tool.django-migration-manifest.lint] strict: unknown setting (known settings: "
            "select, ignore, severity, postgres-version, new-migrations, new-tables, fail-level, "
            "schema-editor, post-deploy-attribute)",
        ),
        (
            "[tool.django-migration-manifest.lint]\nignore = ['add-indexes']\n",
            5,
            "[tool.django-migration-manifest.lint] ignore: 'add-indexes' is not a rule code or "
            "name (did you mean add-index?)",
        ),
        (
            "[tool.django-migration-manifest.lint]\npostgres-version = 'latest'\n",
            5,
            "[tool.django-migration-manifest.lint] postgres-version: must be a PostgreSQL major "
            "version such as 14 (or 9.6)",
        ),
        (
            "[tool.django-migration-manifest.lint.severity]\nremove-index = 'fatal'\n",
            5,
            "[tool.django-migration-manifest.lint.severity] remove-index: unknown severity "
            "'fatal' (choose from info, warning, error)",
        ),
        (
            "[tool.django-migration-manifest.lint]\nnew-tables = 'sometimes'\n",
            5,
            "[tool.django-migration-manifest.lint] new-tables: must be one of 'branch', "
            "'migration'",
        ),
    ],
)
def test_configuration_errors_name_their_line(
    unsafe_project: Path, table: str, line: int, message: str
) -> None:
    (unsafe_project / "pyproject.toml").write_text("[tool.ruff.lint]\nselect = ['E']\n\n" + table)
    code, out, err = run_cli("--root", str(unsafe_project), "lint", "--all")
    assert (code, out) == (2, "")
    assert err == f"error: pyproject.toml:{line}: {message}\n"


def test_unknown_rule_on_the_command_line(unsafe_project: Path) -> None:
    code, _, err = run_cli("--root", str(unsafe_project), "lint", "--all", "--select", "ML999")
    assert (code, err) == (2, "error: --select: 'ML999' is not a rule code or name\n")
    code, _, err = run_cli("--root", str(unsafe_project), "lint", "--all", "--select", " , ")
    assert (code, err) == (2, "error: --select: name at least one rule code or name\n")


def test_lint_is_a_command_of_the_module(tmp_path: Path) -> None:
    result = run_module("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "lint" in result.stdout
    result = run_module("lint", "--format", "sarif", "--all", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["runs"][0]["results"] == []


def fixable_project(root: Path) -> None:
    """shop 0002 adds two indexes (two fixes of one file: two rounds) and 0003 a RunPython
    without reverse_code (a fix) next to a NOT NULL field (no fix)."""
    write(root, "shop", "0001_initial", initial("shop"))
    write(
        root,
        "shop",
        "0002_indexes",
        migration(
            "shop",
            "0001_initial",
            add_index("order", "number", "order_number_idx")
            + add_index("order", "id", "order_id_idx"),
        ),
    )
    write(
        root,
        "shop",
        "0003_fill",
        migration(
            "shop",
            "0002_indexes",
            "        migrations.RunPython(forwards),\n" + add_field("order", "is_gift", NOT_NULL),
            prelude="\ndef forwards(apps, schema_editor):\n    pass\n\n",
        ),
    )


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def test_fix_applies_every_mechanical_fix_then_reports_what_is_left(tmp_path: Path) -> None:
    fixable_project(tmp_path)
    code, out, err = run_cli("--root", str(tmp_path), "--no-cache", "lint", "--all", "--fix")
    assert err == ""
    assert out.splitlines()[:3] == [
        "shop/migrations/0002_indexes.py: fixed: Use AddIndexConcurrently (atomic = False)",
        "shop/migrations/0003_fill.py: fixed: "
        "Add reverse_code=RunPython.noop (undoing does nothing)",
        "shop/migrations/0002_indexes.py: fixed: Use AddIndexConcurrently (atomic = False)",
    ]
    fixed = (tmp_path / "shop/migrations/0002_indexes.py").read_text()
    assert fixed.count("AddIndexConcurrently(") == 2
    assert fixed.count("import AddIndexConcurrently") == 1
    assert fixed.count("atomic = False") == 1
    assert (
        "reverse_code=migrations.RunPython.noop"
        in (tmp_path / "shop/migrations/0003_fill.py").read_text()
    )
    # what has no mechanical fix is left, and still fails
    assert code == 1
    code, data, _ = lint_json(tmp_path, "--all")
    assert sorted(f["name"] for f in data["findings"]) == [
        "add-not-null-field",
        "run-python-with-schema-changes",
    ]


def test_fix_dry_run_prints_the_diff_and_writes_nothing(tmp_path: Path) -> None:
    fixable_project(tmp_path)
    before = snapshot(tmp_path)
    code, out, err = run_cli(
        "--root", str(tmp_path), "--no-cache", "lint", "--all", "--fix", "--dry-run"
    )
    assert (code, err) == (1, "")
    assert snapshot(tmp_path) == before
    lines = out.splitlines()
    assert lines[0] == "--- a/shop/migrations/0002_indexes.py"
    assert "+from django.contrib.postgres.operations import AddIndexConcurrently" in lines
    assert "+    atomic = False" in lines
    assert "+++ b/shop/migrations/0003_fill.py" in lines
    assert [line for line in lines if ": would fix: " in line] == [
        "shop/migrations/0002_indexes.py: would fix: Use AddIndexConcurrently (atomic = False)",
        "shop/migrations/0003_fill.py: would fix: "
        "Add reverse_code=RunPython.noop (undoing does nothing)",
        "shop/migrations/0002_indexes.py: would fix: Use AddIndexConcurrently (atomic = False)",
    ]
    assert lines[-2:] == [
        "Linted 3 migrations, 5 operations: 1 error and 1 warning.",
        "Dry run: nothing was written.",
    ]
    # the real run does what the dry run said
    assert run_cli("--root", str(tmp_path), "--no-cache", "lint", "--all", "--fix")[0] == 1
    assert snapshot(tmp_path) != before
    code, out, err = run_cli("--root", str(tmp_path), "--no-cache", "lint", "--dry-run")
    assert (code, out) == (2, "")
    assert err == "error: --dry-run goes with --fix: without it, lint writes nothing\n"


def test_fix_writes_all_files_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every round is computed in memory and the result written as one plan: a failure while
    writing the second file leaves the first one as it was."""
    from manifest_core import fsops

    fixable_project(tmp_path)
    before = snapshot(tmp_path)

    def fail(step: str) -> None:
        if step == "write shop/migrations/0003_fill.py":
            raise OSError("disk full (injected)")

    monkeypatch.setattr(fsops, "before_step", fail)
    code, out, err = run_cli(
        "--root", str(tmp_path), "--no-cache", "--format", "json", "lint", "--all", "--fix"
    )
    assert code == 1
    assert err == ("error: --fix: OSError: disk full (injected); every change was rolled back\n")
    assert snapshot(tmp_path) == before
    data = json.loads(out)
    assert data["fixed"] == []
    assert (data["summary"]["errors"], data["summary"]["warnings"]) == (3, 2)  # on disk, unfixed
