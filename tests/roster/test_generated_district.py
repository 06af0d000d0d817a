"""The benchmark's synthetic districts are valid OneRoster: they import without a problem, and
their 5% delta changes what it says it changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.roster_generate import Size, generate, generate_delta
from lti_tool.bootstrap import Container
from tests.roster.conftest import run_import


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_generated_bulk_and_delta_import_cleanly(
    container: Container, scope: str, tmp_path: Path, version: str
) -> None:
    size = Size(teachers=4, students=40, enrollments=200)

    bulk = run_import(container, generate(tmp_path / "bulk", size, version), scope)

    assert bulk.problems == []
    created = sum(c.created for name, c in bulk.counts.items() if name != "people")
    roles = size.teachers + size.students if version == "1.2" else 0
    assert created == size.rows() + roles
    assert bulk.count("people").created == size.teachers

    delta = run_import(container, generate_delta(tmp_path / "delta", size, 0.05, version), scope)

    assert delta.problems == []
    assert delta.count("users").updated == len(range(0, size.teachers + size.students, 20))
    enrollments = delta.count("enrollments")
    assert enrollments.deleted + enrollments.updated == len(
        range(0, size.classes + size.enrollments, 20)
    )
    assert enrollments.deleted == len(range(0, size.classes + size.enrollments, 200))
