"""Draw the extension's icon (images/icon.png, 128x128): two migration branches, as nodes on
lines, joining into one head, white on Django's green. Standard library only:

    python3 scripts/make-icon.py images/icon.png
"""

from __future__ import annotations

import math
import struct
import sys
import zlib

SIZE = 128
BACKGROUND = (12, 75, 51)
FOREGROUND = (255, 255, 255)
ACCENT = (68, 183, 139)

# (x, y) in a 128-unit square: the main line, the branch and where it rejoins
SEGMENTS = [((44, 20), (44, 108)), ((84, 36), (84, 64)), ((84, 64), (44, 96))]
NODES = [
    ((44, 20), FOREGROUND),
    ((44, 58), FOREGROUND),
    ((84, 36), ACCENT),
    ((84, 64), ACCENT),
    ((44, 96), FOREGROUND),
]
LINE = 5.0
RADIUS = 10.0


def _distance(px: float, py: float, a: tuple[int, int], b: tuple[int, int]) -> float:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def _blend(under: tuple[int, ...], over: tuple[int, ...], alpha: float) -> tuple[int, ...]:
    return tuple(round(u + (o - u) * alpha) for u, o in zip(under, over, strict=True))


def pixel(x: int, y: int) -> tuple[int, ...]:
    px, py = x + 0.5, y + 0.5
    # a rounded square
    corner = 22
    cx, cy = min(max(px, corner), SIZE - corner), min(max(py, corner), SIZE - corner)
    edge = corner - math.hypot(px - cx, py - cy)
    colour: tuple[int, ...] = (*BACKGROUND, 255)
    if edge < 0.5:
        colour = (*BACKGROUND, max(0, min(255, round((edge + 0.5) * 255))))
    for a, b in SEGMENTS:
        cover = max(0.0, min(1.0, LINE - _distance(px, py, a, b) + 0.5))
        if cover:
            colour = (*_blend(colour[:3], FOREGROUND, cover), colour[3])
    for (nx, ny), fill in NODES:
        cover = max(0.0, min(1.0, RADIUS - math.hypot(px - nx, py - ny) + 0.5))
        if cover:
            colour = (*_blend(colour[:3], fill, cover), colour[3])
    return colour


def png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    raw = b"".join(b"\0" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    rows = [bytes(v for x in range(SIZE) for v in pixel(x, y)) for y in range(SIZE)]
    with open(sys.argv[1], "wb") as handle:
        handle.write(png(SIZE, SIZE, rows))


if __name__ == "__main__":
    main()
