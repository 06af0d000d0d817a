"""Draw a :class:`ChartData` with matplotlib (Agg-free SVG canvas, no pyplot, no network).

Every series has its own hatch pattern or marker and line style as well as its own colour, and
bars carry their value as a label, so nothing is told by colour alone (WCAG 1.4.1). The colours
are dark enough against white for WCAG 2.1 AA non-text contrast (3:1).
"""

from __future__ import annotations

import io
import threading
from typing import Any

from matplotlib import rc_context
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lti_tool.domain.series import ChartData, ChartKind

COLOURS = ("#0b5cad", "#a4161a", "#1e6b34", "#6a3d9a", "#7a4b00", "#1b1f24")
"""At least 4.5:1 against white, so the same colours serve for text."""
HATCHES = ("", "//", "..", "xx", "\\\\", "--")
MARKERS = ("o", "s", "^", "D", "v", "P")
LINE_STYLES = ("-", "--", "-.", ":", "-", "--")
WIDTH_INCHES = 7.2
RC: dict[Any, Any] = {
    "svg.fonttype": "none",  # text stays text: searchable, scalable, read by the browser's font
    "svg.hashsalt": "credbridge",  # ids from a fixed salt: the same data gives the same bytes
    "svg.id": "chart",
    "font.family": "DejaVu Sans",  # bundled with matplotlib: measuring text needs no system font
    "font.size": 10.0,
    "hatch.linewidth": 1.2,
    "axes.edgecolor": "#4a5360",
    "axes.labelcolor": "#1b1f24",
    "xtick.color": "#1b1f24",
    "ytick.color": "#1b1f24",
    "text.color": "#1b1f24",
}
_LOCK = threading.Lock()
"""rc_context changes matplotlib's global settings: one drawing at a time per process."""


def draw_svg(chart: ChartData) -> str:
    """The chart as matplotlib's SVG text (not yet made accessible: see ``charts.accessible``)."""
    with _LOCK, rc_context(RC):
        figure = Figure(figsize=(WIDTH_INCHES, _height(chart)), layout="constrained")
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        if chart.kind is ChartKind.LINE:
            _lines(axes, chart)
        else:
            _bars(axes, chart)
        for index, threshold in enumerate(chart.thresholds):
            draw = axes.axvline if chart.kind is ChartKind.HORIZONTAL_BAR else axes.axhline
            draw(
                threshold.value,
                color="#1b1f24",
                linestyle=(0, (6, 3)) if index == 0 else (0, (2, 2)),
                linewidth=1.5,
                label=f"{threshold.label} ({threshold.value:g})",
            )
        axes.spines[["top", "right"]].set_visible(False)
        if not chart.percent:  # counts and whole days: no 0.2 ticks
            value_axis = axes.xaxis if chart.kind is ChartKind.HORIZONTAL_BAR else axes.yaxis
            value_axis.set_major_locator(MaxNLocator(integer=True))
        if len(chart.series) > 1 or chart.thresholds:  # under the axis label, never over it
            figure.legend(frameon=False, loc="outside lower left", ncols=2)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
        return out.getvalue()


def _height(chart: ChartData) -> float:
    if chart.kind is ChartKind.HORIZONTAL_BAR:
        return max(2.6, 0.9 + 0.38 * len(chart.categories) * max(1, len(chart.series)))
    return 3.8


def _bars(axes: Any, chart: ChartData) -> None:
    count = max(1, len(chart.series))
    width = 0.8 / count
    positions = range(len(chart.categories))
    horizontal = chart.kind is ChartKind.HORIZONTAL_BAR
    for index, series in enumerate(chart.series):
        offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        style = {
            "color": "#ffffff" if HATCHES[index % len(HATCHES)] else COLOURS[index % 6],
            "edgecolor": COLOURS[index % len(COLOURS)],
            "hatch": HATCHES[index % len(HATCHES)],
            "linewidth": 1.2,
            "label": series.name,
        }
        if horizontal:
            bars = axes.barh(offsets, series.values, height=width, **style)
        else:
            bars = axes.bar(offsets, series.values, width=width, **style)
        labels = [_value_label(v, chart.percent) for v in series.values]
        axes.bar_label(bars, labels=labels, padding=2, fontsize=8.5)
    if horizontal:
        axes.set_yticks(list(positions), chart.categories)
        axes.invert_yaxis()
        axes.set_xlabel(chart.value_label)
        axes.margins(x=0.12)
    else:
        axes.set_xticks(list(positions), chart.categories, rotation=_rotation(chart))
        axes.set_ylabel(chart.value_label)
        axes.set_xlabel(chart.category_label)
        axes.margins(y=0.12)
    if chart.percent:
        (axes.set_xlim if horizontal else axes.set_ylim)(0, 110)


def _lines(axes: Any, chart: ChartData) -> None:
    positions = list(range(len(chart.categories)))
    for index, series in enumerate(chart.series):
        axes.plot(
            positions,
            series.values,
            color=COLOURS[index % len(COLOURS)],
            marker=MARKERS[index % len(MARKERS)],
            linestyle=LINE_STYLES[index % len(LINE_STYLES)],
            linewidth=2,
            label=series.name,
        )
    axes.set_xticks(positions, chart.categories, rotation=_rotation(chart))
    axes.set_ylabel(chart.value_label)
    axes.set_xlabel(chart.category_label)
    axes.set_ylim(bottom=0)


def _rotation(chart: ChartData) -> int:
    longest = max((len(c) for c in chart.categories), default=0)
    return 30 if longest * len(chart.categories) > 60 else 0


def _value_label(value: float, percent: bool) -> str:
    text = f"{value:.0f}" if float(value).is_integer() or not percent else f"{value:.1f}"
    return f"{text}%" if percent else text
