"""The OneRoster entities credbridge stores, their fields per spec version, and the bulk policy.

Every field is kept as text exactly as the spec writes it (dates as ``YYYY-MM-DD``), so a record
from a CSV package and one from the REST API compare equal when the district's data is the same.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Entity(StrEnum):
    """The files (and REST collections) credbridge imports, in the order they are imported:
    every entity only refers to entities imported before it."""

    ORGS = "orgs"
    ACADEMIC_SESSIONS = "academicSessions"
    COURSES = "courses"
    CLASSES = "classes"
    USERS = "users"
    ROLES = "roles"
    ENROLLMENTS = "enrollments"


IMPORT_ORDER = tuple(Entity)


class Kind(StrEnum):
    TEXT = "text"
    ENUM = "enum"
    BOOL = "bool"
    DATE = "date"
    LIST = "list"
    """A comma-separated list of sourcedIds or codes."""


@dataclass(frozen=True)
class FieldSpec:
    """One CSV column: its header, the stored attribute, how to read it."""

    header: str
    attr: str
    kind: Kind = Kind.TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    refers_to: Entity | None = None
    """Every value must name a record of that entity (stored or in the package)."""


def _f(header: str, attr: str, kind: Kind = Kind.TEXT, **options: object) -> FieldSpec:
    return FieldSpec(header, attr, kind, **options)  # type: ignore[arg-type]


ORG_TYPES = ("department", "school", "district", "local", "state", "national")
SESSION_TYPES = ("gradingPeriod", "semester", "schoolYear", "term")
USER_ROLES = (
    "administrator",
    "aide",
    "guardian",
    "parent",
    "proctor",
    "relative",
    "student",
    "teacher",
    "districtAdministrator",
    "siteAdministrator",
    "systemAdministrator",
    "principal",
    "counselor",
    "extUser",
)
ENROLLMENT_ROLES = (
    "administrator",
    "proctor",
    "student",
    "teacher",
    "aide",
    "guardian",
    "parent",
    "relative",
)
STAFF_ROLES = frozenset(
    {
        "teacher",
        "administrator",
        "aide",
        "proctor",
        "principal",
        "districtAdministrator",
        "siteAdministrator",
        "counselor",
    }
)
"""Roles whose users become credbridge people. Students and guardians stay roster-only."""

_COMMON_1_1: dict[Entity, tuple[FieldSpec, ...]] = {
    Entity.ORGS: (
        _f("name", "name", required=True),
        _f("type", "type", Kind.ENUM, required=True, choices=ORG_TYPES),
        _f("identifier", "identifier"),
        _f("parentSourcedId", "parent_sourced_id", refers_to=Entity.ORGS),
    ),
    Entity.ACADEMIC_SESSIONS: (
        _f("title", "title", required=True),
        _f("type", "type", Kind.ENUM, required=True, choices=SESSION_TYPES),
        _f("startDate", "start_date", Kind.DATE, required=True),
        _f("endDate", "end_date", Kind.DATE, required=True),
        _f("parentSourcedId", "parent_sourced_id"),
        _f("schoolYear", "school_year"),
    ),
    Entity.COURSES: (
        _f("schoolYearSourcedId", "school_year_sourced_id"),
        _f("title", "title", required=True),
        _f("courseCode", "course_code"),
        _f("grades", "grades", Kind.LIST),
        _f("orgSourcedId", "org_sourced_id", required=True, refers_to=Entity.ORGS),
    ),
    Entity.CLASSES: (
        _f("title", "title", required=True),
        _f("grades", "grades", Kind.LIST),
        _f("courseSourcedId", "course_sourced_id", required=True, refers_to=Entity.COURSES),
        _f("classCode", "class_code"),
        _f("classType", "class_type", Kind.ENUM, required=True, choices=("homeroom", "scheduled")),
        _f("schoolSourcedId", "school_sourced_id", required=True, refers_to=Entity.ORGS),
        _f("termSourcedIds", "term_sourced_ids", Kind.LIST, required=True),
    ),
    Entity.ENROLLMENTS: (
        _f("classSourcedId", "class_sourced_id", required=True, refers_to=Entity.CLASSES),
        _f("schoolSourcedId", "school_sourced_id", required=True),
        _f("userSourcedId", "user_sourced_id", required=True, refers_to=Entity.USERS),
        _f("role", "role", Kind.ENUM, required=True, choices=ENROLLMENT_ROLES),
        _f("primary", "primary", Kind.BOOL),
        _f("beginDate", "begin_date", Kind.DATE),
        _f("endDate", "end_date", Kind.DATE),
    ),
}

_USERS_COMMON = (
    _f("enabledUser", "enabled_user", Kind.BOOL, required=True),
    _f("username", "username", required=True),
    _f("userIds", "user_ids"),
    _f("givenName", "given_name", required=True),
    _f("familyName", "family_name", required=True),
    _f("middleName", "middle_name"),
    _f("identifier", "identifier"),
    _f("email", "email"),
    _f("grades", "grades", Kind.LIST),
)
_USERS_1_1 = (
    *_USERS_COMMON,
    _f("orgSourcedIds", "org_sourced_ids", Kind.LIST, required=True),
    _f("role", "role", Kind.ENUM, required=True, choices=USER_ROLES),
)
_USERS_1_2 = (
    *_USERS_COMMON,
    _f("userMasterIdentifier", "user_master_identifier"),
    _f("preferredGivenName", "preferred_given_name"),
    _f("preferredFamilyName", "preferred_family_name"),
    _f("primaryOrgSourcedId", "primary_org_sourced_id"),
    _f("pronouns", "pronouns"),
)
_ROLES_1_2 = (
    _f("userSourcedId", "user_sourced_id", required=True, refers_to=Entity.USERS),
    _f("roleType", "role_type", Kind.ENUM, required=True, choices=("primary", "secondary")),
    _f("role", "role", Kind.ENUM, required=True, choices=USER_ROLES),
    _f("beginDate", "begin_date", Kind.DATE),
    _f("endDate", "end_date", Kind.DATE),
    _f("orgSourcedId", "org_sourced_id", required=True, refers_to=Entity.ORGS),
    _f("userProfileSourcedId", "user_profile_sourced_id"),
)

SUPPORTED_VERSIONS = ("1.0", "1.1", "1.2")

UNSTORED_HEADERS = frozenset(
    {"sms", "phone", "password", "agentSourcedIds", "subjects", "subjectCodes", "location",
     "periods", "preferredMiddleName", "resourceSourcedIds", "metadata"}
)  # fmt: skip
"""Spec columns credbridge reads past without storing (passwords least of all)."""


def fields_for(entity: Entity, version: str) -> tuple[FieldSpec, ...]:
    """The columns credbridge reads from ``entity``'s file in OneRoster ``version``.

    Returns an empty tuple for a file that version does not have (roles before 1.2).
    """
    if entity is Entity.USERS:
        return _USERS_1_2 if version == "1.2" else _USERS_1_1
    if entity is Entity.ROLES:
        return _ROLES_1_2 if version == "1.2" else ()
    return _COMMON_1_1[entity]


@functools.cache
def all_attrs(entity: Entity) -> tuple[str, ...]:
    """Every attribute any version stores for ``entity``: the table's columns."""
    seen: dict[str, None] = {}
    for version in SUPPORTED_VERSIONS:
        for spec in fields_for(entity, version):
            seen.setdefault(spec.attr, None)
    return tuple(seen)


class Absence(StrEnum):
    DEACTIVATE = "deactivate"
    KEEP = "keep"


ABSENCE_POLICY: dict[Entity, Absence] = {
    Entity.ORGS: Absence.DEACTIVATE,
    Entity.ACADEMIC_SESSIONS: Absence.KEEP,
    Entity.COURSES: Absence.DEACTIVATE,
    Entity.CLASSES: Absence.DEACTIVATE,
    Entity.USERS: Absence.DEACTIVATE,
    Entity.ROLES: Absence.DEACTIVATE,
    Entity.ENROLLMENTS: Absence.DEACTIVATE,
}
"""What a bulk file's silence means for a stored record it no longer lists (docs/roster.md).
Past terms routinely drop out of exports while old classes still name them, so sessions stay."""


@dataclass(slots=True)
class RosterRecord:
    """One validated row of one entity, ready to store. Read-only by convention: not frozen,
    because a frozen dataclass costs a few microseconds more to make, per row of a million."""

    entity: Entity
    sourced_id: str
    active: bool
    modified: datetime | None
    values: dict[str, str | None]
    """Attribute name to text (``None`` when blank); see :func:`all_attrs`."""
    extra: dict[str, str] = field(default_factory=dict)
    """``metadata.*`` and vendor ``ext_*`` columns, kept as given."""
    line: int = 0
    stored: tuple[str | None, ...] | None = None
    """The values in :func:`all_attrs` order when the reader has them already."""
    digest: str = ""
    """The :meth:`fingerprint` when the reader computed it already."""

    def columns(self) -> tuple[str | None, ...]:
        """The values in :func:`all_attrs` order (the table's columns)."""
        if self.stored is not None:
            return self.stored
        values = self.values
        return tuple([values.get(key) for key in all_attrs(self.entity)])

    def fingerprint(self, columns: Sequence[str | None] | None = None) -> str:
        """A digest of everything stored, to tell an unchanged row from an updated one.
        ``columns`` is :meth:`columns` when the caller has it already."""
        if self.digest:
            return self.digest
        texts = [value or "" for value in (self.columns() if columns is None else columns)]
        return fingerprint_of(self.sourced_id, self.active, texts, self.extra)


def fingerprint_of(
    sourced_id: str, active: bool, texts: Sequence[str], extra: dict[str, str]
) -> str:
    """:meth:`RosterRecord.fingerprint` from the stored values as text (blanks as ``""``):
    one digest of the sourcedId, the status, every value and the extra columns."""
    head = f"{sourced_id}\x1f1\x1f" if active else f"{sourced_id}\x1f0\x1f"
    text = head + "\x1f".join(texts)
    if extra:
        text += "".join(f"\x1f{key}={value}" for key, value in sorted(extra.items()))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
