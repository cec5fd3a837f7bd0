"""The distributions users install, built from this tree as a release would be.

``python -m build`` makes the sdist, then the wheel from the unpacked sdist (as pip does), so a
file missing from the sdist breaks the wheel here. The sdist ships no tests (the suite needs this
repository's fixtures, example projects and git, and runs from a checkout); both carry the MIT
LICENSE, complete metadata, and pass ``twine check --strict``.
"""

from __future__ import annotations

import email.parser
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from pathlib import Path

import pytest
import trove_classifiers
from source_tree import ROOT, copy_source_tree

from manifest_core import __version__

NAME = f"django_migration_manifest-{__version__}"
PACKAGES = {"manifest_core", "django_integration", "lsp_server"}
REPOSITORY = "https://github.com/django-migration-manifest/django-migration-manifest"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = copy_source_tree(tmp_path_factory.mktemp("source"))
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(tree)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(p.name for p in out.iterdir()) == [f"{NAME}-py3-none-any.whl", f"{NAME}.tar.gz"]
    return out


def sdist_members(dist: Path) -> list[str]:
    with tarfile.open(dist / f"{NAME}.tar.gz") as archive:
        names = [m.name for m in archive.getmembers() if m.isfile()]
    assert all(name.startswith(f"{NAME}/") for name in names)
    return sorted(name.removeprefix(f"{NAME}/") for name in names)


def wheel_members(dist: Path) -> list[str]:
    with zipfile.ZipFile(dist / f"{NAME}-py3-none-any.whl") as archive:
        return sorted(archive.namelist())


def metadata(dist: Path) -> Message:
    with zipfile.ZipFile(dist / f"{NAME}-py3-none-any.whl") as archive:
        text = archive.read(f"{NAME}.dist-info/METADATA").decode()
    return email.parser.Parser().parsestr(text)


def test_the_sdist_ships_the_packages_and_the_license_but_no_tests(dist: Path) -> None:
    members = sdist_members(dist)
    top = {name.split("/", 1)[0] for name in members}
    assert top == {
        *PACKAGES,
        "CHANGELOG.md",
        "LICENSE",
        "MANIFEST.in",
        "PKG-INFO",
        "README.md",
        "django_migration_manifest.egg-info",
        "pyproject.toml",
        "setup.cfg",
    }
    assert not [name for name in members if name.rsplit("/", 1)[-1].startswith("test")]
    with tarfile.open(dist / f"{NAME}.tar.gz") as archive:
        member = archive.extractfile(f"{NAME}/LICENSE")
        assert member is not None
        assert member.read() == (ROOT / "LICENSE").read_bytes()


def test_the_wheel_ships_the_packages_license_and_console_scripts(dist: Path) -> None:
    members = wheel_members(dist)
    assert {name.split("/", 1)[0] for name in members} == {*PACKAGES, f"{NAME}.dist-info"}
    assert f"{NAME}.dist-info/licenses/LICENSE" in members
    assert {f"{package}/py.typed" for package in PACKAGES} <= set(members)
    with zipfile.ZipFile(dist / f"{NAME}-py3-none-any.whl") as archive:
        scripts = archive.read(f"{NAME}.dist-info/entry_points.txt").decode()
    assert "migration-manifest = manifest_core.verdict:console_main" in scripts
    assert "django-migration-manifest-lsp = lsp_server.__main__:main" in scripts


def test_the_metadata_is_complete(dist: Path) -> None:
    meta = metadata(dist)
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert meta["Requires-Python"] == ">=3.10"
    classifiers = meta.get_all("Classifier") or []
    unknown = [c for c in classifiers if c not in trove_classifiers.classifiers]
    assert unknown == [], "PyPI rejects unknown classifiers"
    assert {c for c in classifiers if c.startswith("Programming Language :: Python :: 3.")} == {
        f"Programming Language :: Python :: 3.{minor}" for minor in (10, 11, 12, 13)
    }
    assert {c for c in classifiers if c.startswith("Framework :: Django :: ")} == {
        f"Framework :: Django :: {version}" for version in ("5.2", "6.0", "6.1")
    }
    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL") or [])
    assert urls == {
        "Homepage": REPOSITORY,
        "Documentation": f"{REPOSITORY}#readme",
        "Source": REPOSITORY,
        "Issues": f"{REPOSITORY}/issues",
        "Changelog": f"{REPOSITORY}/blob/main/CHANGELOG.md",
    }
    assert (ROOT / "CHANGELOG.md").is_file()
    assert meta.get_payload() == (ROOT / "README.md").read_text()


def test_twine_accepts_both_distributions(dist: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *sorted(map(str, dist.iterdir()))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout
