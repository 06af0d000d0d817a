"""LTI role values -> credbridge roles.

Role URIs and simple names follow the LTI 1.3 core spec, appendix A.2 (role vocabularies);
the LTI 1.1 URNs follow LTI 1.1 appendix A. The "several roles", "short role", "unknown role"
and "no role" launches are the 1EdTech LTI 1.3 certification cases (DOMAIN.md section 2).
"""

from __future__ import annotations

import pytest

from lti_tool.domain.lti_roles import ParsedRole, RoleScope, classify, map_roles, role_for
from lti_tool.domain.roles import Role

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
SUB = "http://purl.imsglobal.org/vocab/lis/v2/membership/"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
LTI_SYSTEM = "http://purl.imsglobal.org/vocab/lti/system/person#"

EDUCATOR = frozenset({Role.EDUCATOR})
ASSESSOR = frozenset({Role.ASSESSOR})
ADMIN = frozenset({Role.ADMIN})
NOTHING: frozenset[Role] = frozenset()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Context principal roles, full URIs.
        (MEMBERSHIP + "Learner", EDUCATOR),
        (MEMBERSHIP + "Instructor", ASSESSOR),
        (MEMBERSHIP + "Mentor", ASSESSOR),
        (MEMBERSHIP + "Administrator", ADMIN),
        (MEMBERSHIP + "ContentDeveloper", NOTHING),
        (MEMBERSHIP + "Manager", NOTHING),
        (MEMBERSHIP + "Member", NOTHING),
        (MEMBERSHIP + "Officer", NOTHING),
        # Context sub-roles count as their principal role.
        (SUB + "Instructor#TeachingAssistant", ASSESSOR),
        (SUB + "Instructor#Grader", ASSESSOR),
        (SUB + "Instructor#PrimaryInstructor", ASSESSOR),
        (SUB + "Learner#NonCreditLearner", EDUCATOR),
        (SUB + "Learner#GuestLearner", EDUCATOR),
        (SUB + "Mentor#Reviewer", ASSESSOR),
        (SUB + "Administrator#Support", ADMIN),
        (SUB + "ContentDeveloper#Librarian", NOTHING),
        (SUB + "Manager#Observer", NOTHING),
        # Institution and system roles: only Administrator grants anything.
        (INSTITUTION + "Administrator", ADMIN),
        (INSTITUTION + "Instructor", NOTHING),
        (INSTITUTION + "Faculty", NOTHING),
        (INSTITUTION + "Student", NOTHING),
        (INSTITUTION + "Learner", NOTHING),
        (INSTITUTION + "Staff", NOTHING),
        (SYSTEM + "Administrator", ADMIN),
        (SYSTEM + "SysAdmin", NOTHING),
        (SYSTEM + "AccountAdmin", NOTHING),
        (SYSTEM + "User", NOTHING),
        (SYSTEM + "None", NOTHING),
        (LTI_SYSTEM + "TestUser", NOTHING),
        # LTI 1.1 legacy URNs.
        ("urn:lti:role:ims/lis/Instructor", ASSESSOR),
        ("urn:lti:role:ims/lis/Learner", EDUCATOR),
        ("urn:lti:role:ims/lis/Learner/NonCreditLearner", EDUCATOR),
        ("urn:lti:role:ims/lis/TeachingAssistant", ASSESSOR),
        ("urn:lti:role:ims/lis/Instructor/TeachingAssistant", ASSESSOR),
        ("urn:lti:role:ims/lis/Mentor", ASSESSOR),
        ("urn:lti:role:ims/lis/Administrator", ADMIN),
        ("urn:lti:role:ims/lis/ContentDeveloper", NOTHING),
        ("urn:lti:instrole:ims/lis/Administrator", ADMIN),
        ("urn:lti:instrole:ims/lis/Student", NOTHING),
        ("urn:lti:instrole:ims/lis/Faculty", NOTHING),
        ("urn:lti:sysrole:ims/lis/Administrator", ADMIN),
        ("urn:lti:sysrole:ims/lis/SysAdmin", NOTHING),
        # Simple names (context roles only, per the spec).
        ("Learner", EDUCATOR),
        ("Student", EDUCATOR),
        ("Instructor", ASSESSOR),
        ("TeachingAssistant", ASSESSOR),
        ("Mentor", ASSESSOR),
        ("Administrator", ADMIN),
        ("ContentDeveloper", NOTHING),
        ("Manager", NOTHING),
        ("Member", NOTHING),
        # Case and whitespace tolerance.
        ("instructor", ASSESSOR),
        ("  LEARNER\t", EDUCATOR),
        (" " + MEMBERSHIP + "Instructor\n", ASSESSOR),
        (MEMBERSHIP + "instructor", ASSESSOR),
        ("HTTP://PURL.IMSGLOBAL.ORG/vocab/lis/v2/membership#Learner", EDUCATOR),
        ("https://purl.imsglobal.org/vocab/lis/v2/membership#Learner", EDUCATOR),
        (SUB + "instructor#grader", ASSESSOR),
        ("URN:LTI:ROLE:IMS/LIS/INSTRUCTOR", ASSESSOR),
        # Unknown values.
        ("", NOTHING),
        ("   ", NOTHING),
        ("Janitor", NOTHING),
        ("Headmaster", NOTHING),
        (MEMBERSHIP + "Headmaster", NOTHING),
        ("http://example.com/roles#Instructor", NOTHING),
        ("urn:example:Instructor", NOTHING),
        ("Learner#Instructor", NOTHING),
    ],
)
def test_one_role_maps_to(value: str, expected: frozenset[Role]) -> None:
    assert map_roles([value]) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (MEMBERSHIP + "Instructor", ParsedRole(RoleScope.CONTEXT, "Instructor")),
        (
            SUB + "Instructor#TeachingAssistant",
            ParsedRole(RoleScope.CONTEXT, "Instructor", "TeachingAssistant"),
        ),
        (SUB + "instructor#grader", ParsedRole(RoleScope.CONTEXT, "Instructor", "Grader")),
        (SUB + "Instructor#", ParsedRole(RoleScope.CONTEXT, "Instructor")),
        (INSTITUTION + "Administrator", ParsedRole(RoleScope.INSTITUTION, "Administrator")),
        (INSTITUTION + "faculty", ParsedRole(RoleScope.INSTITUTION, "Faculty")),
        (SYSTEM + "Administrator", ParsedRole(RoleScope.SYSTEM, "Administrator")),
        (SYSTEM + "sysadmin", ParsedRole(RoleScope.SYSTEM, "SysAdmin")),
        (LTI_SYSTEM + "TestUser", ParsedRole(RoleScope.SYSTEM, "TestUser")),
        ("Instructor", ParsedRole(RoleScope.CONTEXT, "Instructor")),
        ("  instructor ", ParsedRole(RoleScope.CONTEXT, "Instructor")),
        ("contentdeveloper", ParsedRole(RoleScope.CONTEXT, "ContentDeveloper")),
        ("Student", ParsedRole(RoleScope.CONTEXT, "Learner")),
        ("TeachingAssistant", ParsedRole(RoleScope.CONTEXT, "Instructor", "TeachingAssistant")),
        ("urn:lti:role:ims/lis/Instructor", ParsedRole(RoleScope.CONTEXT, "Instructor")),
        (
            "urn:lti:role:ims/lis/Instructor/Lecturer",
            ParsedRole(RoleScope.CONTEXT, "Instructor", "Lecturer"),
        ),
        (
            "urn:lti:role:ims/lis/TeachingAssistant",
            ParsedRole(RoleScope.CONTEXT, "Instructor", "TeachingAssistant"),
        ),
        (
            "urn:lti:role:ims/lis/TeachingAssistant/Grader",
            ParsedRole(RoleScope.CONTEXT, "Instructor", "Grader"),
        ),
        ("urn:lti:instrole:ims/lis/Student", ParsedRole(RoleScope.INSTITUTION, "Student")),
        ("urn:lti:sysrole:ims/lis/SysAdmin", ParsedRole(RoleScope.SYSTEM, "SysAdmin")),
        # Unknown names inside a known vocabulary keep their scope and spelling.
        (MEMBERSHIP + "Headmaster", ParsedRole(RoleScope.CONTEXT, "Headmaster")),
        (SUB + "Instructor#Wizard", ParsedRole(RoleScope.CONTEXT, "Instructor", "Wizard")),
        # Values we cannot place.
        ("Janitor", ParsedRole(RoleScope.UNKNOWN, "Janitor")),
        (" Janitor ", ParsedRole(RoleScope.UNKNOWN, "Janitor")),
        ("", ParsedRole(RoleScope.UNKNOWN, "")),
        (
            "http://example.com/roles#Instructor",
            ParsedRole(RoleScope.UNKNOWN, "http://example.com/roles#Instructor"),
        ),
    ],
)
def test_classify(value: str, expected: ParsedRole) -> None:
    assert classify(value) == expected


def test_role_for_a_parsed_role() -> None:
    assert role_for(ParsedRole(RoleScope.CONTEXT, "Learner", "GuestLearner")) is Role.EDUCATOR
    assert role_for(ParsedRole(RoleScope.INSTITUTION, "Instructor")) is None
    assert role_for(ParsedRole(RoleScope.UNKNOWN, "Instructor")) is None


# --- 1EdTech certification launches ---------------------------------------------------------


def test_certification_several_roles() -> None:
    """A teacher launch with context, institution and system roles at once."""
    roles = [
        MEMBERSHIP + "Instructor",
        SUB + "Instructor#TeachingAssistant",
        INSTITUTION + "Faculty",
        SYSTEM + "User",
    ]
    assert map_roles(roles) == ASSESSOR


def test_certification_several_roles_that_grant_several() -> None:
    roles = [MEMBERSHIP + "Learner", MEMBERSHIP + "Mentor", INSTITUTION + "Administrator"]
    assert map_roles(roles) == frozenset({Role.EDUCATOR, Role.ASSESSOR, Role.ADMIN})


def test_certification_short_role_instructor() -> None:
    assert map_roles(["Instructor"]) == ASSESSOR


def test_certification_short_role_learner() -> None:
    assert map_roles(["Learner"]) == EDUCATOR


def test_certification_unknown_role() -> None:
    assert map_roles(["http://purl.imsglobal.org/vocab/lis/v2/unknown/unknown#Unknown"]) == NOTHING


def test_certification_unknown_role_next_to_a_known_one() -> None:
    assert map_roles(["Unknown", MEMBERSHIP + "Learner"]) == EDUCATOR


def test_certification_no_role() -> None:
    assert map_roles([]) == NOTHING


# --- shapes of the input ---------------------------------------------------------------------


def test_accepts_any_iterable_and_ignores_duplicates() -> None:
    listed = ["Learner", MEMBERSHIP + "Learner", "urn:lti:role:ims/lis/Learner"]
    values = (value for value in listed)
    assert map_roles(values) == EDUCATOR


def test_a_single_string_is_a_comma_separated_list_not_characters() -> None:
    assert map_roles("Instructor") == ASSESSOR
    assert map_roles("Learner, urn:lti:role:ims/lis/Instructor") == frozenset(
        {Role.EDUCATOR, Role.ASSESSOR}
    )
    assert map_roles("") == NOTHING


def test_non_string_entries_are_skipped() -> None:
    claim: list[object] = ["Learner", None, 3, {"role": "Instructor"}]
    assert map_roles(claim) == EDUCATOR  # type: ignore[arg-type]


def test_nobody_becomes_issuer_from_the_lms() -> None:
    every_value = [
        *(MEMBERSHIP + name for name in ("Learner", "Instructor", "Mentor", "Administrator")),
        *(INSTITUTION + name for name in ("Administrator", "Faculty", "Staff")),
        *(SYSTEM + name for name in ("Administrator", "SysAdmin", "AccountAdmin", "Creator")),
        "Issuer",
        "issuer",
        MEMBERSHIP + "Issuer",
    ]
    assert Role.ISSUER not in map_roles(every_value)
