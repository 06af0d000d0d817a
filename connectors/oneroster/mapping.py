"""OneRoster REST JSON to CSV-shaped rows: pure translation, so one reader checks both bindings.

REST and CSV name most fields alike; references are objects (``{"sourcedId": ...}``) instead of
``...SourcedId`` columns, lists are JSON arrays, and 1.2 embeds a user's roles in the user.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from lti_tool.domain.roster.entities import Entity, fields_for

COLLECTIONS = {
    Entity.ORGS: "orgs",
    Entity.ACADEMIC_SESSIONS: "academicSessions",
    Entity.COURSES: "courses",
    Entity.CLASSES: "classes",
    Entity.USERS: "users",
    Entity.ROLES: "users",  # 1.2: roles live inside each user
    Entity.ENROLLMENTS: "enrollments",
}
BASE_PATHS = {"1.1": "/ims/oneroster/v1p1", "1.2": "/ims/oneroster/rostering/v1p2"}

REFERENCES = {
    "parentSourcedId": "parent",
    "orgSourcedId": "org",
    "schoolYearSourcedId": "schoolYear",
    "courseSourcedId": "course",
    "schoolSourcedId": "school",
    "classSourcedId": "class",
    "userSourcedId": "user",
    "primaryOrgSourcedId": "primaryOrg",
    "userProfileSourcedId": "userProfile",
}
LIST_REFERENCES = {"termSourcedIds": "terms", "orgSourcedIds": "orgs"}
RENAMED_1_2 = {
    "preferredGivenName": "preferredFirstName",
    "preferredFamilyName": "preferredLastName",
}


class GUIDRef(TypedDict, total=False):
    sourcedId: str
    href: str
    type: str


def header(entity: Entity, version: str) -> list[str]:
    """The CSV header the rows of :func:`to_cells` follow."""
    return ["sourcedId", "status", "dateLastModified",
            *(spec.header for spec in fields_for(entity, version))]  # fmt: skip


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    if isinstance(value, dict):
        return str(value.get("sourcedId", "")) or json.dumps(value, sort_keys=True)
    return str(value)


def _user_ids(value: Any) -> str:
    if not isinstance(value, list):
        return _text(value)
    return ",".join(
        f"{{{item.get('type', '')}:{item.get('identifier', '')}}}"
        for item in value
        if isinstance(item, dict)
    )


def to_cells(entity: Entity, version: str, item: Mapping[str, Any]) -> list[str]:
    """One REST object as cells under :func:`header`."""
    cells = []
    for name in header(entity, version):
        if name in REFERENCES:
            ref = item.get(REFERENCES[name])
            cells.append(_text(ref.get("sourcedId")) if isinstance(ref, dict) else _text(ref))
        elif name in LIST_REFERENCES:
            refs = item.get(LIST_REFERENCES[name]) or []
            cells.append(",".join(_text(ref) for ref in refs if isinstance(ref, dict)))
        elif name == "userIds":
            cells.append(_user_ids(item.get("userIds")))
        elif version == "1.2" and name in RENAMED_1_2:
            cells.append(_text(item.get(RENAMED_1_2[name], item.get(name))))
        else:
            cells.append(_text(item.get(name)))
    return cells


def role_cells(user: Mapping[str, Any]) -> list[list[str]]:
    """OneRoster 1.2: the roles embedded in a user, as rows of ``roles.csv``."""
    rows = []
    user_id = _text(user.get("sourcedId"))
    roles: Sequence[Any] = user.get("roles") or []
    for role in roles:
        if not isinstance(role, dict):
            continue
        org = _text(role.get("org"))
        kind = _text(role.get("role"))
        rows.append(
            [f"{user_id}:{org}:{kind}", _text(user.get("status")),
             _text(user.get("dateLastModified")), user_id, _text(role.get("roleType")), kind,
             _text(role.get("beginDate")), _text(role.get("endDate")), org,
             _text(role.get("userProfile"))]
        )  # fmt: skip
    return rows
