"""The GitHub Action (action.yml), its steps run as GitHub runs a composite action.

Each step's ``run`` script goes to ``bash --noprofile --norc -eo pipefail``, with the step's
``env`` (its ``${{ inputs.* }}`` and ``${{ github.action_path }}`` filled in) on top of the
variables GitHub sets for a job. The action's path is a copy of this working tree; its first step
really installs the package from there into a virtual environment under ``RUNNER_TEMP`` (once
per module). The repository it checks is a real clone of a real "origin", as actions/checkout
makes it with ``fetch-depth: 0`` (or ``1``, the default, which lint cannot work with).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Git, run_cli
from lint_helpers import add_field, create_model, migration
from source_tree import ROOT, copy_source_tree

ACTION = ROOT / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The action's checkout and the runner's temporary folder, shared by the module's tests."""
    return {
        "action_path": copy_source_tree(tmp_path_factory.mktemp("action")),
        "runner_temp": tmp_path_factory.mktemp("runner-temp"),
    }


def run_action(
    runner: dict[str, Path], workspace: Path, event: dict[str, Any], **inputs: str
) -> tuple[int, str, str]:
    """Run every step of action.yml; returns (exit code, stdout, the job summary)."""
    spec = yaml.safe_load(ACTION.read_text())
    values = {
        name: inputs.pop(name.replace("-", "_"), meta.get("default", ""))
        for name, meta in spec["inputs"].items()
    }
    assert not inputs, f"action.yml has no inputs {sorted(inputs)}"
    summary = workspace.parent / "step-summary.md"
    event_path = workspace.parent / "event.json"
    event_path.write_text(json.dumps(event["payload"]))
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env.update(
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_EVENT_NAME=event["name"],
        GITHUB_EVENT_PATH=str(event_path),
        GITHUB_BASE_REF=event.get("base_ref", ""),
        GITHUB_HEAD_REF=event.get("head_ref", ""),
        GITHUB_REPOSITORY="example/bookshop",
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_PATH=str(workspace.parent / "github-path"),
        GITHUB_ACTION_PATH=str(runner["action_path"]),
        RUNNER_TEMP=str(runner["runner_temp"]),
    )

    def fill(text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name == "github.action_path":
                return str(runner["action_path"])
            assert name.startswith("inputs."), f"action.yml uses an unknown expression {name}"
            return str(values[name.removeprefix("inputs.")])

        return EXPRESSION.sub(value, text)

    assert spec["runs"]["using"] == "composite"
    out = ""
    for step in spec["runs"]["steps"]:
        assert step["shell"] == "bash"
        assert not EXPRESSION.search(step["run"]), "inputs go through env, never into the script"
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=workspace,
            env={**env, **{key: fill(str(v)) for key, v in step.get("env", {}).items()}},
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        out += result.stdout
        if result.returncode != 0:
            break
    written = summary.read_text() if summary.exists() else ""
    return result.returncode, out, written


def initial() -> str:
    return migration(
        "catalog", None, create_model("Book", '("isbn", models.CharField(max_length=13))')
    )


def isbn_index() -> str:
    return migration(
        "catalog",
        "0002_book_title",
        "        migrations.AddIndex(\n"
        '            model_name="book",\n'
        '            index=models.Index(fields=["isbn"], name="catalog_book_isbn_idx"),\n'
        "        ),\n",
    )


@pytest.fixture
def origin(tmp_path: Path) -> tuple[Path, str]:
    """A bare "origin" whose main has one app and an up-to-date manifest; and main's commit."""
    seed = Git(tmp_path / "seed")
    seed.write("catalog/__init__.py", "")
    seed.write("catalog/migrations/__init__.py", "")
    seed.write("catalog/migrations/0001_initial.py", initial())
    seed.write(
        "catalog/migrations/0002_book_title.py",
        migration(
            "catalog", "0001_initial", add_field("book", "title", "models.TextField(null=True)")
        ),
    )
    assert run_cli("--root", str(seed.path), "update")[0] == 0
    seed.commit_all("catalog")
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(seed.path), str(bare)], check=True)
    return bare, seed("rev-parse", "HEAD").stdout.strip()


def feature_branch(origin: tuple[Path, str], workspace: Path, *, update: bool) -> Git:
    """A clone of origin (fetch-depth: 0) on a branch that adds an index to catalog.Book."""
    subprocess.run(["git", "clone", "-q", str(origin[0]), str(workspace)], check=True)
    git = Git(workspace)
    git("checkout", "-q", "-b", "feature")
    git.write("catalog/migrations/0003_book_isbn_index.py", isbn_index())
    if update:
        assert run_cli("--root", str(workspace), "update")[0] == 0
    git.commit_all("index the ISBN")
    return git


def pull_request(origin: tuple[Path, str]) -> dict[str, Any]:
    return {
        "name": "pull_request",
        "base_ref": "main",
        "head_ref": "feature",
        "payload": {"pull_request": {"base": {"ref": "main", "sha": origin[1]}}},
    }


STALE_SUMMARY = "\n".join(
    [
        "### django-migration-manifest",
        "",
        "**migrations.toml is out of date** for `catalog`.",
        "",
        "| App | Problem |",
        "| --- | --- |",
        "| `catalog` | MM007 stale-head: apps.catalog.head is '0002_book_title' but the app's "
        "latest migration is '0003_book_isbn_index' (catalog/migrations/0003_book_isbn_index.py) "
        "(`migrations.toml:17`) |",
        "",
        "Run `python -m manifest_core update` and commit migrations.toml.",
        "",
        "**lint fails**: 1 error in the 1 migration new since `origin/main`.",
        "",
        "| Migration | Rule | Finding |",
        "| --- | --- | --- |",
        "| `catalog/migrations/0003_book_isbn_index.py:12` | [ML011 add-index]"
        "(https://github.com/django-migration-manifest/django-migration-manifest/blob/main/docs/"
        'rules/add-index.md) | error: creates index "catalog_book_isbn_idx" on "catalog_book" '
        "without CONCURRENTLY: writes to the table are blocked until the index is built |",
        "",
        "Each rule's page gives the safe alternative; `python -m manifest_core lint --fix` "
        "applies the mechanical ones. A reviewed exception takes a "
        "`# migration-manifest: ignore[<rule>] -- <reason>` comment.",
        "",
    ]
)


def test_a_pull_request_with_a_stale_manifest_and_an_unsafe_migration_fails(
    runner: dict[str, Path], origin: tuple[Path, str], tmp_path: Path
) -> None:
    workspace = feature_branch(origin, tmp_path / "job" / "workspace", update=False).path
    code, out, summary = run_action(runner, workspace, pull_request(origin))
    assert code == 1, out
    assert (
        "::error file=migrations.toml,line=17,col=1,endLine=17,endColumn=1,"
        "title=MM007 stale-head::apps.catalog.head is '0002_book_title' but the app's latest "
        "migration is '0003_book_isbn_index'"
    ) in out
    assert (
        "::error file=catalog/migrations/0003_book_isbn_index.py,line=12,col=9,endLine=12,"
        "endColumn=28,title=ML011 add-index::creates index"
    ) in out
    assert summary == STALE_SUMMARY
    assert (workspace.parent / "github-path").read_text() == (
        f"{runner['runner_temp'] / 'django-migration-manifest' / 'bin'}\n"
    )


def test_a_clean_pull_request_passes(
    runner: dict[str, Path], origin: tuple[Path, str], tmp_path: Path
) -> None:
    git = feature_branch(origin, tmp_path / "job" / "workspace", update=True)
    code, out, summary = run_action(
        runner, git.path, pull_request(origin), lint_since="", lint="true"
    )
    # the index is still unsafe: a reviewed exception says so
    assert code == 1, out
    text = (git.path / "catalog/migrations/0003_book_isbn_index.py").read_text()
    git.write(
        "catalog/migrations/0003_book_isbn_index.py",
        text.replace(
            "        migrations.AddIndex(",
            "        # migration-manifest: ignore[add-index] -- 200 books\n"
            "        migrations.AddIndex(",
        ),
    )
    git.commit_all("a reviewed exception")
    (git.path.parent / "step-summary.md").unlink()
    code, out, summary = run_action(runner, git.path, pull_request(origin))
    assert code == 0, out
    assert "::error" not in out
    assert summary == (
        "### django-migration-manifest\n\n"
        "**migrations.toml** is up to date.\n\n"
        "**lint**: no unsafe operation in the 1 migration new since `origin/main`.\n"
    )


def test_a_push_lints_what_is_not_on_the_default_branch(
    runner: dict[str, Path], origin: tuple[Path, str], tmp_path: Path
) -> None:
    workspace = tmp_path / "job" / "workspace"
    subprocess.run(["git", "clone", "-q", str(origin[0]), str(workspace)], check=True)
    code, out, summary = run_action(runner, workspace, {"name": "push", "payload": {}})
    assert code == 0, out
    assert summary == (
        "### django-migration-manifest\n\n"
        "**migrations.toml** is up to date.\n\n"
        "**lint**: no migration is new since `origin/main`.\n"
    )


def test_a_shallow_checkout_says_to_fetch_the_history(
    runner: dict[str, Path], origin: tuple[Path, str], tmp_path: Path
) -> None:
    deep = feature_branch(origin, tmp_path / "deep", update=True)
    deep("push", "-q", "origin", "feature")
    workspace = tmp_path / "job" / "workspace"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth",
            "1",
            "--branch",
            "feature",
            f"file://{origin[0]}",
            str(workspace),
        ],
        check=True,
    )
    code, out, summary = run_action(runner, workspace, pull_request(origin))
    assert code == 2, out
    message = (
        f"lint: the pull request's base origin/main or main or {origin[1]} is not in this "
        "checkout. Fetch the history: `fetch-depth: 0` on actions/checkout (or set the action's "
        "lint-since input)"
    )
    assert f"::error title=django-migration-manifest::{message}" in out
    assert summary == (
        f"### django-migration-manifest\n\n**The action could not run**: {message}\n"
    )


def gitlab_job() -> dict[str, Any]:
    """The GitLab CI job docs/ci.md shows."""
    text = (ROOT / "docs" / "ci.md").read_text()
    match = re.search(r"```yaml\n(migration-manifest:\n.*?)```", text, re.S)
    assert match, "docs/ci.md shows no GitLab CI job"
    job: dict[str, Any] = yaml.safe_load(match.group(1))["migration-manifest"]
    return job


def test_the_gitlab_job_in_the_docs_lints_what_a_merge_request_adds(
    origin: tuple[Path, str], tmp_path: Path
) -> None:
    job = gitlab_job()
    assert job["variables"] == {"GIT_DEPTH": "0"}
    install, *script = job["script"]
    assert install.startswith("pip install ")  # this test's environment has the package
    git = feature_branch(origin, tmp_path / "workspace", update=True)
    env = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"

    def run_job(**variables: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-eo", "pipefail", "-c", "\n".join(script)],
            cwd=git.path,
            env={**env, "CI": "true", "GITLAB_CI": "true", **variables},
            capture_output=True,
            text=True,
            check=False,
        )

    merge_request = run_job(
        CI_PIPELINE_SOURCE="merge_request_event", CI_MERGE_REQUEST_DIFF_BASE_SHA=origin[1]
    )
    assert merge_request.returncode == 1, merge_request.stdout + merge_request.stderr
    assert merge_request.stdout.startswith("migrations.toml is up to date: 1 apps, 3 migrations.\n")
    assert "catalog/migrations/0003_book_isbn_index.py:12:9: error[ML011] add-index" in (
        merge_request.stdout
    )
    assert "Linted 1 migration, 1 operation: 1 error." in merge_request.stdout
    default_branch = run_job(CI_PIPELINE_SOURCE="push", CI_COMMIT_BRANCH="main")
    assert default_branch.returncode == 0, default_branch.stdout + default_branch.stderr
    assert default_branch.stdout == "migrations.toml is up to date: 1 apps, 3 migrations.\n"
