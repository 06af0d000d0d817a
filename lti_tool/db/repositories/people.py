"""People repository over SQLAlchemy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db.models import ExternalIdentityRow, OrganizationRow, PersonRow, RoleAssignmentRow
from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.model import ExternalIdentity, Organization, Person, RoleAssignment
from lti_tool.domain.roles import IdentityKind, OrganizationKind, Role


def _organization(row: OrganizationRow) -> Organization:
    return Organization(row.id, row.name, OrganizationKind(row.kind), row.parent_id, row.slug)


def _person(row: PersonRow) -> Person:
    return Person(row.id, row.display_name, row.email, row.organization_id)


class SqlPeopleRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_organization(self, organization: Organization) -> None:
        self._session.add(
            OrganizationRow(
                id=organization.id,
                name=organization.name,
                kind=organization.kind.value,
                slug=organization.slug,
                parent_id=organization.parent_id,
            )
        )
        self._session.flush()

    def organization(self, organization_id: str) -> Organization:
        row = self._session.get(OrganizationRow, organization_id)
        if row is None:
            raise NotFoundError("That organisation does not exist.")
        return _organization(row)

    def organization_by_slug(self, slug: str) -> Organization | None:
        row = self._session.scalar(select(OrganizationRow).where(OrganizationRow.slug == slug))
        return _organization(row) if row else None

    def organizations(self) -> list[Organization]:
        rows = self._session.scalars(select(OrganizationRow).order_by(OrganizationRow.name))
        return [_organization(row) for row in rows]

    def add_person(self, person: Person) -> None:
        self._session.add(
            PersonRow(
                id=person.id,
                display_name=person.display_name,
                email=person.email,
                organization_id=person.organization_id,
            )
        )
        self._session.flush()

    def person(self, person_id: str) -> Person:
        row = self._session.get(PersonRow, person_id)
        if row is None:
            raise NotFoundError("That person does not exist.")
        return _person(row)

    def people(self, limit: int = 100, offset: int = 0) -> list[Person]:
        rows = self._session.scalars(
            select(PersonRow)
            .order_by(PersonRow.display_name, PersonRow.id)
            .limit(limit)
            .offset(offset)
        )
        return [_person(row) for row in rows]

    def add_identity(self, identity: ExternalIdentity) -> None:
        self._session.add(
            ExternalIdentityRow(
                person_id=identity.person_id,
                kind=identity.kind.value,
                namespace=identity.namespace,
                value=identity.value,
            )
        )

    def identities_of(self, person_id: str) -> list[ExternalIdentity]:
        rows = self._session.scalars(
            select(ExternalIdentityRow).where(ExternalIdentityRow.person_id == person_id)
        )
        return [
            ExternalIdentity(row.person_id, IdentityKind(row.kind), row.namespace, row.value)
            for row in rows
        ]

    def find_by_identity(self, kind: IdentityKind, namespace: str, value: str) -> Person | None:
        row = self._session.scalar(
            select(PersonRow)
            .join(ExternalIdentityRow, ExternalIdentityRow.person_id == PersonRow.id)
            .where(
                ExternalIdentityRow.kind == kind.value,
                ExternalIdentityRow.namespace == namespace,
                ExternalIdentityRow.value == value,
            )
        )
        return _person(row) if row else None

    def add_role(self, assignment: RoleAssignment) -> None:
        self._session.add(
            RoleAssignmentRow(
                person_id=assignment.person_id,
                role=assignment.role.value,
                organization_id=assignment.organization_id,
                context_id=assignment.context_id,
            )
        )

    def roles_of(self, person_id: str) -> list[RoleAssignment]:
        rows = self._session.scalars(
            select(RoleAssignmentRow).where(RoleAssignmentRow.person_id == person_id)
        )
        return [
            RoleAssignment(row.person_id, Role(row.role), row.organization_id, row.context_id)
            for row in rows
        ]

    def roles_in_context(self, organization_id: str, context_id: str) -> list[RoleAssignment]:
        rows = self._session.scalars(
            select(RoleAssignmentRow).where(
                RoleAssignmentRow.organization_id == organization_id,
                RoleAssignmentRow.context_id == context_id,
            )
        )
        return [
            RoleAssignment(row.person_id, Role(row.role), row.organization_id, row.context_id)
            for row in rows
        ]

    def people_with_role(self, role: Role) -> list[Person]:
        rows = self._session.scalars(
            select(PersonRow)
            .where(
                PersonRow.id.in_(
                    select(RoleAssignmentRow.person_id).where(RoleAssignmentRow.role == role.value)
                )
            )
            .order_by(PersonRow.display_name)
        )
        return [_person(row) for row in rows]
