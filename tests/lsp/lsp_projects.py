"""Projects for the language server tests: real Django projects under real git, and the check
that Django's own loader sees one leaf per app afterwards."""

from __future__ import annotations

import io
import itertools
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from conftest import Git, Oracle, run_cli
from resolve_project import DjangoRepo

BLOG = "blog/migrations"
SHOP = "shop/migrations"
MANIFEST = "migrations.toml"
LABELS = ("blog", "shop", "wiki")

_counter = itertools.count()


def base_project(git: Git) -> DjangoRepo:
    """blog (0001, 0002_blog_tag) and shop (0001) committed on main with their manifest."""
    repo = DjangoRepo(git)
    repo.add_app("blog")
    repo.add_app("shop")
    repo.add_model("blog", "0002_blog_tag", "tag", "0001_initial")
    repo.commit("Initial apps")
    return repo


def diverged_project(git: Git, *, shop_too: bool = False) -> DjangoRepo:
    """A conflict waiting to happen: ``feature`` adds blog 0003_blog_post and shop
    0002_shop_order (a foreign key to blog's new model), ``main`` adds blog 0003_blog_summary
    (and shop 0002_shop_invoice with ``shop_too``). ``main`` is checked out."""
    repo = base_project(git)
    repo.git("checkout", "-q", "-b", "feature")
    repo.add_model("blog", "0003_blog_post", "post", "0002_blog_tag")
    repo.add_model(
        "shop", "0002_shop_order", "order", "0001_initial", fk=("blog", "post", "0003_blog_post")
    )
    repo.commit("Feature work")
    repo.git("checkout", "-q", "main")
    repo.add_model("blog", "0003_blog_summary", "summary", "0002_blog_tag")
    if shop_too:
        repo.add_model("shop", "0002_shop_invoice", "invoice", "0001_initial")
    repo.commit("Main work")
    return repo


def merge_feature(repo: DjangoRepo) -> list[str]:
    """``git merge feature`` on main, which stops on migrations.toml; the files git wrote."""
    before = set(repo.snapshot())
    assert repo.merge("feature") != 0
    assert repo.unmerged() == {MANIFEST}
    return [*sorted(set(repo.snapshot()) - before), MANIFEST]


def one_leaf_per_app(
    oracle: Oracle, root: Path, labels: tuple[str, ...] = LABELS
) -> dict[str, Any]:
    """Django's ``MigrationLoader`` on a copy of the project's migrations (under a package name
    of its own, since the worker imports each module once): leaves per app, asserted single."""
    folder = Path(tempfile.mkdtemp(prefix="lsp-oracle-"))
    package = f"lsp_{os.getpid()}_{next(_counter)}"
    try:
        (folder / package).mkdir()
        (folder / package / "__init__.py").write_text("")
        modules = {}
        for label in labels:
            source = root / label / "migrations"
            if not source.is_dir():
                continue
            target = folder / package / label / "migrations"
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
            (target.parent / "__init__.py").write_text("")
            modules[label] = f"{package}.{label}.migrations"
        answer: dict[str, Any] = oracle.load(str(folder), modules)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert "error" not in answer, answer
    leaves = answer["leaves"]
    assert all(len(names) == 1 for names in leaves.values()), leaves
    return {app: names[0] for app, names in leaves.items()}


LINT_MIGRATION = """\
from django.db import migrations, models


def forwards(apps, schema_editor):
    pass


class Migration(migrations.Migration):

    dependencies = [
        ('blog', '0002_blog_tag'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='blogitem',
            index=models.Index(fields=['name'], name='blog_item_name_idx'),
        ),
        migrations.RunPython(forwards),
        migrations.RemoveField(
            model_name='blogtag',
            name='name',
        ),
    ]
"""


def conflicted(repo: DjangoRepo) -> list[str]:
    out = repo.git("diff", "--name-only", "--diff-filter=U").stdout
    return sorted(set(out.split()))


def commit_as_a_user(repo: DjangoRepo, operation: str) -> None:
    """Stage what git lists as conflicted, then commit (or continue the rebase)."""
    paths = conflicted(repo)
    if paths:
        repo.git("add", "--", *paths)
    if operation == "merge":
        repo.git("commit", "-q", "--no-edit")
    else:
        repo.git("-c", "core.editor=true", "rebase", "--continue")
    assert repo.operation_in_progress() == "none"


def check_commit(repo: DjangoRepo) -> None:
    """The committed tree (not the work tree) holds the renamed migration and passes check."""
    files = set(repo.git("ls-tree", "-r", "--name-only", "HEAD").stdout.split())
    assert f"{BLOG}/0004_blog_post.py" in files, sorted(f for f in files if f.startswith(BLOG))
    assert f"{BLOG}/0003_blog_post.py" not in files
    archive = subprocess.run(
        ["git", "-C", str(repo.root), "archive", "HEAD"], capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryDirectory(prefix="committed-") as folder:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        committed = Path(folder)
        assert "('blog', '0004_blog_post')" in (committed / SHOP / "0002_shop_order.py").read_text()
        code, out, err = run_cli("--root", folder, "check")
        assert (code, err) == (0, ""), out
    assert repo.status() == {}, repo.status()  # nothing left behind, staged or not
