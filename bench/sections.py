"""BENCHMARKS.md holds one marked section per benchmark; each run replaces only its own."""

from __future__ import annotations

from pathlib import Path

DEFAULT_HEADER = "# Benchmarks\n"


def replace_section(
    path: Path, start: str, end: str, section: str, header: str = DEFAULT_HEADER
) -> None:
    """Put ``section`` (which begins with ``start`` and ends with ``end``) where the markers are,
    keeping everything around them; append it when the markers are not there yet."""
    text = path.read_text(encoding="utf-8") if path.exists() else header
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + section.rstrip("\n") + after
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
