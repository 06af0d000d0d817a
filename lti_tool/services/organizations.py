"""Organisations and schools for the admin console: a paged list and adding one (audited)."""

from __future__ import annotations

from dataclasses import dataclass

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.model import Organization, new_id
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.ports import Clock, UnitOfWorkFactory
from lti_tool.services.common import Actor, Page, record
from lti_tool.services.listing import ListQuery, list_page

SORTS = ("name", "kind", "parent")
FILTERS = ("kind",)
PARENT_KINDS = {
    OrganizationKind.SCHOOL: (OrganizationKind.DISTRICT,),
    OrganizationKind.DISTRICT: (OrganizationKind.STATE,),
}
"""Where each kind may sit; a state, a provider and a district may also stand alone."""


@dataclass(frozen=True)
class OrganizationLine:
    """One row of the organisations list."""

    id: str
    name: str
    kind: OrganizationKind
    parent: str | None
    slug: str | None


class OrganizationService:
    """Admins list and add organisations; every addition is in the audit trail."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def page(self, actor: Actor, query: ListQuery) -> Page[OrganizationLine]:
        """One page of organisations, filtered by kind, searched by name, sorted."""
        actor.require(Role.ADMIN)
        with self._uow() as uow:
            organizations = uow.people.organizations()
        names = {o.id: o.name for o in organizations}
        lines = [
            OrganizationLine(o.id, o.name, o.kind, names.get(o.parent_id or ""), o.slug)
            for o in organizations
        ]
        return list_page(
            lines,
            query,
            sorts={
                "name": lambda line: line.name.casefold(),
                "kind": lambda line: (line.kind.value, line.name.casefold()),
                "parent": lambda line: ((line.parent or "").casefold(), line.name.casefold()),
            },
            searched=lambda line: f"{line.name} {line.parent or ''}",
            filters={"kind": lambda line: line.kind.value},
        )

    def parents(self, actor: Actor) -> list[Organization]:
        """Organisations another one may sit under (states and districts), by name."""
        actor.require(Role.ADMIN)
        with self._uow() as uow:
            return [
                o
                for o in uow.people.organizations()
                if o.kind in (OrganizationKind.STATE, OrganizationKind.DISTRICT)
            ]

    def add(
        self, actor: Actor, name: str, kind: OrganizationKind, parent_id: str | None
    ) -> Organization:
        """Add an organisation; a school must sit under a district, a district under a state
        when it has a parent at all."""
        actor.require(Role.ADMIN)
        name = " ".join(name.split())
        problems = []
        if not name:
            problems.append("name: give the organisation a name.")
        if len(name) > 255:
            problems.append("name: at most 255 characters.")
        with self._uow() as uow:
            if parent_id:
                parent = uow.people.organization(parent_id)
                if parent.kind not in PARENT_KINDS.get(kind, ()):
                    problems.append(
                        f"parent_id: a {kind.value} cannot sit under a {parent.kind.value}."
                    )
            elif kind is OrganizationKind.SCHOOL:
                problems.append("parent_id: choose the district the school belongs to.")
            if problems:
                raise ValidationError("The organisation was not added.", problems)
            organization = Organization(new_id(), name, kind, parent_id or None)
            uow.people.add_organization(organization)
            record(uow, self._clock.now(), actor.person_id, "organization", organization.id,
                   "create", None, kind.value, name)  # fmt: skip
            uow.commit()
        return organization
