"""Canvas course rosters as OneRoster 1.1 rows: pure translation, so Canvas people land in the
same roster tables as OneRoster people and match them by the same rules.

Identity: a user's ``sis_user_id`` is the SIS key OneRoster exports use as ``sourcedId``, so a
user with one keeps it (and it is the ``identifier``, the employee id by default); a user
without one gets ``canvas-user-<id>``. ``userIds`` carries ``{canvas:<id>}``, the
``{login:<login_id>}``, and ``{LTI:<sub>}`` when a launch told us the user's LTI subject.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from lti_tool.domain.roster.entities import Entity, fields_for

VERSION = "1.1"
ENROLLMENT_ROLES = {
    "StudentEnrollment": "student",
    "TeacherEnrollment": "teacher",
    "TaEnrollment": "aide",
    "DesignerEnrollment": "teacher",
    "ObserverEnrollment": "guardian",
}
USER_ROLE_ORDER = ("teacher", "aide", "student", "guardian")
"""A user's OneRoster role is their strongest enrollment in the course."""
ACTIVE_STATES = frozenset({"active", "invited", "creation_pending"})


@functools.cache
def header(entity: Entity) -> tuple[str, ...]:
    """The OneRoster 1.1 columns the rows below follow (computed once per entity)."""
    return (
        "sourcedId",
        "status",
        "dateLastModified",
        *(spec.header for spec in fields_for(entity, VERSION)),
    )


def org_id(account_id: Any) -> str:
    return f"canvas-account-{account_id}"


def course_id(course: Mapping[str, Any]) -> str:
    return str(course.get("sis_course_id") or f"canvas-course-{course['id']}")


def section_id(section: Mapping[str, Any]) -> str:
    return str(section.get("sis_section_id") or f"canvas-section-{section['id']}")


def user_id(user: Mapping[str, Any]) -> str:
    return str(user.get("sis_user_id") or f"canvas-user-{user['id']}")


def _row(
    entity: Entity, values: Mapping[str, str], modified: str, status: str = "active"
) -> list[str]:
    cells = {"sourcedId": values["sourcedId"], "status": status, "dateLastModified": modified}
    cells.update(values)
    return [cells.get(name, "") for name in header(entity)]


def org_row(course: Mapping[str, Any], stamp: str) -> list[str]:
    account = course.get("account_id", "root")
    return _row(
        Entity.ORGS,
        {"sourcedId": org_id(account), "name": f"Canvas account {account}", "type": "district"},
        stamp,
    )


def course_row(course: Mapping[str, Any], stamp: str) -> list[str]:
    return _row(
        Entity.COURSES,
        {
            "sourcedId": course_id(course),
            "title": str(course.get("name") or course["id"]),
            "courseCode": str(course.get("course_code") or ""),
            "orgSourcedId": org_id(course.get("account_id", "root")),
        },
        stamp,
    )


def section_row(course: Mapping[str, Any], section: Mapping[str, Any], stamp: str) -> list[str]:
    return _row(
        Entity.CLASSES,
        {
            "sourcedId": section_id(section),
            "title": str(section.get("name") or section["id"]),
            "courseSourcedId": course_id(course),
            "classCode": str(section["id"]),
            "classType": "scheduled",
            "schoolSourcedId": org_id(course.get("account_id", "root")),
            "termSourcedIds": f"canvas-term-{course.get('enrollment_term_id', 'default')}",
        },
        stamp,
    )


def user_role(user: Mapping[str, Any]) -> str:
    roles = {
        ENROLLMENT_ROLES.get(str(item.get("type")), "student")
        for item in user.get("enrollments") or []
    }
    return next((role for role in USER_ROLE_ORDER if role in roles), "student")


def _names(user: Mapping[str, Any]) -> tuple[str, str]:
    sortable = str(user.get("sortable_name") or "")
    if "," in sortable:
        family, given = (part.strip() for part in sortable.split(",", 1))
        return given or family, family
    parts = str(user.get("name") or user["id"]).split()
    return (" ".join(parts[:-1]) or parts[-1]), parts[-1]


def user_row(
    course: Mapping[str, Any],
    user: Mapping[str, Any],
    lti_subjects: Mapping[str, str],
    stamp: str,
) -> list[str]:
    """One user; ``lti_subjects`` maps Canvas user ids to LTI subjects seen at launch."""
    given, family = _names(user)
    ids = [f"{{canvas:{user['id']}}}"]
    if user.get("login_id"):
        ids.append(f"{{login:{user['login_id']}}}")
    subject = lti_subjects.get(str(user["id"]))
    if subject:
        ids.append(f"{{LTI:{subject}}}")
    return _row(
        Entity.USERS,
        {
            "sourcedId": user_id(user),
            "enabledUser": "true",
            "orgSourcedIds": org_id(course.get("account_id", "root")),
            "role": user_role(user),
            "username": str(user.get("login_id") or user.get("email") or user["id"]),
            "userIds": ",".join(ids),
            "givenName": given,
            "familyName": family,
            "identifier": str(user.get("sis_user_id") or ""),
            "email": str(user.get("email") or ""),
        },
        stamp,
    )


def enrollment_rows(
    course: Mapping[str, Any], user: Mapping[str, Any], sections: Mapping[str, str], stamp: str
) -> list[list[str]]:
    """A user's enrollments; ``sections`` maps Canvas section ids to their sourcedIds.
    Enrollments Canvas ended or deleted arrive as ``tobedeleted``."""
    rows = []
    for item in user.get("enrollments") or []:
        section = sections.get(str(item.get("course_section_id")))
        if section is None:
            continue
        state = str(item.get("enrollment_state") or "active")
        rows.append(
            _row(
                Entity.ENROLLMENTS,
                {
                    "sourcedId": f"canvas-enrollment-{item['id']}",
                    "classSourcedId": section,
                    "schoolSourcedId": org_id(course.get("account_id", "root")),
                    "userSourcedId": user_id(user),
                    "role": ENROLLMENT_ROLES.get(str(item.get("type")), "student"),
                    "primary": "false",
                },
                _timestamp(str(item.get("updated_at") or "")) or stamp,
                "active" if state in ACTIVE_STATES else "tobedeleted",
            )
        )
    return rows


def _timestamp(value: str) -> str:
    """Canvas's ISO time as OneRoster's ``YYYY-MM-DDTHH:MM:SS.sssZ`` (blank stays blank)."""
    if not value:
        return ""
    core = value.replace("+00:00", "Z").rstrip("Z").split(".")[0]
    return f"{core}.000Z"
