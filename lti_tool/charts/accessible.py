"""Make matplotlib's SVG fit to inline in a page: named for screen readers, ids unique per
chart, and no inline CSS (our Content-Security-Policy forbids ``style`` attributes).

matplotlib writes ``style="fill: #fff; stroke: #000"`` on most elements and a ``<style>`` block
in ``<defs>``. Both become SVG presentation attributes (``fill="#fff"``), which a CSP does not
govern; the ``<style>`` block's two defaults become attributes of the root, inherited by all.
"""

from __future__ import annotations

import re
from html import escape

from lti_tool.domain.series import ChartData

_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style>\s*", re.DOTALL)
_STYLE_ATTR = re.compile(r'\sstyle="([^"]*)"')
_ID = re.compile(r'\bid="([^"]+)"')
_URL_REF = re.compile(r"url\(#([^)]+)\)")
_HREF_REF = re.compile(r'(xlink:href|href)="#([^"]+)"')
_VIEWBOX = re.compile(r'viewBox="([^"]+)"')
_FONT = re.compile(r"^(?:(?P<style>italic|oblique|normal)\s+)?(?:(?P<weight>bold|\d{3})\s+)?"
                   r"(?P<size>[\d.]+px)\s+(?P<family>.+)$")  # fmt: skip
PRESENTATION = frozenset(
    {
        "clip-path", "fill", "fill-opacity", "fill-rule", "font-family", "font-size",
        "font-style", "font-weight", "opacity", "stroke", "stroke-dasharray",
        "stroke-dashoffset", "stroke-linecap", "stroke-linejoin", "stroke-miterlimit",
        "stroke-opacity", "stroke-width", "text-anchor", "dominant-baseline",
    }
)  # fmt: skip


def accessible_svg(svg: str, chart: ChartData) -> str:
    """Inline-ready SVG: ``role="img"``, ``<title>`` and ``<desc>`` named by
    ``aria-labelledby``, scalable (viewBox, no fixed size), ids prefixed with ``chart.key``."""
    prefix = f"chart-{chart.key}"
    body = _PROLOGUE.sub("", svg, count=1)
    body = _METADATA.sub("", body)
    body = _STYLE_BLOCK.sub("", body)
    body = _STYLE_ATTR.sub(lambda m: _attributes(m.group(1)), body)
    body = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', body)
    body = _URL_REF.sub(lambda m: f"url(#{prefix}-{m.group(1)})", body)
    body = _HREF_REF.sub(lambda m: f'{m.group(1)}="#{prefix}-{m.group(2)}"', body)
    opening = _SVG_OPEN.search(body)
    if opening is None:
        raise ValueError("matplotlib wrote no <svg> element")
    viewbox = _VIEWBOX.search(opening.group(0))
    title_id, desc_id = f"{prefix}-title", f"{prefix}-desc"
    tag = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="{viewbox.group(1) if viewbox else "0 0 518 274"}" role="img" '
        'stroke-linejoin="round" stroke-linecap="butt" '
        f'aria-labelledby="{title_id} {desc_id}" focusable="false">'
        f'<title id="{title_id}">{escape(chart.title)}</title>'
        f'<desc id="{desc_id}">{escape(describe(chart))}</desc>'
    )
    return body[: opening.start()] + tag + body[opening.end() :]


def describe(chart: ChartData) -> str:
    """The description read out: what the chart shows and every value in it."""
    if chart.empty:
        return f"{chart.description} No data yet."
    parts = []
    for series in (*chart.series, *chart.table_only):
        unit = "%" if chart.percent else ""
        values = ", ".join(
            f"{category}: {_plain(value)}{unit}"
            for category, value in zip(chart.categories, series.values, strict=True)
        )
        parts.append(f"{series.name}: {values}.")
    parts.extend(f"{t.label}: {_plain(t.value)}." for t in chart.thresholds)
    return " ".join([chart.description, *parts])


def _plain(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _attributes(style: str) -> str:
    """``fill: #fff; font: 10px 'DejaVu Sans'`` as presentation attributes."""
    out: list[str] = []
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if not name or not value:
            continue
        if name == "font":
            found = _FONT.match(value)
            if found is None:
                continue
            for key in ("style", "weight", "size", "family"):
                if found.group(key):
                    out.append(f'font-{key}="{escape(found.group(key), quote=True)}"')
        elif name in PRESENTATION:
            out.append(f'{name}="{escape(value, quote=True)}"')
    return "".join(f" {item}" for item in out)
