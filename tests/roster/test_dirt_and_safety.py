"""Dirty packages: known dirt is stored with a warning, unclear data is a located error for its
row or file, good rows land anyway. And the deactivation safety threshold, and dry runs."""

from __future__ import annotations

from pathlib import Path

from lti_tool.bootstrap import Container
from lti_tool.domain.roster.entities import Entity
from lti_tool.domain.roster.report import ReportStatus, Severity
from tests.roster.conftest import ADMIN, codes, copy_package, package, run_import, stored, zipped


def test_dirty_package_keeps_good_rows_and_locates_every_problem(
    container: Container, scope: str
) -> None:
    report = run_import(container, package("dirty_v11"), scope)

    assert report.status is ReportStatus.COMPLETED
    assert codes(report) == {
        # Known dirt, meaning clear: stored, with a warning.
        "BOM": 1, "ENUM_CASE": 7, "BOOL_CASE": 2, "BULK_WITH_DELTA_VALUES": 2,
        "STATUS_INACTIVE": 1, "UNKNOWN_COLUMN": 1, "DATE_HAS_TIME": 1, "UNKNOWN_DELETE": 1,
        # Unclear: the row is skipped with an error.
        "DATE_FORMAT": 1, "ORPHAN_REFERENCE": 2, "DUPLICATE_SOURCED_ID": 2, "BAD_ENUM": 1,
        "ROW_SHAPE": 1,
    }  # fmt: skip
    counts = {e: (c.created, c.skipped) for e, c in report.counts.items()}
    assert counts == {
        "orgs": (3, 0), "academicSessions": (2, 1), "courses": (2, 0), "classes": (2, 1),
        "users": (3, 3), "enrollments": (3, 3), "people": (2, 0),
    }  # fmt: skip
    by_code = {p.code: p for p in report.problems}
    orphan = next(p for p in report.problems if p.code == "ORPHAN_REFERENCE"
                  and p.file == "enrollments.csv")  # fmt: skip
    assert (orphan.line, orphan.column, orphan.severity) == (4, "userSourcedId", Severity.ERROR)
    assert "ghost" in orphan.message
    date = by_code["DATE_FORMAT"]
    assert (date.file, date.line, date.column) == ("academicSessions.csv", 4, "startDate")
    assert "1/5/2027" in date.message
    assert "schoolYear" in by_code["UNKNOWN_COLUMN"].message  # a hint for the misspelling
    assert by_code["BAD_ENUM"].line == 7
    assert by_code["ROW_SHAPE"].file == "enrollments.csv"
    orgs = stored(container, Entity.ORGS, scope)
    assert orgs["d1"]["type"] == "district"
    assert orgs["d1"]["extra"] == {"metadata.nces": "0612345"}
    assert stored(container, Entity.CLASSES, scope)["cl-1"]["extra"] == {"ext_vendor_room": "R101"}
    users = stored(container, Entity.USERS, scope)
    assert users["t1"]["family_name"] == "Jones"  # the first of the duplicates wins
    assert users["t1"]["enabled_user"] == "true"
    assert users["t1"]["role"] == "teacher"
    assert "w1" not in users


def test_a_missing_required_column_skips_that_file_only(container: Container, scope: str) -> None:
    report = run_import(container, package("missing_column"), scope)

    problem = next(p for p in report.problems if p.code == "MISSING_COLUMN")
    assert (problem.file, problem.line, problem.column) == ("courses.csv", 1, "orgSourcedId")
    assert report.count("orgs").created == 3
    assert report.count("courses").created == 0
    assert stored(container, Entity.COURSES, scope) == {}
    assert "HEADER_CASE" not in codes(report)  # OrgSourcedIds is not orgSourcedId


def test_a_package_without_manifest_fails_clearly(
    container: Container, scope: str, tmp_path: Path
) -> None:
    folder = copy_package("v11_bulk", tmp_path / "broken")
    (folder / "manifest.csv").unlink()

    report = run_import(container, folder, scope)

    assert report.status is ReportStatus.FAILED
    assert codes(report) == {"MISSING_MANIFEST": 1}
    assert container.roster.policy.keep_reports >= 1


def test_bulk_that_drops_too_many_users_stops_for_confirmation(
    container: Container, scope: str, tmp_path: Path
) -> None:
    run_import(container, package("v11_bulk"), scope)
    folder = copy_package("v11_bulk", tmp_path / "half")
    users = (folder / "users.csv").read_text().splitlines()
    (folder / "users.csv").write_text("\n".join(users[:4]) + "\n")  # 3 of 7 users stay
    (folder / "enrollments.csv").write_text("\n".join(
        line for line in (folder / "enrollments.csv").read_text().splitlines()
        if not line.split(",")[5].startswith("st")
    ) + "\n")  # fmt: skip

    held = run_import(container, folder, scope)

    assert held.status is ReportStatus.NEEDS_CONFIRMATION
    assert held.held_deactivations == 4 + 4  # four students and their four enrollments
    assert "--confirm-deactivations" in held.message
    assert stored(container, Entity.USERS, scope)["st1"]["active"] is True

    confirmed = run_import(container, folder, scope, confirm_deactivations=True)

    assert confirmed.status is ReportStatus.COMPLETED
    assert confirmed.count("users").deleted == 4
    assert stored(container, Entity.USERS, scope)["st1"]["active"] is False


def test_dry_run_counts_everything_and_stores_nothing(
    container: Container, scope: str, tmp_path: Path
) -> None:
    report = run_import(
        container, zipped(package("v12_bulk"), tmp_path / "p.zip"), scope, dry_run=True
    )

    assert report.dry_run
    assert report.count("users").created == 7
    assert report.count("enrollments").created == 6  # references resolved inside the run
    assert stored(container, Entity.USERS, scope) == {}
    assert container.people.find_by_email("tamara.jones@riverbend.example") is None
    assert [r.id for r in container.roster.reports(ADMIN)] == [report.id]


def test_small_batches_report_and_store_what_one_batch_does(
    container: Container, scope: str
) -> None:
    """On PostgreSQL batches are written on a writer thread while the next is read, and a first
    import skips looking up ids it has not inserted (both backends): with a batch per row or
    two (duplicates and deletes across batches), the report and the stored rows must be those
    of a single batch."""
    from dataclasses import replace

    from lti_tool.domain.roles import OrganizationKind

    whole = run_import(container, package("dirty_v11"), scope)
    policy = container.roster.policy
    for size in (1, 2):
        district = container.people.add_organization(
            f"Batches of {size}", OrganizationKind.DISTRICT, slug=f"batches-{size}"
        )
        container.roster.policy = replace(policy, batch_size=size)
        small = run_import(container, package("dirty_v11"), district.id)
        container.roster.policy = policy
        # (people: the staff are linked to the people the first import made)
        assert {**small.counts, "people": None} == {**whole.counts, "people": None}
        assert small.problem_counts == whole.problem_counts
        assert sorted(str((p.file, p.line, p.code, p.column)) for p in small.problems) == sorted(
            str((p.file, p.line, p.code, p.column)) for p in whole.problems
        )
        for entity in Entity:
            assert stored(container, entity, district.id).keys() == (
                stored(container, entity, scope).keys()
            )
