"""Which settings and overrides govern a teacher: the nearest organisation up the tree that has
them (a school may set its own; otherwise its district's apply)."""

from __future__ import annotations

from dataclasses import dataclass

from lti_tool.domain.credit_rules import Override
from lti_tool.domain.model import CredentialVersion, Organization
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.ports import UnitOfWork
from lti_tool.ports_credit import CreditSettings, DistrictOverride
from lti_tool.services.common import Actor

CREDENTIAL = "credential"
STACK = "stack"
TARGET_KINDS = (CREDENTIAL, STACK)


def admin_id(actor: Actor | None) -> str | None:
    """The acting admin's id; None is the command line, trusted as the operator."""
    if actor is None:
        return None
    actor.require(Role.ADMIN)
    return actor.person_id


def chain(uow: UnitOfWork, organization_id: str | None) -> list[Organization]:
    """The organisation and its parents, nearest first (cycles in bad data are cut)."""
    found: list[Organization] = []
    seen: set[str] = set()
    while organization_id and organization_id not in seen:
        seen.add(organization_id)
        organization = uow.people.organization(organization_id)
        found.append(organization)
        organization_id = organization.parent_id
    return found


def governing_settings(
    uow: UnitOfWork, organization_id: str | None
) -> tuple[Organization, CreditSettings] | None:
    for organization in chain(uow, organization_id):
        settings = uow.credit.settings(organization.id)
        if settings is not None:
            return organization, settings
    return None


def school_of(uow: UnitOfWork, organization_id: str | None) -> str | None:
    for organization in chain(uow, organization_id):
        if organization.kind is OrganizationKind.SCHOOL:
            return organization.id
    return None


@dataclass(frozen=True)
class Applicable:
    """The nearest override of a credential (before its stack) with credit, and with a stipend."""

    credit: DistrictOverride | None
    stipend: DistrictOverride | None


def applicable_overrides(
    uow: UnitOfWork, organization_id: str | None, credential: CredentialVersion
) -> Applicable:
    stack_slug = uow.catalog.stack(credential.stack_id).slug
    credit = stipend = None
    for organization in chain(uow, organization_id):
        for kind, slug in ((CREDENTIAL, credential.slug), (STACK, stack_slug)):
            found = uow.credit.override(organization.id, kind, slug)
            if found is None:
                continue
            if credit is None and found.credit_amount is not None:
                credit = found
            if stipend is None and found.stipend_amount is not None:
                stipend = found
    return Applicable(credit, stipend)


def as_rule_override(found: DistrictOverride | None) -> Override | None:
    if found is None or found.credit_amount is None:
        return None
    return Override(
        found.organization_id,
        found.credit_amount,
        found.credit_unit,
        found.category or "general",
        found.version,
    )
