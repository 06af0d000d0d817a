"""Plain chart data: what a dashboard service computes and a page draws.

Services fill these; ``lti_tool.charts`` turns them into an accessible SVG, a text table and a
CSV download. Nothing here knows how a chart looks, so services stay free of drawing libraries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class ChartKind(Enum):
    """How a chart is drawn: bars for counts per category, lines for change over time."""

    BAR = "bar"
    HORIZONTAL_BAR = "horizontal_bar"
    LINE = "line"


@dataclass(frozen=True)
class Series:
    """One named row of values, one value per category of its chart."""

    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Threshold:
    """A reference line, such as the promised review time, drawn and listed with its label."""

    label: str
    value: float


@dataclass(frozen=True)
class ChartData:
    """A chart and the table behind it: the categories (x axis) and one or more series."""

    key: str
    """Stable slug: names the CSV download and prefixes the SVG's ids."""
    title: str
    description: str
    """What the chart shows, in one or two sentences (read to screen-reader users)."""
    category_label: str
    value_label: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    kind: ChartKind = ChartKind.BAR
    thresholds: tuple[Threshold, ...] = field(default=())
    percent: bool = False
    """Values are percentages (0 to 100)."""
    empty_note: str = "No data yet: this chart fills in as educators submit and are awarded."
    """What the page says instead of an empty chart."""
    table_only: tuple[Series, ...] = field(default=())
    """Columns of the table and CSV that are not drawn (counts beside amounts)."""

    @property
    def empty(self) -> bool:
        return not self.categories or not any(any(s.values) for s in self.series)

    def rows(self) -> list[tuple[str, ...]]:
        """The table: a header row, then one row per category with a cell per series."""
        columns = (*self.series, *self.table_only)
        header = (self.category_label, *(s.name for s in columns))
        body = [
            (category, *(_number(s.values[i]) for s in columns))
            for i, category in enumerate(self.categories)
        ]
        return [header, *body]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")
