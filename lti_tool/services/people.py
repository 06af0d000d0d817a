"""People, organisations and roles: who someone is and what they may do."""

from __future__ import annotations

from dataclasses import dataclass

from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.model import (
    ExternalIdentity,
    Organization,
    Person,
    RoleAssignment,
    new_id,
)
from lti_tool.domain.role_overrides import effective_roles
from lti_tool.domain.roles import IdentityKind, OrganizationKind, Role
from lti_tool.ports import Clock, UnitOfWorkFactory
from lti_tool.services.common import Actor, record


@dataclass(frozen=True)
class NewPerson:
    """A person to create, with roles ``(role, organization_id)`` and identities
    ``(kind, namespace, value)``."""

    display_name: str
    email: str | None = None
    organization_id: str | None = None
    roles: tuple[tuple[Role, str], ...] = ()
    identities: tuple[tuple[IdentityKind, str, str], ...] = ()


@dataclass(frozen=True)
class PersonSummary:
    person: Person
    roles: frozenset[Role]
    organization_name: str | None


class PeopleService:
    """Create people and organisations, attach identities and roles, and build an :class:`Actor`."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def actor(self, person_id: str) -> Actor:
        """The acting person with their roles. Raises NotFoundError for an unknown id."""
        with self._uow() as uow:
            person = uow.people.person(person_id)
            held = (assignment.role for assignment in uow.people.roles_of(person_id))
            # An admin's overrides (services/role_overrides.py) win over launches and rosters.
            roles = effective_roles(held, uow.role_overrides.of(person_id))
            return Actor(person_id=person.id, display_name=person.display_name, roles=roles)

    def add_organization(
        self,
        name: str,
        kind: OrganizationKind,
        *,
        slug: str | None = None,
        parent_id: str | None = None,
    ) -> Organization:
        organization = Organization(
            id=new_id(), name=name, kind=kind, parent_id=parent_id, slug=slug
        )
        with self._uow() as uow:
            uow.people.add_organization(organization)
            record(
                uow,
                self._clock.now(),
                None,
                "organization",
                organization.id,
                "create",
                None,
                kind.value,
                name,
            )
            uow.commit()
        return organization

    def organizations(self, kind: OrganizationKind | None = None) -> list[Organization]:
        """Every organisation (of one kind), by name."""
        with self._uow() as uow:
            return [o for o in uow.people.organizations() if kind is None or o.kind is kind]

    def organization_by_slug(self, slug: str) -> Organization | None:
        with self._uow() as uow:
            return uow.people.organization_by_slug(slug)

    def add_person(
        self,
        display_name: str,
        *,
        email: str | None = None,
        organization_id: str | None = None,
        roles: tuple[tuple[Role, str], ...] = (),
        identities: tuple[tuple[IdentityKind, str, str], ...] = (),
        actor_id: str | None = None,
    ) -> Person:
        """Create a person with roles ``(role, organization_id)`` and identities
        ``(kind, namespace, value)`` in one transaction."""
        spec = NewPerson(display_name, email, organization_id, roles, identities)
        return self.add_people([spec], actor_id=actor_id)[0]

    def add_people(self, specs: list[NewPerson], *, actor_id: str | None = None) -> list[Person]:
        """Create many people in one transaction (roster imports), audited like one."""
        created = []
        with self._uow() as uow:
            now = self._clock.now()
            for spec in specs:
                person = Person(
                    id=new_id(),
                    display_name=spec.display_name,
                    email=spec.email,
                    organization_id=spec.organization_id,
                )
                uow.people.add_person(person)
                if spec.email:
                    uow.people.add_identity(
                        ExternalIdentity(
                            person.id, IdentityKind.EMAIL, "", spec.email.strip().lower()
                        )
                    )
                for kind, namespace, value in spec.identities:
                    uow.people.add_identity(ExternalIdentity(person.id, kind, namespace, value))
                record(
                    uow, now, actor_id, "person", person.id, "create", None, None, spec.display_name
                )
                for role, organization in spec.roles:
                    uow.people.add_role(RoleAssignment(person.id, role, organization))
                    record(uow, now, actor_id, "person", person.id, "grant_role", None, role.value)
                created.append(person)
            uow.commit()
        return created

    def add_identities(
        self, person_id: str, identities: tuple[tuple[IdentityKind, str, str], ...]
    ) -> None:
        """Attach identities ``(kind, namespace, value)`` the person does not hold yet."""
        with self._uow() as uow:
            uow.people.person(person_id)
            for kind, namespace, value in identities:
                if uow.people.find_by_identity(kind, namespace, value) is None:
                    uow.people.add_identity(ExternalIdentity(person_id, kind, namespace, value))
            uow.commit()

    def find_by_email(self, email: str) -> Person | None:
        with self._uow() as uow:
            return uow.people.find_by_identity(IdentityKind.EMAIL, "", email.strip().lower())

    def directory(self, limit: int = 200) -> list[PersonSummary]:
        """People with their roles and organisation, for sign-in lists and admin pages."""
        with self._uow() as uow:
            summaries = []
            for person in uow.people.people(limit=limit):
                organization_name = None
                if person.organization_id:
                    try:
                        organization_name = uow.people.organization(person.organization_id).name
                    except NotFoundError:
                        organization_name = None
                roles = frozenset(item.role for item in uow.people.roles_of(person.id))
                summaries.append(PersonSummary(person, roles, organization_name))
            return summaries
