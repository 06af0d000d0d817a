"""Charts drawn on the server as accessible SVG, with the table and CSV behind each.

The only package that imports matplotlib (ADR 0014). Services compute
:class:`lti_tool.domain.series.ChartData`; the web layer calls :func:`render` and :func:`to_csv`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from lti_tool.charts.accessible import accessible_svg, describe
from lti_tool.domain.series import ChartData

__all__ = ["RenderedChart", "describe", "render", "to_csv"]


@dataclass(frozen=True)
class RenderedChart:
    """What a page shows: the chart, its table rows (header first) and the data it came from."""

    data: ChartData
    svg: str
    """Inline SVG markup, safe to insert unescaped: every text in it was escaped."""
    rows: list[tuple[str, ...]]


def render(chart: ChartData) -> RenderedChart:
    """Draw ``chart`` (an empty chart gets no SVG: the page says there is no data yet)."""
    from lti_tool.charts.draw import draw_svg  # matplotlib loads with the first chart drawn

    svg = "" if chart.empty else accessible_svg(draw_svg(chart), chart)
    return RenderedChart(chart, svg, chart.rows())


def to_csv(chart: ChartData) -> str:
    """The table behind ``chart`` as CSV (RFC 4180, CRLF), with thresholds as extra rows.

    Cells that a spreadsheet would run as a formula (leading ``= + - @``) are quoted with an
    apostrophe (CSV injection)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in chart.rows():
        writer.writerow([_safe(cell) for cell in row])
    for threshold in chart.thresholds:
        writer.writerow([_safe(threshold.label), f"{threshold.value:g}"])
    return out.getvalue()


def _safe(cell: str) -> str:
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell
