"""LTI 1.3 / LIS role values, and the credbridge roles they grant.

Teachers who earn micro-credentials take a professional-development course in the LMS, so
they are that course's LEARNERS. The people who teach or coach the course judge their evidence.
The mapping only looks at what a person does *in the course* (context roles), except for
administrators, who may come from any scope:

==================================================================  =============
LTI role                                                            credbridge
==================================================================  =============
context ``Learner`` (and its sub-roles; legacy ``Student``)         educator
context ``Instructor`` (and sub-roles: ``TeachingAssistant``,       assessor
``Grader``, ...), context ``Mentor`` (and its sub-roles)
context, institution or system ``Administrator``                    admin
anything else (``ContentDeveloper``, ``Manager``, ``Member``,       nothing
``Officer``, institution ``Faculty``/``Instructor``/``Student``,
system ``SysAdmin``/``User``, unknown values)
==================================================================  =============

Nobody becomes **issuer** from the LMS: the issuer of record is granted by an admin in
credbridge, because an LMS role says nothing about who may award a credential.

A launch whose roles map to nothing (an unknown role, or no role at all) is still accepted:
the person is signed in with no role, and a person with no role may browse the catalog only.

Accepted spellings (LTI 1.3 core spec, appendix A.2 "Role vocabularies"):

- LIS v2 URIs: ``http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor``, sub-roles
  ``http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant``,
  ``http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator``,
  ``http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator`` and the LTI system
  vocabulary ``http://purl.imsglobal.org/vocab/lti/system/person#TestUser``;
- LTI 1.1 legacy URNs: ``urn:lti:role:ims/lis/Instructor``,
  ``urn:lti:role:ims/lis/Instructor/TeachingAssistant``, ``urn:lti:instrole:ims/lis/...``,
  ``urn:lti:sysrole:ims/lis/...``;
- simple names, which the spec allows for context roles only: ``Instructor``, ``Learner``,
  ``Administrator``, ``TeachingAssistant`` (an ``Instructor`` sub-role), ``ContentDeveloper``,
  ``Mentor``, ``Manager``, ``Member``, ``Officer``, and the LTI 1.1 alias ``Student``.

Known names are matched without regard to case and reported with the spec's spelling
(``instructor`` becomes ``Instructor``); surrounding whitespace is ignored, and ``https://``
is read like ``http://``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from lti_tool.domain.roles import Role


class RoleScope(StrEnum):
    """Where an LTI role applies."""

    CONTEXT = "context"
    """Membership of the launch's course (LIS ``membership``)."""
    INSTITUTION = "institution"
    """The person's position at the institution (LIS ``institution/person``)."""
    SYSTEM = "system"
    """The person's rights in the LMS itself (LIS ``system/person``, LTI ``system/person``)."""
    UNKNOWN = "unknown"
    """A value we cannot place."""


@dataclass(frozen=True)
class ParsedRole:
    """One role value, taken apart.

    Attributes:
        scope: Where the role applies.
        name: The principal role (``Instructor``), in the spec's spelling when known; for an
            unknown value, the value itself without surrounding whitespace.
        sub_role: The sub-role (``TeachingAssistant``), or None.
    """

    scope: RoleScope
    name: str
    sub_role: str | None = None


_CONTEXT_NAMES = "Administrator ContentDeveloper Instructor Learner Manager Member Mentor Officer"
_INSTITUTION_NAMES = (
    "Administrator Alumni Faculty Guest Instructor Learner Member Mentor None Observer Other"
    " ProspectiveStudent Staff Student"
)
_SYSTEM_NAMES = "AccountAdmin Administrator Creator None SysAdmin SysSupport TestUser User"
# Sub-roles of each context role (LTI 1.3 core, A.2.3.1), used to restore the spec's spelling.
_SUB_ROLES = (
    "Administrator Developer ExternalDeveloper ExternalSupport ExternalSystemAdministrator"
    " Support SystemAdministrator"
    " ContentDeveloper ContentExpert ExternalContentExpert Librarian"
    " ExternalInstructor Grader GuestInstructor Lecturer PrimaryInstructor SecondaryInstructor"
    " TeachingAssistant TeachingAssistantGroup TeachingAssistantOffering TeachingAssistantSection"
    " TeachingAssistantSectionAssociation TeachingAssistantTemplate"
    " ExternalLearner GuestLearner Learner NonCreditLearner"
    " AreaManager CourseCoordinator ExternalObserver Manager Observer"
    " Member"
    " Advisor Auditor ExternalAdvisor ExternalAuditor ExternalLearningFacilitator ExternalMentor"
    " ExternalReviewer ExternalTutor LearningFacilitator Mentor Reviewer Tutor"
    " Chair Communications Secretary Treasurer Vice-Chair"
)


def _canonical(names: str) -> dict[str, str]:
    return {name.casefold(): name for name in names.split()}


_CONTEXT = _canonical(_CONTEXT_NAMES)
_INSTITUTION = _canonical(_INSTITUTION_NAMES)
_SYSTEM = _canonical(_SYSTEM_NAMES)
_SUB = _canonical(_SUB_ROLES)

# Context names that older vocabularies used as principal roles: name -> (principal, sub-role).
_CONTEXT_ALIASES: dict[str, tuple[str, str | None]] = {
    "student": ("Learner", None),
    "teachingassistant": ("Instructor", "TeachingAssistant"),
}

_LIS = "purl.imsglobal.org/vocab/lis/v2/"
# (prefix after the scheme, lower-case) -> (scope, whether the rest is "Principal#Sub").
_URI_PREFIXES: tuple[tuple[str, RoleScope, bool], ...] = (
    (_LIS + "membership#", RoleScope.CONTEXT, False),
    (_LIS + "membership/", RoleScope.CONTEXT, True),
    (_LIS + "institution/person#", RoleScope.INSTITUTION, False),
    (_LIS + "system/person#", RoleScope.SYSTEM, False),
    ("purl.imsglobal.org/vocab/lti/system/person#", RoleScope.SYSTEM, False),
)
# LTI 1.1 URNs: the rest is "Principal" or "Principal/Sub".
_URN_PREFIXES: tuple[tuple[str, RoleScope], ...] = (
    ("urn:lti:role:ims/lis/", RoleScope.CONTEXT),
    ("urn:lti:instrole:ims/lis/", RoleScope.INSTITUTION),
    ("urn:lti:sysrole:ims/lis/", RoleScope.SYSTEM),
)

_GRANTS: dict[tuple[RoleScope, str], Role] = {
    (RoleScope.CONTEXT, "Learner"): Role.EDUCATOR,
    (RoleScope.CONTEXT, "Instructor"): Role.ASSESSOR,
    (RoleScope.CONTEXT, "Mentor"): Role.ASSESSOR,
    (RoleScope.CONTEXT, "Administrator"): Role.ADMIN,
    (RoleScope.INSTITUTION, "Administrator"): Role.ADMIN,
    (RoleScope.SYSTEM, "Administrator"): Role.ADMIN,
}


def _named(scope: RoleScope, name: str, sub_role: str | None) -> ParsedRole:
    """Build a ParsedRole with the spec's spelling for known names."""
    name = name.strip()
    sub = sub_role.strip() if sub_role is not None else None
    sub = _SUB.get(sub.casefold(), sub) if sub else None
    key = name.casefold()
    if scope is RoleScope.CONTEXT:
        if key in _CONTEXT_ALIASES:
            principal, implied_sub = _CONTEXT_ALIASES[key]
            return ParsedRole(scope, principal, sub or implied_sub)
        return ParsedRole(scope, _CONTEXT.get(key, name), sub)
    table = _INSTITUTION if scope is RoleScope.INSTITUTION else _SYSTEM
    return ParsedRole(scope, table.get(key, name), sub)


def classify(value: str) -> ParsedRole:
    """Take one role value apart: its scope, principal role and sub-role.

    Args:
        value: A role as found in the ``https://purl.imsglobal.org/spec/lti/claim/roles``
            claim: a LIS v2 URI, an LTI 1.1 URN or a simple context role name.

    Returns:
        The parsed role; ``RoleScope.UNKNOWN`` when the value is not a recognised form.
    """
    text = value.strip()
    lowered = text.casefold()
    for scheme in ("http://", "https://"):
        if lowered.startswith(scheme):
            rest_lowered = lowered[len(scheme) :]
            for prefix, scope, has_principal in _URI_PREFIXES:
                if rest_lowered.startswith(prefix):
                    rest = text[len(scheme) + len(prefix) :]
                    if has_principal:
                        principal, _, sub = rest.partition("#")
                        return _named(scope, principal, sub or None)
                    return _named(scope, rest, None)
            return ParsedRole(RoleScope.UNKNOWN, text)
    for prefix, scope in _URN_PREFIXES:
        if lowered.startswith(prefix):
            principal, _, sub = text[len(prefix) :].partition("/")
            return _named(scope, principal, sub or None)
    if lowered in _CONTEXT or lowered in _CONTEXT_ALIASES:
        return _named(RoleScope.CONTEXT, text, None)
    return ParsedRole(RoleScope.UNKNOWN, text)


def role_for(parsed: ParsedRole) -> Role | None:
    """The credbridge role one parsed LTI role grants, or None (see the module docstring)."""
    return _GRANTS.get((parsed.scope, parsed.name))


def map_roles(values: Iterable[str]) -> frozenset[Role]:
    """The credbridge roles a launch's LTI roles grant.

    Args:
        values: The roles claim. A single string is read as one LTI 1.1 style
            comma-separated list, never as a sequence of characters.

    Returns:
        The granted roles; empty for no roles or only unknown ones (the launch is still
        accepted, and the person may then browse the catalog only). Never ``Role.ISSUER``.
    """
    items: Iterable[str] = values.split(",") if isinstance(values, str) else values
    granted: set[Role] = set()
    for value in items:
        if not isinstance(value, str):
            continue
        role = role_for(classify(value))
        if role is not None:
            granted.add(role)
    return frozenset(granted)
