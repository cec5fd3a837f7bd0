"""A warm ``check`` repeats its remembered answer only when a full ``check`` would give it again.

:mod:`manifest_core.verdict` lets ``python -m manifest_core check`` answer from the cache folder
without loading the rest of the tool. Its soundness is what these tests hold: after any edit to
anything ``check`` reads (migrations added, edited, deleted, renamed or only touched; apps and
their ``apps.py`` labels; ``migrations.toml``; ``pyproject.toml``; nested repositories; folders
without ``__init__.py``; a pending journal; a foreign file in the cache folder; other options),
the remembered answer is either refused or equal to what ``check --no-cache`` prints. A property
test draws random sequences of such edits; subprocess tests run the real ``python -m`` entry.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_core import verdict
from manifest_core.cli import main
from manifest_core.walk import Walk

LABELS = ("shop", "blog", "auth_ext")
OPTIONS: tuple[tuple[str, ...], ...] = (
    (),
    ("--format", "json"),
    ("--format=github",),
    ("--fail-level", "warning"),
    ("--fail-level=info", "--format", "text"),
)


def migration(label: str, dependencies: list[tuple[str, str]], extra: str = "") -> str:
    deps = "".join(f"        ({app!r}, {name!r}),\n" for app, name in dependencies)
    return (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [\n{deps}    ]\n"
        f"    operations = []{extra}\n"
    )


class Site:
    """A small repository edited step by step; every write gets a later, distinct mtime in the
    past (as edits seconds apart do), so that the cache may remember what it reads."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.clock = time.time() - 1_000_000
        (root / ".git").mkdir(parents=True)
        for label in LABELS[:2]:
            self.add_app(label)

    # -- writing ---------------------------------------------------------------------------------
    def stamp(self, path: Path) -> None:
        self.clock += 10
        os.utime(path, (self.clock, self.clock))

    def write(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        self.stamp(path)

    def remove(self, relative: str) -> None:
        path = self.root / relative
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()

    # -- the apps ----------------------------------------------------------------------------------
    def folder(self, label: str) -> str:
        return f"{label}/migrations"

    def names(self, label: str) -> list[str]:
        folder = self.root / self.folder(label)
        if not folder.is_dir():
            return []
        return sorted(p.stem for p in folder.glob("*.py") if not p.name.startswith("_"))

    def add_app(self, label: str) -> None:
        self.write(f"{label}/__init__.py", "")
        self.write(f"{self.folder(label)}/__init__.py", "")
        self.write(f"{self.folder(label)}/0001_initial.py", migration(label, []))

    def add_migration(self, label: str, parent_index: int) -> None:
        names = self.names(label)
        if not names:
            return self.add_app(label)
        parent = names[parent_index % len(names)]
        number = max(int(n[:4]) for n in names if n[:4].isdigit()) + 1 if names else 1
        self.write(
            f"{self.folder(label)}/{number:04d}_step.py", migration(label, [(label, parent)])
        )
        return None

    def pick(self, label: str, index: int) -> str | None:
        names = self.names(label)
        return f"{self.folder(label)}/{names[index % len(names)]}.py" if names else None


# --- the edits ------------------------------------------------------------------------------------
# Each takes the site and a number drawn by hypothesis (which app, which file, which variant).


def add_migration(site: Site, n: int) -> None:
    site.add_migration(LABELS[n % 3], -1)


def add_branch(site: Site, n: int) -> None:
    site.add_migration(LABELS[n % 3], n // 3)


def delete_migration(site: Site, n: int) -> None:
    path = site.pick(LABELS[n % 3], n // 3)
    if path:
        site.remove(path)


def rename_migration(site: Site, n: int) -> None:
    path = site.pick(LABELS[n % 3], n // 3)
    if path:
        target = site.root / path.replace(".py", f"_r{n}.py")
        (site.root / path).rename(target)


def edit_migration(site: Site, n: int) -> None:
    """New content: another size, or the same size (a different character)."""
    label = LABELS[n % 3]
    path = site.pick(label, n // 3)
    if path:
        text = (site.root / path).read_text()
        if n % 2:
            text = text.replace("operations = []", "operations = []  # edited")
        else:
            text = text.replace(
                "from django.db import migrations", "from django.db import migratioNs"
            )
        site.write(path, text)


def touch_migration(site: Site, n: int) -> None:
    path = site.pick(LABELS[n % 3], n // 3)
    if path:
        site.stamp(site.root / path)


def break_migration(site: Site, n: int) -> None:
    path = site.pick(LABELS[n % 3], n // 3)
    if path:
        site.write(path, "class Migration(migrations.Migration:\n" if n % 2 else "x = 1\n")


def remove_app(site: Site, n: int) -> None:
    site.remove(LABELS[n % 3])


def remove_init(site: Site, n: int) -> None:
    site.remove(f"{site.folder(LABELS[n % 3])}/__init__.py")


def update_manifest(site: Site, n: int) -> None:
    main(["--root", str(site.root), "update"], out=io.StringIO(), err=io.StringIO())


def edit_manifest(site: Site, n: int) -> None:
    path = site.root / "migrations.toml"
    variant = n % 4
    if variant == 0:
        site.remove("migrations.toml")
    elif variant == 1 and path.exists():
        site.write("migrations.toml", path.read_text().replace("0001_initial", "0001_other", 1))
    elif variant == 2:
        site.write("migrations.toml", "version = 1\n\n[apps.shop]\nhead = 'x'\npath = 'nowhere'\n")
    else:
        label = LABELS[n % 3]
        site.write(
            "migrations.toml",
            f"version = 1\n\n[apps.{label}]\n<<<<<<< ours\nhead = 'a'\n=======\nhead = 'b'\n"
            ">>>>>>> theirs\n",
        )


def edit_config(site: Site, n: int) -> None:
    label = LABELS[(n // 6) % 3]
    variant = n % 6
    table = "[tool.django-migration-manifest]\n"
    if variant == 0:
        site.remove("pyproject.toml")
    elif variant == 1:
        site.write("pyproject.toml", f'{table}exclude = ["{label}"]\n')
    elif variant == 2:
        site.write(
            "pyproject.toml",
            f'{table}[tool.django-migration-manifest.labels]\n"{site.folder(label)}" = "renamed"\n',
        )
    elif variant == 3:
        site.write("pyproject.toml", f"{table}include-nested-repositories = true\n")
    elif variant == 4:
        site.write("pyproject.toml", f"{table}unknown = 1\n")
    else:
        site.write("pyproject.toml", '[project]\nname = "site"\r\n')


def edit_apps_py(site: Site, n: int) -> None:
    label = LABELS[n % 3]
    if (n // 3) % 3 == 0:
        site.remove(f"{label}/apps.py")
    else:
        site.write(
            f"{label}/apps.py",
            "from django.apps import AppConfig\n\n\n"
            f"class Config(AppConfig):\n    name = {label!r}\n    label = 'x{n % 2}_{label}'\n",
        )


def nested_repository(site: Site, n: int) -> None:
    if n % 2:
        site.remove("vendor")
        return
    (site.root / "vendor" / ".git").mkdir(parents=True, exist_ok=True)
    site.write("vendor/lib/__init__.py", "")
    site.write("vendor/lib/migrations/__init__.py", "")
    site.write("vendor/lib/migrations/0001_initial.py", migration("lib", []))


def pending_journal(site: Site, n: int) -> None:
    journal = site.root / ".git" / "migration-manifest" / "journal"
    if n % 2:
        shutil.rmtree(journal, ignore_errors=True)
    else:
        journal.mkdir(parents=True, exist_ok=True)


def foreign_cache_file(site: Site, n: int) -> None:
    other = site.root / ".migration_manifest_cache" / "notes.txt"
    if n % 2:
        other.unlink(missing_ok=True)
    elif other.parent.is_dir():
        other.write_text("mine")


EDITS: tuple[Callable[[Site, int], None], ...] = (
    add_migration,
    add_branch,
    delete_migration,
    rename_migration,
    edit_migration,
    touch_migration,
    break_migration,
    remove_app,
    remove_init,
    update_manifest,
    edit_manifest,
    edit_config,
    edit_apps_py,
    nested_repository,
    pending_journal,
    foreign_cache_file,
)


# --- the property ---------------------------------------------------------------------------------


def full(site: Site, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--root", str(site.root), *argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def replayed(site: Site, *argv: str) -> tuple[int, str, str] | None:
    out = io.StringIO()
    code = verdict.replay(["--root", str(site.root), *argv], out=out)
    return None if code is None else (code, out.getvalue(), "")


def may_remember(site: Site, answer: tuple[int, str, str]) -> bool:
    """Whether nothing keeps this answer from being remembered (see ``verdict``)."""
    cache = site.root / ".migration_manifest_cache"
    journal = site.root / ".git" / "migration-manifest" / "journal"
    return (
        answer[0] in (0, 1)
        and not answer[2]
        and cache.is_dir()
        and not (cache / "notes.txt").exists()
        and not journal.exists()
    )


Step = tuple[Callable[[Site, int], None], int, "tuple[str, ...] | None"]
steps = st.lists(
    st.tuples(
        st.sampled_from(EDITS),
        st.integers(0, 30),
        st.one_of(st.none(), st.sampled_from(OPTIONS)),  # None: the same options again
    ),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=int(os.environ.get("VERDICT_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_a_remembered_answer_is_the_full_answer(
    tmp_path_factory: pytest.TempPathFactory, steps: list[Step]
) -> None:
    """After every edit: the answer remembered before it is refused or is what a full ``check``
    answers now (which is what ``--no-cache`` answers); and that answer is remembered whenever
    nothing keeps it from being."""
    site = Site(tmp_path_factory.mktemp("site") / "repo")
    update_manifest(site, 0)
    options: tuple[str, ...] = ()
    assert full(site, "check")[0] == 0
    for edit, n, next_options in steps:
        edit(site, n)
        options = options if next_options is None else next_options
        where = (edit.__name__, n, options)
        stale = replayed(site, "check", *options)
        truth = full(site, "check", *options)
        assert stale is None or stale == truth, where
        if not (site.root / ".migration_manifest_cache" / "notes.txt").exists():
            # --no-cache never looks at the cache folder (a foreign file there is an error)
            assert full(site, "--no-cache", "check", *options) == truth, where
        remembered = replayed(site, "check", *options)
        assert remembered is None or remembered == truth, where
        if may_remember(site, truth):
            assert remembered == truth, (*where, "was not remembered")


# --- each guard, on its own -----------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Site:
    site = Site(tmp_path / "repo")
    update_manifest(site, 0)
    assert full(site, "check") == (0, "migrations.toml is up to date: 2 apps, 2 migrations.\n", "")
    return site


def test_an_unchanged_repository_is_answered_from_memory(site: Site) -> None:
    assert replayed(site, "check") == full(site, "--no-cache", "check")


def test_a_stale_answer_would_be_wrong_without_the_walk(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scenario the walk's digest guards against: without it, a new migration goes unseen
    (so the tests above can fail)."""
    monkeypatch.setattr(Walk, "digest", lambda self: b"always the same")
    assert full(site, "check")[0] == 0  # remembered with the constant digest
    add_migration(site, 0)
    assert replayed(site, "check") == (
        0,
        "migrations.toml is up to date: 2 apps, 2 migrations.\n",
        "",
    )
    assert full(site, "--no-cache", "check")[0] == 1


def test_another_version_of_the_tool_answers_afresh(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer belongs to the code that gave it: an edited module of the tool (an editable
    install) or another release does not repeat it."""
    assert replayed(site, "check") is not None
    stamp = verdict.code_stamp()
    assert stamp is not None
    assert "verdict.py" in {name for name, _, _ in stamp}
    monkeypatch.setattr(verdict, "code_stamp", lambda: (*stamp[1:], ("cli.py", 1, 2)))
    assert replayed(site, "check") is None


def test_a_file_modified_just_now_is_not_trusted(site: Site) -> None:
    """An edit within the file system's timestamp resolution might keep the mtime: an answer
    that rests on a file modified in the last two seconds is not remembered."""
    path = site.root / site.folder("shop") / "0002_fresh.py"
    path.write_text(migration("shop", [("shop", "0001_initial")]))
    answer = full(site, "check")
    assert answer[0] == 1
    assert replayed(site, "check") is None
    site.stamp(path)
    assert full(site, "check") == answer
    assert replayed(site, "check") == answer


@pytest.mark.parametrize("what", ["dangling module", "apps.py linked to a folder"])
def test_an_unreadable_file_is_never_remembered(site: Site, what: str) -> None:
    """Whether a file can be opened may change without a new mtime (permissions, a link's
    target): an answer with an unreadable file (MM105) is not remembered."""
    if what == "dangling module":
        (site.root / site.folder("shop") / "0002_gone.py").symlink_to(site.root / "nowhere.py")
    else:
        (site.root / "blog" / "apps.py").symlink_to(site.root / "blog")  # opens as a folder
        site.stamp(site.root / "blog")  # the folder is what apps.py's stat shows: not new
    answer = full(site, "check")
    assert "[MM105]" in answer[1]
    assert replayed(site, "check") is None
    assert full(site, "check") == answer


def test_another_command_line_is_answered_in_full(site: Site) -> None:
    assert replayed(site, "check", "--format", "json") is None
    answer = full(site, "check", "--format", "json")
    assert '"ok": true' in answer[1]
    assert replayed(site, "check", "--format", "json") == answer
    assert replayed(site, "check") == full(site, "--no-cache", "check")  # both are kept


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["check"], (None,)),
        (["--root", "a", "check"], ("a",)),
        (["check", "--root=a", "--format", "json", "--fail-level=info"], ("a",)),
        (["--format=github", "check"], (None,)),
        (["check", "--no-cache"], None),
        (["check", "--root", "a", "--root", "b"], None),
        (["--ro", "a", "check"], None),  # argparse's abbreviations: the full parser decides
        (["check", "--format"], None),
        (["check", "--format", "-h"], None),
        (["check", "check"], None),
        (["--help"], None),
        (["show"], None),
        ([], None),
    ],
)
def test_only_plain_check_command_lines_are_replayed(
    argv: list[str], expected: tuple[str | None] | None
) -> None:
    assert verdict.root_option(argv) == expected


# --- the real entry point -------------------------------------------------------------------------


def module(cwd: Path, *argv: str) -> tuple[int, str, str]:
    result = subprocess.run(
        [sys.executable, "-m", "manifest_core", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, result.stdout, result.stderr


@pytest.mark.parametrize(
    "edit",
    [
        add_migration,
        add_branch,
        delete_migration,
        rename_migration,
        edit_migration,
        break_migration,
        remove_init,
        edit_manifest,
        edit_config,
        edit_apps_py,
        nested_repository,
        pending_journal,
    ],
)
def test_python_m_answers_as_a_full_check_after_an_edit(
    site: Site, edit: Callable[[Site, int], None]
) -> None:
    """``python -m manifest_core check`` from the root, and with ``--root .`` from a subfolder."""
    subfolder = site.root / "shop"
    for cwd, argv in ((site.root, ["check"]), (subfolder, ["--root", "..", "check"])):
        assert module(cwd, *argv) == module(cwd, *argv, "--no-cache")  # remembered, then replayed
    edit(site, 2)
    for cwd, argv in ((site.root, ["check"]), (subfolder, ["--root", "..", "check"])):
        if cwd.is_dir():
            assert module(cwd, *argv) == module(cwd, *argv, "--no-cache"), argv
