"""Roles a person holds per organisation, and the kinds of external identity we match on."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a person may do in an organisation."""

    EDUCATOR = "educator"
    ASSESSOR = "assessor"
    ISSUER = "issuer"
    ADMIN = "admin"


class IdentityKind(StrEnum):
    """An identifier another system knows a person by.

    ``namespace`` qualifies the value: the LTI platform issuer for ``lti_sub``, the roster
    provider for ``oneroster``, the district for ``employee_id``; ``email`` uses ``""``.
    """

    LTI_SUBJECT = "lti_sub"
    ONEROSTER_SOURCED_ID = "oneroster"
    EMAIL = "email"
    EMPLOYEE_ID = "employee_id"
    STATE_EDUCATOR_ID = "state_educator_id"


class OrganizationKind(StrEnum):
    """Where an organisation sits: a state agency, a district, a school, or an assessing body."""

    STATE = "state"
    DISTRICT = "district"
    SCHOOL = "school"
    PROVIDER = "provider"
