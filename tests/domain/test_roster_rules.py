"""The pure roster rules: manifest, headers, each kind of row dirt, identity matching, reports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from lti_tool.domain.roster.csv_rows import FileReader, PackageError, parse_manifest
from lti_tool.domain.roster.entities import Entity, RosterRecord
from lti_tool.domain.roster.matching import (
    Candidate,
    Outcome,
    Rule,
    decide,
    employee_id,
    parse_user_ids,
)
from lti_tool.domain.roster.report import ImportReport, Problem, ReportStatus, Severity

ENROLLMENT_HEADER = [
    "sourcedId",
    "status",
    "dateLastModified",
    "classSourcedId",
    "schoolSourcedId",
    "userSourcedId",
    "role",
    "primary",
    "beginDate",
]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def reader(mode: str = "bulk", header: list[str] = ENROLLMENT_HEADER) -> FileReader:
    opened, problems = FileReader.open(Entity.ENROLLMENTS, "1.1", mode, header)
    assert opened is not None, problems
    return opened


def test_manifest_versions_modes_and_refusals() -> None:
    manifest = parse_manifest(
        rows(
            "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n"
            "file.users,Delta\nfile.orgs,bulk\nfile.classes,sometimes\nfile.courses,absent\n"
        )
    )
    assert manifest.version == "1.2"
    assert manifest.modes == {Entity.USERS: "delta", Entity.ORGS: "bulk"}
    assert sorted(p.code for p in manifest.problems) == ["ENUM_CASE", "MANIFEST_MODE"]
    with pytest.raises(PackageError) as refused:
        parse_manifest(rows("propertyName,value\noneroster.version,2.0\n"))
    assert refused.value.problem.code == "UNSUPPORTED_VERSION"


def test_header_case_is_fixed_and_misspellings_get_a_hint() -> None:
    header = ["SourcedId", *ENROLLMENT_HEADER[1:6], "rol", "role", "metadata.x"]
    opened, problems = FileReader.open(Entity.ENROLLMENTS, "1.1", "bulk", header)
    assert opened is not None
    assert [p.code for p in problems] == ["HEADER_CASE", "UNKNOWN_COLUMN"]
    delta, problems = FileReader.open(
        Entity.ENROLLMENTS,
        "1.1",
        "delta",
        ["sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"],
    )
    assert delta is None
    assert "status, dateLastModified" in problems[-1].message


@pytest.mark.parametrize(
    ("cells", "code", "column"),
    [
        (["e1", "", "", "c1", "s1", "u1", "student", "yes", ""], "BAD_BOOLEAN", "primary"),
        (["e1", "", "", "c1", "s1", "u1", "wizard", "", ""], "BAD_ENUM", "role"),
        (["e1", "", "", "c1", "s1", "u1", "student", "", "09/01/26"], "DATE_FORMAT", "beginDate"),
        (["e1", "", "", "c1", "s1", "", "student", "", ""], "MISSING_VALUE", "userSourcedId"),
        (["", "", "", "c1", "s1", "u1", "student", "", ""], "MISSING_VALUE", "sourcedId"),
        (["e1", "gone", "", "c1", "s1", "u1", "student", "", ""], "BAD_STATUS", "status"),
        (["e1", "", "", "c\ufffd1", "s1", "u1", "student", "", ""], "ENCODING", "classSourcedId"),
        (["e1", "", "", "c1"], "ROW_SHAPE", None),
    ],
)
def test_unclear_rows_are_errors_located_by_column(
    cells: list[str], code: str, column: str | None
) -> None:
    record, problems = reader().read(cells, 7)
    assert record is None
    assert (problems[-1].code, problems[-1].line, problems[-1].column) == (code, 7, column)
    assert problems[-1].severity is Severity.ERROR


def test_delta_rows_need_status_and_a_real_date_time() -> None:
    delta = reader("delta")
    missing, problems = delta.read(["e1", "active", "", "c1", "s1", "u1", "student", "", ""], 2)
    assert missing is None and problems[0].code == "DELTA_MISSING_STATUS"
    record, problems = delta.read(
        ["e1", "Inactive", "2026-09-01T10:00:00.000Z", "", "", "", "", "", ""], 3
    )
    assert record is not None and not record.active
    assert record.modified == datetime(2026, 9, 1, 10, tzinfo=UTC)
    assert [p.code for p in problems] == ["STATUS_INACTIVE"]  # no required fields on delete


def test_user_ids_employee_ids_and_fingerprints() -> None:
    assert parse_user_ids("{LDAP:12}, {PPID: 7654321},junk{:x}") == [
        ("LDAP", "12"),
        ("PPID", "7654321"),
    ]
    values = {"identifier": "0012", "user_ids": "{PPID:7654321}", "user_master_identifier": None}
    assert employee_id("identifier", values, {}) == "0012"
    assert employee_id("userIds:ppid", values, {}) == "7654321"
    assert employee_id("metadata.ppid", values, {"metadata.ppid": "42"}) == "42"
    assert employee_id("userMasterIdentifier", values, {}) is None
    one = RosterRecord(Entity.USERS, "u1", True, None, {"given_name": "A"})
    assert (
        one.fingerprint()
        == RosterRecord(Entity.USERS, "u1", True, None, {"given_name": "A"}, line=9).fingerprint()
    )
    assert (
        one.fingerprint()
        != RosterRecord(Entity.USERS, "u1", False, None, {"given_name": "A"}).fingerprint()
    )


def test_matching_links_only_when_every_rule_agrees() -> None:
    same = [Candidate("p1", Rule.SOURCED_ID), Candidate("p1", Rule.EMAIL)]
    assert decide("u1", same, {}).outcome is Outcome.LINK
    assert decide("u1", [], {}).outcome is Outcome.CREATE
    split = [Candidate("p1", Rule.EMAIL), Candidate("p2", Rule.EMPLOYEE_ID)]
    assert decide("u1", split, {}).outcome is Outcome.AMBIGUOUS
    taken = decide("u1", [Candidate("p1", Rule.EMAIL)], {"p1": "u9"})
    assert taken.outcome is Outcome.AMBIGUOUS and "'u9'" in taken.reason
    assert decide("u1", [Candidate("p1", Rule.SOURCED_ID)], {"p1": "u1"}).outcome is Outcome.LINK


def test_reports_keep_every_count_but_only_the_first_examples() -> None:
    report = ImportReport("r1", "d1", "pkg.zip", datetime(2026, 9, 1, tzinfo=UTC))
    for line in range(200):
        report.add(Problem("ORPHAN_REFERENCE", "x", file="enrollments.csv", line=line))
    report.count("users").created = 3
    report.status = ReportStatus.NEEDS_CONFIRMATION
    assert report.problem_counts == {"ORPHAN_REFERENCE": 200}
    assert len(report.problems) == 50
    again = ImportReport.from_dict(report.to_dict())
    assert again == report


def test_a_read_row_and_the_same_values_from_elsewhere_fingerprint_alike() -> None:
    """The reader computes a row's columns and fingerprint while it has the cells; a record
    made from the same values (a REST provider's, a stored one) must give the same digest, or
    every row would count as updated when a district switches source."""
    header = [*ENROLLMENT_HEADER, "endDate", "metadata.period", "ext_room"]
    read, problems = reader(header=header).read(
        [" e1 ", "", "", "c1", "s1", "u1", "Student", "TRUE", "2026-09-01", "", "3", "B2"], 2
    )
    assert read is not None and [p.code for p in problems] == ["ENUM_CASE", "BOOL_CASE"]
    assert read.values["role"] == "student" and read.values["end_date"] is None
    elsewhere = RosterRecord(
        Entity.ENROLLMENTS,
        "e1",
        True,
        None,
        {k: v for k, v in read.values.items() if v is not None},
        {"ext_room": "B2", "metadata.period": "3"},
    )
    assert elsewhere.columns() == read.columns()
    assert elsewhere.fingerprint() == read.fingerprint()
    changed = RosterRecord(
        Entity.ENROLLMENTS,
        "e1",
        True,
        None,
        read.values,
        {"ext_room": "B3", "metadata.period": "3"},
    )
    assert changed.fingerprint() != read.fingerprint()
