"""The django-migration-manifest demo: `make demo` runs this script.

It copies the bundled bookshop project (examples/bookshop) into a new git repository in a
temporary folder and walks through the everyday loop, running every command for real:

1. ``show`` lists each app's latest migration, read statically from the migration files;
2. a developer adds a field to a model and runs Django's ``makemigrations``;
3. ``check`` notices that migrations.toml no longer names the app's latest migration (exit 1);
4. ``update`` rewrites migrations.toml, and ``git diff`` shows the one line that changed;
5. ``check`` passes again (exit 0);
6. a feature branch and ``main`` each add a catalog migration: ``git merge`` stops on
   migrations.toml, ``check`` explains why, ``resolve`` renumbers the feature's migration after
   main's, Django's ``makemigrations --check`` agrees, and the merge is committed;
7. a branch adds an index to an existing column: ``lint`` points at the operation that would
   lock the table, with the safe alternative.

Every step's exit code (and a line of its output) is verified, so the demo doubles as a smoke
test: it exits 1 with a message naming the step that misbehaved. Pass ``--keep`` to keep the
temporary repository for a look around; its path is printed at the end.

To add a step, append a :class:`Step` to :func:`steps`.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent / "bookshop"
IGNORED = shutil.ignore_patterns("db.sqlite3", "__pycache__", ".migration_manifest_cache")
MODELS = Path("catalog/models.py")
#: The line the demo adds to the Book model, and the line it goes after.
ANCHOR = '    isbn = models.CharField(max_length=13, blank=True, default="")\n'
NEW_FIELD = '    subtitle = models.CharField(max_length=200, blank=True, default="")\n'
NEW_MIGRATION = "0006_book_subtitle"


class DemoFailure(Exception):
    """A step did not behave as the demo expects: the product (or the demo) is broken."""


@dataclass(frozen=True)
class Step:
    """One command of the transcript, with what to say around it and what to expect from it."""

    #: Printed before the command: what is about to happen and why.
    intro: str
    #: The command as shown; a leading ``python`` runs as ``sys.executable``.
    command: tuple[str, ...]
    expect_code: int = 0
    #: Texts the command's output must contain.
    expect_output: tuple[str, ...] = ()
    #: Print the exit code after the output (for commands whose exit code is the answer).
    show_exit_code: bool = False
    #: Runs before the command, in the repository; returns lines to print (e.g. an edit).
    prepare: Callable[[Path], list[str]] | None = None
    #: Runs after the command, in the repository; raises DemoFailure if something is off.
    verify: Callable[[Path], None] | None = None
    #: Printed after the command: what just happened.
    outro: str = ""


def add_subtitle_field(repo: Path) -> list[str]:
    """Edit the Book model as a developer would: one new field."""
    path = repo / MODELS
    text = path.read_text(encoding="utf-8")
    if ANCHOR not in text:
        raise DemoFailure(f"{MODELS} no longer contains the line the demo edits: {ANCHOR!r}")
    path.write_text(text.replace(ANCHOR, ANCHOR + NEW_FIELD, 1), encoding="utf-8")
    return [f"# edit {MODELS}: the Book model gains a field", f"+{NEW_FIELD.rstrip()}"]


def edit_model(repo: Path, anchor: str, added: str) -> str:
    """Add a line after ``anchor`` in catalog/models.py; return it as the transcript shows it."""
    path = repo / MODELS
    text = path.read_text(encoding="utf-8")
    if anchor not in text:
        raise DemoFailure(f"{MODELS} no longer contains the line the demo edits: {anchor!r}")
    path.write_text(text.replace(anchor, anchor + added, 1), encoding="utf-8")
    return f"+{added.rstrip()}"


def shell(repo: Path, *command: str) -> str:
    """Run a set-up command quietly; return it as a transcript line."""
    result = run(command, repo)
    if result.returncode != 0:
        raise DemoFailure(f"`{' '.join(command)}` failed:\n{result.stdout}")
    return f"$ {' '.join(command)}"


BOOK_PAGES = "    pages = models.PositiveIntegerField(null=True, blank=True)\n"
AUTHOR_WEBSITE = '    website = models.URLField(blank=True, default="")\n'
AUTHOR_ANCHOR = '    bio = models.TextField(blank=True, default="")\n'


def two_branches(repo: Path) -> list[str]:
    """main and a feature branch each add a catalog migration, as two developers would."""
    lines = [shell(repo, "git", "add", "-A"), shell(repo, "git", "commit", "-q", "-m", "Subtitle")]
    lines.append(shell(repo, "git", "checkout", "-q", "-b", "feature"))
    lines.append(f"# edit {MODELS} on feature: {edit_model(repo, ANCHOR + NEW_FIELD, BOOK_PAGES)}")
    lines.append(
        shell(repo, "python", "manage.py", "makemigrations", "catalog", "-n", "book_pages")
    )
    lines.append(shell(repo, "python", "-m", "manifest_core", "update"))
    lines.append(shell(repo, "git", "add", "-A"))
    lines.append(shell(repo, "git", "commit", "-q", "-m", "Book pages"))
    lines.append(shell(repo, "git", "checkout", "-q", "main"))
    lines.append(f"# edit {MODELS} on main: {edit_model(repo, AUTHOR_ANCHOR, AUTHOR_WEBSITE)}")
    lines.append(
        shell(repo, "python", "manage.py", "makemigrations", "catalog", "-n", "author_website")
    )
    lines.append(shell(repo, "python", "-m", "manifest_core", "update"))
    lines.append(shell(repo, "git", "add", "-A"))
    lines.append(shell(repo, "git", "commit", "-q", "-m", "Author website"))
    return lines


def commit_merge(repo: Path) -> None:
    shell(repo, "git", "commit", "-q", "--no-edit")


def add_index(repo: Path) -> list[str]:
    """A branch that indexes an existing column: the kind of change lint is for."""
    lines = [shell(repo, "git", "checkout", "-q", "-b", "isbn-lookup")]
    path = repo / MODELS
    text = path.read_text(encoding="utf-8")
    indexed = ANCHOR.replace('default="")', 'default="", db_index=True)')
    path.write_text(text.replace(ANCHOR, indexed, 1), encoding="utf-8")
    lines.append(f"# edit {MODELS}: +{indexed.strip()}")
    lines.append(
        shell(repo, "python", "manage.py", "makemigrations", "catalog", "-n", "isbn_index")
    )
    lines.append(shell(repo, "python", "-m", "manifest_core", "update"))
    return lines


def new_migration_exists(repo: Path) -> None:
    created = sorted(p.name for p in (repo / "catalog/migrations").glob("0006_*.py"))
    if created != [f"{NEW_MIGRATION}.py"]:
        raise DemoFailure(f"expected makemigrations to create {NEW_MIGRATION}.py, found {created}")


def steps() -> list[Step]:
    return [
        Step(
            intro=(
                "migrations.toml records the latest migration (the head) of every app in the\n"
                "repository. `show` lists them, reading the migration files the way Django's\n"
                "migration loader does, without importing or running any project code:"
            ),
            command=("python", "-m", "manifest_core", "show"),
            expect_output=("catalog", "0005_book_isbn", "book_reviews"),
            outro=(
                "catalog's head is 0005_book_isbn, which follows a squashed migration whose\n"
                "originals are still on disk, and the reviews folder appears under its label\n"
                "book_reviews, set in its apps.py. Both are resolved as Django resolves them."
            ),
        ),
        Step(
            intro="A developer adds a field to the Book model and creates its migration as usual:",
            command=("python", "manage.py", "makemigrations", "catalog"),
            expect_output=(NEW_MIGRATION,),
            prepare=add_subtitle_field,
            verify=new_migration_exists,
            outro=(
                f"catalog now ends at {NEW_MIGRATION}, but migrations.toml still says\n"
                "0005_book_isbn."
            ),
        ),
        Step(
            intro=(
                "`check` compares migrations.toml with the migration files. It exits 1 when they\n"
                "disagree, so a CI job or pre-commit hook stops the commit that forgot it:"
            ),
            command=("python", "-m", "manifest_core", "check"),
            expect_code=1,
            expect_output=("MM007", NEW_MIGRATION),
            show_exit_code=True,
        ),
        Step(
            intro="`update` rewrites migrations.toml from the migrations on disk:",
            command=("python", "-m", "manifest_core", "update"),
            expect_output=(f"catalog: 0005_book_isbn -> {NEW_MIGRATION}",),
        ),
        Step(
            intro="The whole change to migrations.toml is one line:",
            command=("git", "--no-pager", "diff", "--no-color", "--", "migrations.toml"),
            expect_output=(f'+head = "{NEW_MIGRATION}"',),
            outro=(
                "Commit it with the migration. If another branch also adds a catalog migration,\n"
                "it changes this same line, so git stops the merge with a conflict in\n"
                "migrations.toml instead of quietly combining two 0006 migrations that Django\n"
                "would refuse to apply."
            ),
        ),
        Step(
            intro="`check` passes again:",
            command=("python", "-m", "manifest_core", "check"),
            expect_output=("migrations.toml is up to date",),
            show_exit_code=True,
        ),
        Step(
            intro=(
                "Now two developers each add a catalog migration: one on a feature branch, one\n"
                "on main. Both are 0007, both depend on 0006_book_subtitle. Merging the feature:"
            ),
            prepare=two_branches,
            command=("git", "merge", "feature"),
            expect_code=1,
            expect_output=("CONFLICT (content): Merge conflict in migrations.toml",),
            outro=(
                "The migration files merged cleanly (they have different names); git stopped on\n"
                "migrations.toml, where both branches changed catalog's head."
            ),
        ),
        Step(
            intro="`check` says what is wrong and what to run:",
            command=("python", "-m", "manifest_core", "check"),
            expect_code=1,
            expect_output=("MM002", "MM009", "0007_author_website", "0007_book_pages"),
            show_exit_code=True,
        ),
        Step(
            intro=(
                "`resolve` renumbers the migrations of the branch being merged in (main's are\n"
                "already deployed, so they never move), rewrites every reference to them, and\n"
                "rewrites migrations.toml, staging it all for the merge commit:"
            ),
            command=("python", "-m", "manifest_core", "resolve"),
            expect_output=("0007_book_pages -> 0008_book_pages",),
        ),
        Step(
            intro="Django agrees that the migrations match the models, in one line per app:",
            command=("python", "manage.py", "makemigrations", "--check", "--dry-run"),
            expect_output=("No changes detected",),
        ),
        Step(
            intro="`check` passes, and the merge can be committed:",
            command=("python", "-m", "manifest_core", "check"),
            expect_output=("migrations.toml is up to date",),
            verify=commit_merge,
            outro="The merge is committed (`git commit --no-edit`).",
        ),
        Step(
            intro=(
                "Finally, a branch indexes an existing column. On a large table, building the\n"
                "index locks writes for as long as it takes. `lint` checks the migrations that\n"
                "are new on this branch, statically, and points at the operation:"
            ),
            prepare=add_index,
            command=("python", "-m", "manifest_core", "lint"),
            expect_code=1,
            expect_output=("ML011", "0009_isbn_index", "CONCURRENTLY"),
            show_exit_code=True,
        ),
    ]


def run(command: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command for real, with ``python`` meaning this interpreter."""
    argv = [sys.executable, *command[1:]] if command[0] == "python" else list(command)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bookshop.settings"}
    try:
        return subprocess.run(
            argv,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise DemoFailure(f"cannot run `{' '.join(command)}`: {exc}") from None


def git(repo: Path, *args: str) -> None:
    result = run(("git", *args), repo)
    if result.returncode != 0:
        raise DemoFailure(f"git {' '.join(args)} failed:\n{result.stdout}")


def make_repository(repo: Path) -> None:
    """A copy of the example project, committed to a new git repository."""
    shutil.copytree(EXAMPLE, repo, ignore=IGNORED)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Demo Developer")
    git(repo, "config", "user.email", "demo@example.com")
    git(repo, "config", "commit.gpgsign", "false")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "The bookshop project")


def perform(step: Step, repo: Path) -> None:
    print(step.intro)
    print()
    if step.prepare is not None:
        for line in step.prepare(repo):
            print(line)
    shown = " ".join(step.command)
    print(f"$ {shown}", flush=True)
    result = run(step.command, repo)
    output = result.stdout.rstrip("\n")
    if output:
        print(output)
    if step.show_exit_code:
        print(f"[exit code {result.returncode}]")
    print()
    if result.returncode != step.expect_code:
        raise DemoFailure(f"`{shown}` exited with {result.returncode}, expected {step.expect_code}")
    missing = [text for text in step.expect_output if text not in result.stdout]
    if missing:
        raise DemoFailure(f"the output of `{shown}` does not contain {missing}")
    if step.verify is not None:
        step.verify(repo)
    if step.outro:
        print(step.outro)
        print()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary repository and print its path"
    )
    args = parser.parse_args(argv)
    if importlib.util.find_spec("manifest_core") is None:
        print(
            f"demo failed: {sys.executable} cannot import manifest_core; run `make demo`, "
            "which installs it",
            file=sys.stderr,
        )
        return 1
    parent = Path(tempfile.mkdtemp(prefix="migration-manifest-demo-"))
    repo = parent / "bookshop"
    try:
        make_repository(repo)
        print(
            "This demo copies the bookshop example project into a new git repository and\n"
            "runs the everyday loop (add a migration, let `check` catch the out-of-date\n"
            "migrations.toml, fix it with `update`), then a merge conflict that `resolve`\n"
            "repairs, and an unsafe migration that `lint` catches.\n"
        )
        for step in steps():
            perform(step, repo)
        print("Demo finished: every step behaved as expected.")
    except DemoFailure as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        if not args.keep:
            print("Run with --keep to inspect the repository afterwards.", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"The demo repository is kept at {repo}")
        else:
            shutil.rmtree(parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
