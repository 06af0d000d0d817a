"""Plain badge images to bake into when a credential definition has no artwork of its own.

The SVG is accessible: ``role="img"`` with a ``<title>`` (the badge name) and ``<desc>``
(who issued it) that screen readers announce. The PNG is a small self-written encoder (zlib
and struct) drawing a coloured medal; PNG text would need a font, so the name stays in the
credential and in the SVG. No imaging library is needed for either.
"""

from __future__ import annotations

import re
import struct
import textwrap
import zlib
from xml.sax.saxutils import escape

from lti_tool.badges.baking import PNG_SIGNATURE, png_chunk

DEFAULT_COLOR = "#1d4ed8"
_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _rgb(color: str) -> tuple[int, int, int]:
    if not _HEX_COLOR.match(color):
        raise ValueError(f"color {color!r} is not #rrggbb")
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def render_badge_svg(name: str, issuer: str, color: str = DEFAULT_COLOR) -> bytes:
    """An accessible 256x256 SVG medal showing the badge name and the issuer."""
    _rgb(color)
    lines = textwrap.wrap(name, 18)[:3] or [""]
    first_y = 128 - (len(lines) - 1) * 11
    name_spans = "".join(
        f'<tspan x="128" y="{first_y + 22 * index}">{escape(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    issuer_line = escape(textwrap.shorten(issuer, 32, placeholder="…"))
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 256" width="256" '
        'height="256" role="img" aria-labelledby="badge-title badge-desc">'
        f'<title id="badge-title">{escape(name)}</title>'
        f'<desc id="badge-desc">Open Badge issued by {escape(issuer)}</desc>'
        f'<circle cx="128" cy="128" r="124" fill="{color}"/>'
        '<circle cx="128" cy="128" r="108" fill="none" stroke="#ffffff" stroke-width="4"/>'
        '<text text-anchor="middle" font-family="sans-serif" font-size="20" '
        f'font-weight="bold" fill="#ffffff">{name_spans}</text>'
        '<text x="128" y="206" text-anchor="middle" font-family="sans-serif" font-size="12" '
        f'fill="#ffffff">{issuer_line}</text>'
        "</svg>\n"
    )
    return svg.encode("utf-8")


def render_badge_png(size: int = 256, color: str = DEFAULT_COLOR) -> bytes:
    """A ``size`` x ``size`` RGBA PNG: a filled disc with a white ring, transparent corners."""
    if not 16 <= size <= 1024:
        raise ValueError("size must be between 16 and 1024 pixels")
    red, green, blue = _rgb(color)
    fill = bytes((red, green, blue, 255))
    ring = b"\xff\xff\xff\xff"
    clear = b"\0\0\0\0"
    centre = (size - 1) / 2
    outer, ring_out, ring_in = (size / 2) ** 2, (size * 0.44) ** 2, (size * 0.42) ** 2
    rows = []
    for y in range(size):
        row = bytearray(b"\0")  # filter type 0 (None) for every scanline
        dy = (y - centre) ** 2
        for x in range(size):
            distance = (x - centre) ** 2 + dy
            if distance > outer:
                row += clear
            elif ring_in <= distance <= ring_out:
                row += ring
            else:
                row += fill
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        PNG_SIGNATURE
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + png_chunk(b"IEND", b"")
    )
