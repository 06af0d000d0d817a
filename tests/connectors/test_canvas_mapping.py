"""Canvas JSON to OneRoster 1.1 rows: pure translation, checked by the same reader as CSV."""

from __future__ import annotations

from connectors.canvas import mapping
from lti_tool.domain.roster.csv_rows import FileReader
from lti_tool.domain.roster.entities import Entity
from lti_tool.platforms.canvas import launch_ids
from tests.fakes.canvas import course_data

STAMP = "2026-09-01T00:00:00.000Z"


def read(entity: Entity, cells: list[str]) -> dict[str, str | None]:
    reader, problems = FileReader.open(entity, "1.1", "delta", mapping.header(entity), "x")
    assert reader is not None and not problems
    record, row_problems = reader.read(cells, 1)
    assert record is not None, row_problems
    return {"sourcedId": record.sourced_id, "active": str(record.active), **record.values}


def test_users_keep_sis_ids_logins_emails_and_canvas_ids() -> None:
    data = course_data(101, students=6)
    course, teacher, student = data["course"], data["users"][0], data["users"][5]
    row = read(Entity.USERS, mapping.user_row(course, teacher, {"5000": "sub-1"}, STAMP))
    assert row["sourcedId"] == "E00000" and row["identifier"] == "E00000"
    assert row["role"] == "teacher" and row["email"] == "teacher0@riverbend.example"
    assert row["user_ids"] == "{canvas:5000},{login:t0@riverbend.example},{LTI:sub-1}"
    assert (row["given_name"], row["family_name"]) == ("0", "Teacher")
    no_sis = read(Entity.USERS, mapping.user_row(course, student, {}, STAMP))
    assert no_sis["sourcedId"] == "canvas-user-5005" and no_sis["identifier"] is None
    assert no_sis["role"] == "student"


def test_ended_enrollments_arrive_as_tobedeleted() -> None:
    data = course_data(101, students=2)
    user = data["users"][1]
    user["enrollments"][0]["enrollment_state"] = "deleted"
    sections = {str(s["id"]): mapping.section_id(s) for s in data["sections"]}
    [cells] = mapping.enrollment_rows(data["course"], user, sections, STAMP)
    row = read(Entity.ENROLLMENTS, cells)
    assert row["active"] == "False" and row["role"] == "student"
    assert row["class_sourced_id"] == "SEC-101-2"


def test_course_section_and_org_rows_are_valid_oneroster() -> None:
    data = course_data(101)
    assert read(Entity.ORGS, mapping.org_row(data["course"], STAMP))["sourcedId"] == (
        "canvas-account-7"
    )
    assert read(Entity.COURSES, mapping.course_row(data["course"], STAMP))["sourcedId"] == (
        "BIO9-101"
    )
    section = read(Entity.CLASSES, mapping.section_row(data["course"], data["sections"][0], STAMP))
    assert section["course_sourced_id"] == "BIO9-101"


def test_launch_ids_ignore_variables_canvas_did_not_fill() -> None:
    ids = launch_ids({"canvas_course_id": "101", "canvas_user_id": "5000",
                      "canvas_assignment_id": "$Canvas.assignment.id"})  # fmt: skip
    assert ids is not None and ids.assignment_id is None and ids.base_url is None
    assert launch_ids({"canvas_course_id": "$Canvas.course.id", "canvas_user_id": "1"}) is None
