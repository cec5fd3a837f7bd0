"""The command line: exact messages, exit codes and the three output formats."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli, run_module, write_chain, write_migration

from manifest_core import __version__
from manifest_core.manifest import render_manifest


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_chain(root, "blog", "0001_initial", "0002_post_slug")
    write_chain(root, "shop", "0001_initial")
    write_migration(
        root, "shop", "0002_order_post", [("shop", "0001_initial"), ("blog", "0002_post_slug")]
    )
    (root / "migrations.toml").write_text(
        render_manifest(
            {
                "blog": ("0002_post_slug", "blog/migrations"),
                "shop": ("0002_order_post", "shop/migrations"),
            }
        )
    )
    return root


def test_check_clean(repo: Path) -> None:
    assert run_cli("--root", str(repo), "check") == (
        0,
        "migrations.toml is up to date: 2 apps, 4 migrations.\n",
        "",
    )


def test_check_stale_head(repo: Path) -> None:
    write_migration(repo, "blog", "0003_post_tags", [("blog", "0002_post_slug")])
    code, out, _ = run_cli("--root", str(repo), "check")
    assert code == 1
    head_line = (repo / "migrations.toml").read_text().splitlines().index(
        'head = "0002_post_slug"'
    ) + 1
    assert out == (
        f"migrations.toml:{head_line}:1: error[MM007]: apps.blog.head is '0002_post_slug' but the "
        "app's latest migration is '0003_post_tags' (blog/migrations/0003_post_tags.py)\n"
        "    see: blog/migrations/0003_post_tags.py:5\n"
        "    hint: run `python -m manifest_core update`\n"
        "Found 1 error.\n"
    )


def test_check_json_and_github(repo: Path) -> None:
    write_migration(repo, "blog", "0003_post_tags", [("blog", "0002_post_slug")])
    code, out, _ = run_cli("--root", str(repo), "--format", "json", "check")
    assert code == 1
    data = json.loads(out)
    assert data["ok"] is False
    (problem,) = data["problems"]
    assert problem["code"] == "MM007"
    assert problem["name"] == "stale-head"
    assert problem["severity"] == "error"
    assert problem["path"] == "migrations.toml"
    code, out, _ = run_cli("--root", str(repo), "check", "--format", "github")
    assert code == 1
    assert out.startswith(
        f"::error file=migrations.toml,line={problem['line']},col=1,endLine={problem['line']},"
        "endColumn=1,title=MM007 stale-head::apps.blog.head is '0002_post_slug'"
    )
    assert "%0Ahint: run `python -m manifest_core update`" in out


def test_check_missing_manifest(repo: Path) -> None:
    (repo / "migrations.toml").unlink()
    code, out, _ = run_cli("--root", str(repo), "check")
    assert code == 1
    assert out == (
        "migrations.toml:1:1: error[MM001]: migrations.toml does not exist\n"
        "    hint: run `python -m manifest_core update` to create it\n"
        "Found 1 error.\n"
    )


def test_check_new_and_removed_apps(repo: Path) -> None:
    write_chain(repo, "accounts", "0001_initial")
    text = (repo / "migrations.toml").read_text()
    (repo / "migrations.toml").write_text(
        text + '\n[apps.gone]\nhead = "0001_initial"\npath = "gone/migrations"\n'
    )
    code, out, _ = run_cli("--root", str(repo), "--format", "json", "check")
    assert code == 1
    problems = [(p["code"], p["message"]) for p in json.loads(out)["problems"]]
    assert problems == [
        (
            "MM005",
            "app 'accounts' (accounts/migrations) has migrations but no [apps.accounts] entry",
        ),
        (
            "MM006",
            "[apps.gone] names an app with no migrations on disk (nothing at gone/migrations)",
        ),
    ]


def test_check_multiple_leaves(repo: Path) -> None:
    write_migration(repo, "blog", "0003_a", [("blog", "0002_post_slug")])
    second = write_migration(repo, "blog", "0003_b", [("blog", "0002_post_slug")])
    code, out, _ = run_cli("--root", str(repo), "check")
    assert code == 1
    assert out.startswith(
        "blog/migrations/0003_a.py:5:7: error[MM009]: app 'blog' has 2 leaf migrations "
        "(0003_a, 0003_b); Django refuses to migrate until they are merged or renumbered\n"
        f"    see: {second.relative_to(repo).as_posix()}:5\n"
        "    hint: run `python -m manifest_core resolve` to renumber one branch's migrations "
        "after the other's\n"
    )
    assert "MM007" not in out


def test_check_fail_level(repo: Path) -> None:
    (repo / "blog" / "migrations" / "0003_weird.py").write_text(
        "from django.db import migrations\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = [('blog', '0002_post_slug'), compute()]\n"
    )
    run_cli("--root", str(repo), "update")
    assert run_cli("--root", str(repo), "check")[0] == 0
    code, out, _ = run_cli("--root", str(repo), "check", "--fail-level", "warning")
    assert code == 1
    assert "warning[MM103]" in out


def test_update_creates_then_is_idempotent(repo: Path) -> None:
    expected = (repo / "migrations.toml").read_bytes()
    (repo / "migrations.toml").unlink()
    assert run_cli("--root", str(repo), "update") == (
        0,
        "Created migrations.toml:\n"
        "  blog: added at 0002_post_slug\n"
        "  shop: added at 0002_order_post\n",
        "",
    )
    assert (repo / "migrations.toml").read_bytes() == expected
    assert run_cli("--root", str(repo), "update") == (
        0,
        "migrations.toml is already up to date.\n",
        "",
    )


def test_update_after_a_new_migration(repo: Path) -> None:
    write_migration(repo, "blog", "0003_post_tags", [("blog", "0002_post_slug")])
    assert run_cli("--root", str(repo), "update") == (
        0,
        "Updated migrations.toml:\n  blog: 0002_post_slug -> 0003_post_tags\n",
        "",
    )
    assert run_cli("--root", str(repo), "check")[0] == 0


def test_update_dry_run_writes_nothing(repo: Path) -> None:
    before = (repo / "migrations.toml").read_bytes()
    write_migration(repo, "blog", "0003_post_tags", [("blog", "0002_post_slug")])
    code, out, _ = run_cli("--root", str(repo), "update", "--dry-run")
    assert code == 0
    assert '-head = "0002_post_slug"\n+head = "0003_post_tags"\n' in out
    assert out.endswith("Dry run: migrations.toml was not written.\n")
    assert (repo / "migrations.toml").read_bytes() == before


def test_update_refuses_two_leaves(repo: Path) -> None:
    before = (repo / "migrations.toml").read_bytes()
    write_migration(repo, "blog", "0003_a", [("blog", "0002_post_slug")])
    write_migration(repo, "blog", "0003_b", [("blog", "0002_post_slug")])
    code, out, _ = run_cli("--root", str(repo), "update")
    assert code == 1
    assert "error[MM009]: app 'blog' has 2 leaf migrations (0003_a, 0003_b)" in out
    assert out.endswith("migrations.toml was not written: fix the problems above first.\n")
    assert (repo / "migrations.toml").read_bytes() == before


def test_update_json(repo: Path) -> None:
    write_migration(repo, "blog", "0003_post_tags", [("blog", "0002_post_slug")])
    code, out, _ = run_cli("--root", str(repo), "--format", "json", "update", "--dry-run")
    assert code == 0
    data = json.loads(out)
    assert data["changed"] is True
    assert data["dry_run"] is True
    assert data["changes"] == ["blog: 0002_post_slug -> 0003_post_tags"]
    (edit,) = data["plan"]["edits"]
    assert edit["path"] == "migrations.toml"


def test_show_text_and_json(repo: Path) -> None:
    code, out, _ = run_cli("--root", str(repo), "show")
    assert code == 0
    assert out == (
        "App   Head             Migrations  Path\n"
        "blog  0002_post_slug            2  blog/migrations\n"
        "shop  0002_order_post           2  shop/migrations\n"
    )
    code, out, _ = run_cli("--root", str(repo), "show", "--format", "json", "--graph")
    data = json.loads(out)
    assert data["apps"]["shop"] == {
        "path": "shop/migrations",
        "heads": ["0002_order_post"],
        "migrations": 2,
    }
    assert data["nodes"]["shop.0002_order_post"]["dependencies"] == [
        ["blog", "0002_post_slug"],
        ["shop", "0001_initial"],
    ]
    assert data["nodes"]["blog.0001_initial"]["initial"] is True
    assert data["nodes"]["blog.0001_initial"]["path"] == "blog/migrations/0001_initial.py"
    assert data["problems"] == []


def test_root_defaults_to_the_git_work_tree(repo: Path) -> None:
    (repo / ".git").mkdir()
    code, out, _ = run_cli("check", cwd=repo / "blog" / "migrations")
    assert (code, out) == (0, "migrations.toml is up to date: 2 apps, 4 migrations.\n")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    code, _, err = run_cli("--root", str(tmp_path / "nope"), "check")
    assert code == 2
    assert err == f"error: --root {tmp_path / 'nope'}: not a folder\n"
    assert run_cli("frobnicate")[0] == 2
    assert run_cli("check", "--format", "xml")[0] == 2


def test_configuration_errors_exit_2(repo: Path) -> None:
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.django-migration-manifest]\nexclud = ["x"]\n'
    )
    code, out, err = run_cli("--root", str(repo), "check")
    assert (code, out) == (2, "")
    assert err == (
        "error: pyproject.toml:5: [tool.django-migration-manifest] exclud: unknown setting "
        "(known settings: cache-dir, default-branch, exclude, include-nested-repositories, labels, "
        "lint, manifest, resolve, swappable)\n"
    )
    (repo / "pyproject.toml").write_text("[tool.django-migration-manifest\n")
    code, _, err = run_cli("--root", str(repo), "check")
    assert code == 2
    assert err.startswith("error: pyproject.toml:1: is not valid TOML: ")


EXIT_CODES_HELP = (
    "Exit codes: 0 clean, 1 findings, 2 usage or configuration error, 3 internal error (a bug: "
    "please report it, with the output of MIGRATION_MANIFEST_DEBUG=1)."
)


def test_real_subprocess_and_console_script(repo: Path) -> None:
    result = run_module("check", cwd=repo)
    assert result.returncode == 0
    assert result.stdout == "migrations.toml is up to date: 2 apps, 4 migrations.\n"
    help_text = run_module("--help", cwd=repo).stdout
    assert help_text.startswith("usage: python -m manifest_core [-h] [--version]")
    assert EXIT_CODES_HELP in " ".join(help_text.split())
    assert run_module("--version", cwd=repo).stdout == f"python -m manifest_core {__version__}\n"
    # the console script pip installs names itself as it was invoked
    script = Path(sys.executable).with_name("migration-manifest")
    run = functools.partial(subprocess.run, cwd=repo, capture_output=True, text=True, check=False)
    assert run([str(script), "--version"]).stdout == f"migration-manifest {__version__}\n"
    help_text = run([str(script), "--help"]).stdout
    assert help_text.startswith("usage: migration-manifest [-h] [--version]")
    assert EXIT_CODES_HELP in " ".join(help_text.split())
    usage = run([str(script), "check", "--bogus"])
    assert usage.returncode == 2
    assert "migration-manifest: error: unrecognized arguments: --bogus" in usage.stderr
    checked = run([str(script), "check"])
    assert (checked.returncode, checked.stdout) == (0, result.stdout)


def test_each_command_declares_its_formats(repo: Path) -> None:
    assert run_cli("--root", str(repo), "--format", "sarif", "show") == (
        2,
        "",
        "error: --format sarif: show writes text, json, github\n",
    )
    code, out, _ = run_cli("--root", str(repo), "--format", "sarif", "lint", "--all")
    assert code == 1  # the fixtures' RunPython operations have no reverse_code
    results = json.loads(out)["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"ML021"}
