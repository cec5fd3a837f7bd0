"""Migration numbers as Django reads them, and renumbering a name by a shift.

``makemigrations`` numbers a new migration ``parse_number(leaf) + 1``, where ``parse_number`` takes
the number after ``_squashed_`` for a squashed migration (``0001_initial_squashed_0004_price`` is
4) and else the leading digits; a name without digits has no number. Renumbering shifts every
number in a name by the same amount, so a squash and the migrations it replaces stay consistent
(``0003_squashed_0005_x`` and ``0003_a``..``0005_c`` become ``0005_squashed_0007_x`` and
``0005_a``..``0007_c``), and keeps each number's width (``0009`` becomes ``0010``).
"""

from __future__ import annotations

import re

_SQUASHED_RE = re.compile(r".*_squashed_(\d+)")
_LEADING_RE = re.compile(r"^\d+")
_BOTH_RE = re.compile(r"^(\d+)(.*_squashed_)(\d+)(.*)$", re.S)
_SQUASHED_ONLY_RE = re.compile(r"^(.*_squashed_)(\d+)(.*)$", re.S)
_LEADING_ONLY_RE = re.compile(r"^(\d+)(.*)$", re.S)


def parse_number(name: str) -> int | None:
    """``MigrationAutodetector.parse_number``: the number Django reads in a migration name."""
    squashed = _SQUASHED_RE.search(name)
    if squashed:
        return int(squashed.group(1))
    leading = _LEADING_RE.match(name)
    return int(leading.group(0)) if leading else None


def first_number(name: str) -> int | None:
    """The lowest number a name carries: its leading digits (a squash's start), else Django's."""
    leading = _LEADING_RE.match(name)
    return int(leading.group(0)) if leading else parse_number(name)


def _format(digits: str, delta: int) -> str:
    return f"{max(int(digits) + delta, 0):0{len(digits)}d}"


def shift_name(name: str, delta: int) -> str:
    """``name`` with every number Django reads in it shifted by ``delta``; unchanged if none."""
    if delta == 0:
        return name
    both = _BOTH_RE.match(name)
    if both:
        start, middle, end, rest = both.groups()
        return f"{_format(start, delta)}{middle}{_format(end, delta)}{rest}"
    squashed = _SQUASHED_ONLY_RE.match(name)
    if squashed:
        prefix, end, rest = squashed.groups()
        return f"{prefix}{_format(end, delta)}{rest}"
    leading = _LEADING_ONLY_RE.match(name)
    if leading:
        start, rest = leading.groups()
        return f"{_format(start, delta)}{rest}"
    return name
