"""LMS course rosters (LTI NRPS) meeting the SIS roster: the rules, as pure functions.

The conflict policy (docs/roster.md): the SIS wins for identity and school membership, the LMS
wins for course membership. So an LMS roster never creates or changes a roster user or a school;
it decides who is enrolled in one class the SIS already knows, and in which course role.
"""

from __future__ import annotations

from dataclasses import dataclass

TEACHING_ROLES = frozenset({"Instructor", "TeachingAssistant", "ContentDeveloper", "Administrator"})
LEARNING_ROLES = frozenset({"Learner"})


@dataclass(frozen=True)
class LmsMember:
    """One member of an LMS course (an NRPS ``members`` entry), as plain data."""

    user_id: str
    """The LTI ``sub`` on that platform."""
    roles: tuple[str, ...]
    active: bool = True
    """False for NRPS ``Inactive`` or ``Deleted``: not (any longer) in the course."""
    lis_person_sourcedid: str | None = None
    """Often the SIS sourcedId (Canvas sends the SIS user id here)."""
    name: str | None = None


def short_role(role: str) -> str:
    """``http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor`` -> ``Instructor``;
    a sub-role (``.../membership/Instructor#TeachingAssistant``) keeps its last part."""
    return role.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def enrollment_role(roles: tuple[str, ...]) -> str | None:
    """The OneRoster enrollment role for a member's context roles: teaching beats learning;
    None for roles that are no course membership (a mentor, a guest)."""
    short = {short_role(role) for role in roles}
    if short & TEACHING_ROLES:
        return "teacher"
    if short & LEARNING_ROLES:
        return "student"
    return None


def lms_enrollment_id(class_sourced_id: str, user_sourced_id: str) -> str:
    """The sourcedId of an enrollment only the LMS knows (the SIS's own ids are kept)."""
    return f"lms:{class_sourced_id}:{user_sourced_id}"
