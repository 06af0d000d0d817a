"""Charts: matplotlib's SVG made fit for an accessible page under our CSP, and the CSV."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from lti_tool.charts import render, to_csv
from lti_tool.domain.series import ChartData, ChartKind, Series, Threshold

SVG = "{http://www.w3.org/2000/svg}"


def chart(key: str = "per-month", kind: ChartKind = ChartKind.BAR) -> ChartData:
    return ChartData(
        key=key,
        title="Credentials <earned> per month",
        description="Awards & denials per month.",
        category_label="Month",
        value_label="Credentials",
        categories=("2026-01", "2026-02", "2026-03"),
        series=(Series("Awarded", (3, 0, 5)), Series("Denied", (1, 2, 0))),
        kind=kind,
        thresholds=(Threshold("Target", 4),),
    )


def test_the_svg_is_named_for_screen_readers_and_parses() -> None:
    svg = render(chart()).svg
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-per-month-title chart-per-month-desc"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None and title.text == "Credentials <earned> per month"
    assert desc is not None and desc.text is not None
    assert "Awarded: 2026-01: 3, 2026-02: 0, 2026-03: 5." in desc.text
    assert "Target: 4." in desc.text
    assert root.get("width") is None and root.get("viewBox")  # scales with its container


def test_no_inline_css_survives_for_the_content_security_policy() -> None:
    svg = render(chart(kind=ChartKind.LINE)).svg
    assert "style=" not in svg
    assert "<style" not in svg
    assert 'fill="#' in svg and 'stroke-width="' in svg
    assert "font-size=" in svg and "font-family=" in svg  # from matplotlib's font shorthand


def test_series_differ_by_pattern_or_marker_not_colour_alone() -> None:
    bars = render(chart()).svg
    assert "<pattern" in bars  # the second series is hatched
    lines = render(chart(kind=ChartKind.LINE)).svg
    markers = set(re.findall(r'<use xlink:href="#([^"]+)"', lines))
    assert len(markers) >= 2  # a marker shape per series


def test_ids_are_prefixed_so_two_charts_share_a_page() -> None:
    one, two = render(chart("a")).svg, render(chart("b")).svg
    ids_one = set(re.findall(r'id="([^"]+)"', one))
    ids_two = set(re.findall(r'id="([^"]+)"', two))
    assert ids_one and not ids_one & ids_two
    for ref in re.findall(r"url\(#([^)]+)\)", one):
        assert ref in ids_one


def test_the_same_data_gives_the_same_bytes() -> None:
    assert render(chart()).svg == render(chart()).svg


def test_an_empty_chart_draws_nothing_but_keeps_its_table() -> None:
    empty = ChartData(
        "e", "Empty", "Nothing.", "Month", "Count", ("2026-01",), (Series("A", (0,)),)
    )
    rendered = render(empty)
    assert rendered.svg == ""
    assert rendered.rows == [("Month", "A"), ("2026-01", "0")]


def test_csv_has_the_table_and_defuses_formulas() -> None:
    data = ChartData(
        "s", "Per school", "d", "School", "Awarded",
        ("=HYPERLINK(\"http://x\")", "North, High"), (Series("Awarded", (2, 1.5)),),
        thresholds=(Threshold("Promise", 10),),
    )  # fmt: skip
    assert to_csv(data) == (
        'School,Awarded\r\n"\'=HYPERLINK(""http://x"")",2\r\n"North, High",1.5\r\nPromise,10\r\n'
    )


def test_the_app_starts_without_loading_matplotlib() -> None:
    import subprocess
    import sys

    code = "import sys, lti_tool.web.app, lti_tool.cli; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
