"""``check`` and ``--help`` load only what they use: start-up is most of a warm ``check``.

Each case runs ``python -X importtime -m manifest_core ...`` as a real subprocess and asserts on
the modules it imported, not on time, so the test holds on any machine. The forbidden list names
whole module families, so a command added later (its planner, its journal, its writer) is caught
as soon as the ``check`` path starts importing it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli, write_chain

from manifest_core import cli
from manifest_core.model import Severity

#: Never imported by ``check`` or ``--help``: other commands' code, writers, processes, editors.
FORBIDDEN = (
    "manifest_core.resolve",
    "manifest_core.lint",
    "manifest_core.journal",
    "manifest_core.fsops",
    "manifest_core.update",
    "manifest_core.plan",
    "manifest_core.gitinfo",
    "manifest_core.graph",  # a warm check answers from the cache, without the graph
    "manifest_core.reader",  # ... without reading a migration
    "tomllib",  # ... and without parsing TOML (migrations.toml as written, pyproject.toml as seen)
    "tomli",
    "tomli_w",
    "subprocess",
    "json",
    "difflib",
    "shutil",  # argparse imports it to measure the terminal, with bz2 and lzma
    "threading",
    "hashlib",  # OpenSSL: the fingerprints use the built-in BLAKE2
    "django",
    "pygls",
    "lsprotocol",
)

#: Also kept off ``--help``: everything a command needs to read the repository.
FORBIDDEN_FOR_HELP = (
    *FORBIDDEN,
    "manifest_core.project",
    "manifest_core.manifest",
    "manifest_core.config",
    "manifest_core.cache",
    "tomllib",
    "tomli",
    # the core's frozen dataclasses: creating them is most of what --help would spend
    "manifest_core.model",
    "manifest_core.output",
    "dataclasses",
)


#: Never imported by a warm ``check`` that repeats its remembered answer (``verdict``): the
#: rest of the tool, the core's frozen dataclasses, and the standard modules they bring.
FORBIDDEN_FOR_REPLAY = (
    *FORBIDDEN_FOR_HELP,
    "manifest_core.cli",
    "manifest_core.codes",
    "manifest_core.discovery",
    "manifest_core.checks",
    "manifest_core.journal_path",
    "argparse",
    "typing",
    "inspect",
    "ast",
    "gettext",
)


def imported_modules(
    *args: str, cwd: Path, succeed: bool = True, entry: str = "manifest_core.cli"
) -> list[str]:
    """The modules ``python -m manifest_core <args>`` imports, in order (``-X importtime``)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "manifest_core", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 or not succeed, result.stdout + result.stderr
    modules = [
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and not line.rstrip().endswith("imported package")
    ]
    assert entry in modules, result.stderr  # the listing is the one expected
    return modules


def offenders(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden)]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (root / ".git").mkdir()  # the root as the CLI finds it, without running git
    (root / "pyproject.toml").write_text(
        '[project]\nname = "site"\n\n[tool.django-migration-manifest]\nexclude = ["vendor"]\n'
    )
    paths = write_chain(root, "shop", "0001_initial", "0002_order")
    paths += write_chain(root, "blog", "0001_initial")
    code, out, err = run_cli("--root", str(root), "update")
    assert code == 0, out + err
    old = 1_000_000_000  # older than the cache's two-second window, so the cache keeps them
    for path in [
        *paths,
        *root.rglob("__init__.py"),
        root / "migrations.toml",
        root / "pyproject.toml",
    ]:
        os.utime(path, (old, old))
    return root


def test_help_imports_no_command_code(project: Path) -> None:
    modules = imported_modules("--help", cwd=project)
    assert offenders(modules, FORBIDDEN_FOR_HELP) == []


@pytest.mark.parametrize("cache", ["cold", "warm"])
def test_check_imports_no_other_command_code(project: Path, cache: str) -> None:
    if cache == "warm":
        subprocess.run([sys.executable, "-m", "manifest_core", "check"], cwd=project, check=True)
        assert (project / ".migration_manifest_cache" / "summary.marshal").exists()
        # another command line than the one remembered: the full check, from the cache
        (project / ".migration_manifest_cache" / "verdict.marshal").unlink()
    modules = imported_modules("check", cwd=project)
    read_only_when_cold = ("manifest_core.graph", "manifest_core.reader", "tomllib", "tomli")
    forbidden = tuple(m for m in FORBIDDEN if cache == "warm" or m not in read_only_when_cold)
    assert offenders(modules, forbidden) == []


def test_a_warm_check_repeats_its_answer_with_the_walk_alone(project: Path) -> None:
    """The second ``check`` on an unchanged repository answers from its remembered verdict,
    without the rest of the tool: no argparse, no dataclasses, no typing."""
    first = subprocess.run(
        [sys.executable, "-m", "manifest_core", "check"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    assert (project / ".migration_manifest_cache" / "verdict.marshal").exists()
    modules = imported_modules("check", cwd=project, entry="manifest_core.verdict")
    assert offenders(modules, FORBIDDEN_FOR_REPLAY) == []
    again = subprocess.run(
        [sys.executable, "-m", "manifest_core", "check"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    assert (again.stdout, again.stderr) == (first.stdout, "")
    assert first.stdout == "migrations.toml is up to date: 2 apps, 3 migrations.\n"


def test_a_changed_check_runs_in_full(project: Path) -> None:
    """Any other command line runs the full command: the replay test sees the difference."""
    subprocess.run([sys.executable, "-m", "manifest_core", "check"], cwd=project, check=True)
    modules = imported_modules("check", "--no-cache", cwd=project)
    assert "manifest_core.model" in offenders(modules, FORBIDDEN_FOR_REPLAY)


def test_the_test_sees_a_forbidden_import(project: Path) -> None:
    """``resolve`` imports its planner: the listing the other tests read is the right one."""
    modules = imported_modules("resolve", "--dry-run", cwd=project, succeed=False)
    assert "manifest_core.resolve.planner" in offenders(modules, FORBIDDEN)


@pytest.mark.parametrize("name", sorted(cli.LAZY_COMMANDS))
def test_lazy_commands_help_matches_their_module(name: str) -> None:
    """``--help`` lists a command from :data:`cli.LAZY_COMMANDS` without importing it."""
    module, help_text, formats = cli.LAZY_COMMANDS[name]
    spec = cli.load_command(name)
    assert spec is not None, f"importing {module} did not register {name!r}"
    assert (spec.help, spec.formats) == (help_text, formats)


def test_severity_choices_match_the_model() -> None:
    assert tuple(s.label for s in sorted(Severity)) == cli.SEVERITIES


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["check"], "check"),
        (["--root", "lint", "check"], "check"),
        (["--format=json", "--no-cache", "lint", "--all"], "lint"),
        (["--fo", "json", "lint"], "lint"),
        (["--format", "json", "resolve"], "resolve"),
        (["--help"], None),
        (["--", "check"], None),
    ],
)
def test_chosen_command(argv: list[str], expected: str | None) -> None:
    assert cli.chosen_command(argv) == expected


def test_an_option_value_named_like_a_command_is_parsed_again(tmp_path: Path) -> None:
    """``--ro`` abbreviates ``--root``: the scan takes its value ``lint`` for the command."""
    migrations = tmp_path / "lint" / "blog" / "migrations"
    migrations.mkdir(parents=True)
    (migrations / "__init__.py").write_text("")
    (migrations / "0001_initial.py").write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n    initial = True\n    dependencies = []\n"
    )
    code, out, err = run_cli("--ro", "lint", "check", "--fail-level", "info", cwd=tmp_path)
    assert (code, err) == (1, "")
    assert "migrations.toml does not exist" in out


def test_the_language_server_starts_without_its_code_actions(tmp_path: Path) -> None:
    """First diagnostics need the linter, not the resolve planner or the manifest writer."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import lsp_server.server"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    modules = [line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()[1:]]
    assert "lsp_server.server" in modules
    later = (
        "lsp_server.actions",
        "lsp_server.navigation",
        "manifest_core.resolve",
        "manifest_core.fsops",
        "manifest_core.update",
        "manifest_core.journal",
        "tomli_w",
    )
    assert offenders(modules, later) == []


def test_the_console_script_repeats_a_warm_answer_too(project: Path) -> None:
    """``migration-manifest check`` (the pre-commit hook's entry) answers from memory as well."""
    script = Path(sys.executable).parent / "migration-manifest"
    if not script.exists():  # pragma: no cover - the test environment installs the package
        pytest.skip("the console script is not installed next to the interpreter")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    runs = [
        subprocess.run(
            [sys.executable, "-X", "importtime", str(script), "check"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        for _ in range(2)
    ]
    assert (
        runs[0].stdout == runs[1].stdout == "migrations.toml is up to date: 2 apps, 3 migrations.\n"
    )
    modules = [
        line.rsplit("|", 1)[1].strip()
        for line in runs[1].stderr.splitlines()
        if line.startswith("import time:")
    ]
    assert "manifest_core.verdict" in modules
    assert offenders(modules, FORBIDDEN_FOR_REPLAY) == []
