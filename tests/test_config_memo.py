"""``pyproject.toml``'s table is remembered by content, so a warm ``check`` parses no TOML."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli, write_chain

from manifest_core.config import DEFAULT_CACHE_DIR, ConfigError, load_config

TABLE = '[project]\nname = "site"\n\n[tool.django-migration-manifest]\n'


def test_the_memo_follows_the_file_contents(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(TABLE + 'exclude = ["vendor"]\n')
    assert load_config(tmp_path, memo=True).exclude == ("vendor",)
    assert (tmp_path / DEFAULT_CACHE_DIR / "config.marshal").exists()
    assert load_config(tmp_path, memo=True).exclude == ("vendor",)  # from the memo
    pyproject.write_text(TABLE + 'exclude = ["legacy"]\n')
    assert load_config(tmp_path, memo=True).exclude == ("legacy",)
    pyproject.write_text(TABLE + "exclude = 3\n")
    with pytest.raises(ConfigError, match="exclude: must be a list of path patterns"):
        load_config(tmp_path, memo=True)
    pyproject.write_text(TABLE + "exclude = [\n")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_config(tmp_path, memo=True)


def test_without_memo_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(TABLE + 'exclude = ["vendor"]\n')
    assert load_config(tmp_path).exclude == ("vendor",)
    assert not (tmp_path / DEFAULT_CACHE_DIR).exists()


def test_a_memo_from_other_contents_is_not_used(tmp_path: Path) -> None:
    """Two settings files, one cache folder: each reads its own setting."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(TABLE + 'swappable = { AUTH_USER_MODEL = "accounts.User" }\n')
    assert load_config(tmp_path, memo=True).swappable["AUTH_USER_MODEL"] == "accounts.User"
    pyproject.write_text(TABLE + 'swappable = { AUTH_USER_MODEL = "people.Person" }\n')
    assert load_config(tmp_path, memo=True).swappable["AUTH_USER_MODEL"] == "people.Person"


def test_a_moved_cache_folder_is_not_created_at_the_default_place(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(TABLE + 'cache-dir = ".cache/manifest"\n')
    assert load_config(tmp_path, memo=True).cache_dir == ".cache/manifest"
    assert not (tmp_path / DEFAULT_CACHE_DIR).exists()


def test_no_cache_writes_no_memo(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(TABLE + 'exclude = ["vendor"]\n')
    write_chain(tmp_path, "shop", "0001_initial")
    code, _, err = run_cli("--root", str(tmp_path), "--no-cache", "update")
    assert (code, err) == (0, "")
    # outside git the writers' lock lives in the cache folder; no cache record is written there
    cache = tmp_path / DEFAULT_CACHE_DIR
    assert not cache.exists() or not list(cache.glob("*.marshal"))
