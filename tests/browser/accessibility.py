"""axe-core in the page (vendored, 4.14.1) and screenshots at the widths people use.

axe runs through the DevTools protocol (``page.evaluate``), which the app's CSP does not
govern, so nothing in the app changes for the test. Screenshots go to
``test-artifacts/screenshots/`` (git-ignored; the README links it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

VENDOR = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WIDTHS = (800, 1280)
PHONE = 390
"""A phone held upright: checked for sideways scrolling, not photographed."""
BLOCKING = ("serious", "critical")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.1 A/AA violations on the page, as axe reports them."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(VENDOR.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))",
        TAGS,
    )
    return [item for item in result if item["impact"] in BLOCKING]


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no sideways scrolling)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size
    assert viewport is not None
    return max(0, int(width) - viewport["width"])


def screenshots(page: Page, name: str) -> list[Path]:
    """Full-page screenshots at each width; the page is checked for sideways scrolling at
    each and on a phone. Leaves the viewport at the last width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": PHONE, "height": 800})
    overflow = horizontal_overflow(page)
    assert overflow == 0, f"{name} scrolls sideways by {overflow} px on a {PHONE} px phone"
    written = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = horizontal_overflow(page)
        assert overflow == 0, f"{name} scrolls sideways by {overflow} px at {width} px"
        path = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        written.append(path)
    return written
