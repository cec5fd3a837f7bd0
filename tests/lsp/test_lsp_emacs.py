"""Real Emacs, headless (Debian's emacs-nox with elpa-eglot and elpa-lsp-mode): the shipped
snippets in ``editors/emacs`` loaded as the README documents, in a user's Emacs that has another
Python language server of its own. Emacs opens a Python file, a conflicted migration and
migrations.toml in a real git repository during a merge, receives the diagnostics, applies the
renumber quick fix through the client's own code-action command, saves; the user then stages
what git lists as conflicted and commits, and the commit passes ``check``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Git
from lsp_projects import BLOG, check_commit, commit_as_a_user, diverged_project, merge_feature

EMACS = shutil.which("emacs")
EDITORS = Path(__file__).resolve().parents[2] / "editors" / "emacs"
SCRIPT = Path(__file__).with_name("emacs_renumber.el")
OTHER = Path(__file__).with_name("other_python_server.py")
RENUMBER = "Renumber blog: move 0003_blog_post after 0003_blog_summary"

#: Set by .ci/run: there, a missing Emacs fails the test instead of skipping it.
REQUIRED = bool(os.environ.get("MIGRATION_MANIFEST_REQUIRE_EDITORS"))

needs_emacs = pytest.mark.skipif(
    EMACS is None and not REQUIRED,
    reason="Emacs is not installed (.ci/editors.sh installs emacs-nox, elpa-eglot, elpa-lsp-mode)",
)


def run_emacs(client: str, root: Path, tmp_path: Path) -> dict[str, object]:
    assert EMACS is not None, "Emacs is required here but missing"
    out = tmp_path / "emacs.json"
    other_log = tmp_path / "other.log"
    other_log.write_text("")
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **os.environ,
        "HOME": str(home),
        "MM_CLIENT": client,
        "MM_EDITORS": str(EDITORS),
        "MM_PYTHON": sys.executable,
        "MM_ROOT": str(root),
        "MM_MIGRATION": f"{BLOG}/0003_blog_summary.py",
        "MM_PLAIN": "blog/apps.py",
        "MM_OTHER": str(OTHER),
        "MM_OTHER_LOG": str(other_log),
        "MM_HOME": str(home),
        "MM_OUT": str(out),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(EDITORS.parents[1]),  # the server, whether installed or not
    }
    completed = subprocess.run(
        [EMACS, "--batch", "-l", str(SCRIPT)],
        cwd=root,
        env=env,
        input=RENUMBER + "\n",  # typed at the code-action prompt
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    (tmp_path / "emacs.stderr").write_text(completed.stderr)
    assert out.exists(), completed.stdout + completed.stderr
    result: dict[str, object] = json.loads(out.read_text())
    assert result["ok"] is True, (result, completed.stderr[-3000:])
    result["other_saw"] = sorted(
        line.split(str(root), 1)[-1].lstrip("/") for line in other_log.read_text().split()
    )
    return result


@needs_emacs
@pytest.mark.parametrize("client", ["eglot", "lsp-mode"])
def test_emacs_renumbers_the_conflict_and_the_commit_passes_check(
    git: Git, tmp_path: Path, client: str
) -> None:
    repo = diverged_project(git)
    merge_feature(repo)  # git stops on migrations.toml: blog has two leaves
    result = run_emacs(client, repo.root, tmp_path)
    # the conflict on `class Migration` (line 6), and the markers in migrations.toml
    assert result["diagnostics"] == [["MM009", 5]]
    assert [code for code, _ in result["manifest_diagnostics"]] == ["MM002"]  # type: ignore[attr-defined]
    assert result["titles"][:2] == [  # type: ignore[index]
        RENUMBER,
        "Create a merge migration for blog instead (0004_merge_0003_blog_post_0003_blog_summary)",
    ]
    # one process of ours for the migration and migrations.toml, beside the user's own server
    assert result["processes"] == ["django-migration-manifest", "other"]
    if client == "eglot":  # one server per buffer: migrations to ours, the rest to theirs
        assert result["plain_server"] == "other"
        assert result["migration_server"] == "django-migration-manifest"
        assert result["manifest_server"] == "django-migration-manifest"
        assert result["other_saw"] == ["blog/apps.py"]
    else:  # an add-on client: both servers in a migration buffer, only ours elsewhere
        assert result["plain_server"] == "other-python"
        assert result["migration_server"] == "django-migration-manifest+other-python"
        assert result["manifest_server"] == "django-migration-manifest"
        assert "migrations.toml" not in result["other_saw"]  # type: ignore[operator]
    assert result["same_server"] is True
    assert result["applied_with"] == "renamed"
    commit_as_a_user(repo, "merge")
    check_commit(repo)
