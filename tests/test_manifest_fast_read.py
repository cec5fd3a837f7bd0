"""The manifest shape ``update`` writes is read without a TOML parser, with the same result.

The fast reader (:func:`manifest_core.manifest._simple_data`) must either give exactly the data
``tomllib`` gives or decline (``None``) so that ``tomllib`` reads the file. Hypothesis builds
files from lines of the written shape and lines just outside it.
"""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from manifest_core.manifest import _simple_data, parse_manifest, render_manifest
from manifest_core.text import split_lines

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

NAMES = st.sampled_from(["shop", "blog", "a-b", "x_1", "0001", "head", "path", "apps", "version"])
STRINGS = st.one_of(
    st.text(alphabet=st.sampled_from(["a", "0", "_", "/", " ", "#", "é"]), max_size=6),
    st.text(alphabet=st.sampled_from(["a", "'", '"', "\\", "\t", "\x7f", "\x01"]), max_size=3),
)
COMMENTS = st.sampled_from(["", "", "", " # note", "#", "\t# é", " #\x01"])


@st.composite
def lines(draw: st.DrawFn) -> str:
    # mostly the written shape, with now and then a line just outside it
    kind = draw(st.sampled_from([0, 1, 2, 2, 2, 4, 4, 4, 4, 4, 4, 3, 7, 8, 9]))
    name, value, comment = draw(NAMES), draw(STRINGS), draw(COMMENTS)
    space = draw(st.sampled_from(["", " ", "\t", "  "]))
    if kind == 0:
        return f"{space}{comment}"
    if kind == 1:
        number = draw(st.sampled_from(["1", "0", "01", "2", "1_0", '"1"']))
        return f"version{space}={space}{number}{comment}"
    if kind == 2:
        indent = draw(st.sampled_from(["", " "]))
        return f"{indent}[apps.{name}]{space}{comment}"
    if kind == 3:
        table = draw(st.sampled_from(["apps", "tool", "apps.a.b", 'apps."q"']))
        return f"[{table}]{comment}"
    if kind == 4:
        quote = draw(st.sampled_from(['"', "'"]))
        return f"{name}{space}={space}{quote}{value}{quote}{space}{comment}"
    if kind == 7:
        other = draw(st.sampled_from(["1", "true", "[]", '"""x"""', ""]))
        return f"{name} = {other}"
    if kind == 8:
        return f'{name}.head = "{value}"'
    return draw(st.sampled_from(["<<<<<<< ours", "=======", "garbage", "[apps.x", 'a = "b']))


def tomllib_data(text: str) -> object:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return "invalid"


@st.composite
def manifests(draw: st.DrawFn) -> str:
    """A version line and tables of keys, in the written shape or near it."""
    body = [draw(lines()) if draw(st.booleans()) else "version = 1"]
    for _ in range(draw(st.integers(0, 3))):
        body.append(f"[apps.{draw(NAMES)}]")
        body += draw(st.lists(lines(), max_size=3))
    return "\n".join(body) + "\n"


@settings(max_examples=500, deadline=None)
@given(manifests())
def test_the_fast_reader_agrees_with_tomllib_or_declines(text: str) -> None:
    fast = _simple_data(split_lines(text))
    if fast is not None:
        assert fast == tomllib_data(text)


def test_the_written_shape_takes_the_fast_path() -> None:
    text = render_manifest({"shop": ("0002_order", "shop/migrations"), "blog": ("0001", "b/m")})
    data = _simple_data(split_lines(text))
    assert data == tomllib.loads(text)
    assert data is not None
    assert data["apps"] == {
        "blog": {"head": "0001", "path": "b/m"},
        "shop": {"head": "0002_order", "path": "shop/migrations"},
    }


@pytest.mark.parametrize(
    "text",
    [
        'version = 1\n[apps.shop]\nhead = "0001"\nhead = "0002"\n',  # a duplicate key
        'version = 1\n[apps.shop]\nhead = "0001"\n[apps.shop]\npath = "x"\n',  # a duplicate table
        'version = 1\n[apps.shop]\nhead = "a\\u0041"\n',  # an escape
        "version = 1\n[apps.shop]\nhead = 1\n",
        'version = 1\napps.shop.head = "x"\n',
        "[apps.shop]\nversion = 1\n",
    ],
)
def test_other_shapes_go_to_tomllib(text: str) -> None:
    assert _simple_data(split_lines(text)) is None
    manifest = parse_manifest(text)  # and are read as before, problems included
    assert manifest.exists
