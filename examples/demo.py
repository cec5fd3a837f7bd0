"""The django-migration-manifest demo: `make demo` runs this script.

It copies the bundled bookshop project (examples/bookshop) into a new git repository in a
temporary folder and walks through the everyday loop, running every command for real:

1. ``show`` lists each app's latest migration, read statically from the migration files;
2. a developer adds a field to a model and runs Django's ``makemigrations``;
3. ``check`` notices that migrations.toml no longer names the app's latest migration (exit 1);
4. ``update`` rewrites migrations.toml, and ``git diff`` shows the one line that changed;
5. ``check`` passes again (exit 0).

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
            "runs the everyday loop: add a migration, let `check` catch the out-of-date\n"
            "migrations.toml, fix it with `update`.\n"
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
