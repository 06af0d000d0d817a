"""OneRoster CSV packages into the roster store, on SQLite and PostgreSQL: 1.1 and 1.2, bulk
then delta, zips at the root or one folder deep, and the people behind staff users."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from lti_tool.bootstrap import Container
from lti_tool.domain.roles import IdentityKind
from lti_tool.domain.roster.entities import Entity
from lti_tool.domain.roster.report import ReportStatus
from tests.roster.conftest import codes, package, run_import, stored, zipped


def test_bulk_1_1_stores_every_entity_and_makes_people_of_staff(
    container: Container, scope: str
) -> None:
    report = run_import(container, package("v11_bulk"), scope)

    assert report.status is ReportStatus.COMPLETED, report.problems
    assert report.version == "1.1"
    assert report.problems == []
    created = {entity: counts.created for entity, counts in report.counts.items()}
    assert created == {
        "orgs": 3, "academicSessions": 2, "courses": 2, "classes": 2, "users": 7,
        "enrollments": 6, "people": 3,
    }  # fmt: skip
    users = stored(container, Entity.USERS, scope)
    assert users["t2"]["user_ids"] == "{LDAP:13},{PPID:7654321}"
    assert users["t1"]["employee_id"] == "0012345"
    assert users["st1"]["person_id"] is None  # students stay roster-only
    tamara = container.people.find_by_email("tamara.jones@riverbend.example")
    assert tamara is not None
    assert tamara.display_name == "Tamara Jones"
    assert users["t1"]["person_id"] == tamara.id
    assert stored(container, Entity.CLASSES, scope)["cl-1"]["term_sourced_ids"] == "t1"


def test_importing_the_same_bulk_twice_changes_nothing(container: Container, scope: str) -> None:
    run_import(container, package("v11_bulk"), scope)
    again = run_import(container, package("v11_bulk"), scope)

    assert {e: (c.created, c.updated, c.deleted) for e, c in again.counts.items()} == {
        e: (0, 0, 0) for e in again.counts
    }
    assert again.count("users").unchanged == 7
    assert again.count("enrollments").unchanged == 6


def test_delta_after_bulk_updates_adds_and_soft_deletes(container: Container, scope: str) -> None:
    run_import(container, package("v11_bulk"), scope)
    report = run_import(container, package("v11_delta"), scope)

    assert report.modes == {"users": "delta", "enrollments": "delta"}
    users = report.count("users")
    assert (users.created, users.updated, users.deleted) == (1, 1, 1)
    enrollments = report.count("enrollments")
    assert (enrollments.created, enrollments.deleted) == (1, 1)
    stored_users = stored(container, Entity.USERS, scope)
    assert stored_users["t1"]["family_name"] == "Jones-Baker"
    assert stored_users["st4"]["active"] is False
    assert stored_users["st4"]["given_name"] == "Sia"  # a soft delete keeps the data
    deleted = stored(container, Entity.ENROLLMENTS, scope)["e6"]
    assert deleted["active"] is False
    # A soft delete records the row's date and this run, and clears the fingerprint (so the
    # record coming back active counts as updated, not unchanged).
    for row in (stored_users["st4"], deleted):
        assert row["date_last_modified"] == datetime(2026, 9, 2, 10, 0, tzinfo=UTC)
        assert row["last_seen_run"] == report.id
        assert row["fingerprint"] == ""
    assert report.count("people").created == 1  # Diego, the new teacher
    # Untouched records of the bulk are not deactivated by a delta.
    assert stored(container, Entity.CLASSES, scope)["cl-1"]["active"] is True


def test_bulk_1_2_takes_roles_from_roles_csv(container: Container, scope: str) -> None:
    report = run_import(container, package("v12_bulk"), scope)

    assert report.status is ReportStatus.COMPLETED
    assert report.problems == []
    assert report.count("roles").created == 8
    users = stored(container, Entity.USERS, scope)
    assert users["t1"]["role"] == "teacher"  # the primary role, not the secondary one
    assert users["a1"]["role"] == "districtAdministrator"
    assert users["t1"]["preferred_given_name"] == "Tammy"
    assert users["t1"]["pronouns"] == "she/her"
    assert report.count("people").created == 3
    tammy = container.people.find_by_email("tamara.jones@riverbend.example")
    assert tammy is not None and tammy.display_name == "Tammy Jones"


def test_zip_with_files_at_root_or_one_folder_down(
    container: Container, scope: str, tmp_path: Path
) -> None:
    flat = run_import(container, zipped(package("v11_bulk"), tmp_path / "flat.zip"), scope)
    assert flat.count("users").created == 7
    assert flat.problems == []

    nested = zipped(package("v11_bulk"), tmp_path / "nested.zip", inside="export-2026/")
    report = run_import(container, nested, scope)
    assert report.count("users").unchanged == 7
    assert codes(report) == {"NESTED_FOLDER": 1}


def test_a_bulk_file_deactivates_what_it_no_longer_lists(
    container: Container, scope: str, tmp_path: Path
) -> None:
    run_import(container, package("v11_bulk"), scope)
    smaller = tmp_path / "smaller"
    smaller.mkdir()
    for path in package("v11_bulk").iterdir():
        lines = path.read_text().splitlines()
        if path.name == "enrollments.csv":
            lines = [line for line in lines if not line.startswith("e6,")]
        if path.name == "academicSessions.csv":
            lines = [line for line in lines if not line.startswith("t1,")]
        (smaller / path.name).write_text("\n".join(lines) + "\n")

    report = run_import(container, smaller, scope)

    assert report.count("enrollments").deleted == 1
    assert stored(container, Entity.ENROLLMENTS, scope)["e6"]["active"] is False
    # Sessions are kept when absent (docs/roster.md): old classes still name past terms.
    assert report.count("academicSessions").deleted == 0
    assert stored(container, Entity.ACADEMIC_SESSIONS, scope)["t1"]["active"] is True


def test_identities_link_roster_users_to_existing_people(container: Container, scope: str) -> None:
    omar = container.people.add_person("Omar H.", email="Omar.Haddad@riverbend.example")

    report = run_import(container, package("v11_bulk"), scope)

    assert report.count("people").updated == 1
    assert stored(container, Entity.USERS, scope)["t2"]["person_id"] == omar.id
    with container.uow_factory() as uow:
        kinds = {(i.kind, i.value) for i in uow.people.identities_of(omar.id)}
    assert (IdentityKind.ONEROSTER_SOURCED_ID, "t2") in kinds
    assert (IdentityKind.EMPLOYEE_ID, "0012346") in kinds


def test_a_zip_inside_a_zip_is_read(container: Container, scope: str, tmp_path: Path) -> None:
    inner = zipped(package("v12_bulk"), tmp_path / "inner.zip")
    outer = tmp_path / "outer.zip"
    import zipfile

    with zipfile.ZipFile(outer, "w") as archive:
        archive.write(inner, "district-export.zip")

    report = run_import(container, outer, scope)

    assert report.count("roles").created == 8
    assert codes(report) == {"NESTED_ZIP": 1}
