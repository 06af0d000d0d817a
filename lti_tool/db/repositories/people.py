"""People repository over SQLAlchemy.

What every LTI launch runs (find the person by identity, their roles, the new person's rows) is
Core statements built once per process and run on the session's connection: cProfile showed
the ORM's per-statement work (coercing the statement, loading rows into the identity map,
flushing pending objects one mapper at a time) cost several times the SQL itself. Each read
first flushes what the session holds (a no-op when nothing is pending), so it sees what the
ORM's autoflush would have shown it.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from lti_tool.db.models import ExternalIdentityRow, OrganizationRow, PersonRow, RoleAssignmentRow
from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.model import ExternalIdentity, Organization, Person, RoleAssignment
from lti_tool.domain.roles import IdentityKind, OrganizationKind, Role

ORGANIZATIONS = cast(Table, OrganizationRow.__table__)
PEOPLE = cast(Table, PersonRow.__table__)
IDENTITIES = cast(Table, ExternalIdentityRow.__table__)
ROLE_ASSIGNMENTS = cast(Table, RoleAssignmentRow.__table__)
ORGANIZATION_BY_SLUG = select(
    ORGANIZATIONS.c.id,
    ORGANIZATIONS.c.name,
    ORGANIZATIONS.c.kind,
    ORGANIZATIONS.c.parent_id,
    ORGANIZATIONS.c.slug,
).where(ORGANIZATIONS.c.slug == bindparam("slug"))
PERSON_BY_IDENTITY = (
    select(PEOPLE.c.id, PEOPLE.c.display_name, PEOPLE.c.email, PEOPLE.c.organization_id)
    .join(IDENTITIES, IDENTITIES.c.person_id == PEOPLE.c.id)
    .where(
        IDENTITIES.c.kind == bindparam("kind"),
        IDENTITIES.c.namespace == bindparam("namespace"),
        IDENTITIES.c.value == bindparam("value"),
    )
)
ROLES_OF = select(
    ROLE_ASSIGNMENTS.c.person_id,
    ROLE_ASSIGNMENTS.c.role,
    ROLE_ASSIGNMENTS.c.organization_id,
    ROLE_ASSIGNMENTS.c.context_id,
).where(ROLE_ASSIGNMENTS.c.person_id == bindparam("person_id"))
ADD_PERSON = PEOPLE.insert()
ADD_IDENTITY = IDENTITIES.insert()
ADD_ROLE = ROLE_ASSIGNMENTS.insert()


def _organization(row: OrganizationRow) -> Organization:
    return Organization(row.id, row.name, OrganizationKind(row.kind), row.parent_id, row.slug)


def _person(row: PersonRow) -> Person:
    return Person(row.id, row.display_name, row.email, row.organization_id)


class SqlPeopleRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def _read(self, statement: Any, values: dict[str, Any]) -> Any:
        """``statement`` on the session's connection, after what the session holds is flushed
        (as the ORM's autoflush would)."""
        self._session.flush()
        return self._session.connection().execute(statement, values)

    def _write(self, statement: Any, values: dict[str, Any]) -> None:
        """``statement`` on the session's connection, now. Nothing is flushed first: the rows
        these write refer only to people and organisations, which are written at once."""
        self._session.connection().execute(statement, values)

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
        row = self._read(ORGANIZATION_BY_SLUG, {"slug": slug}).first()
        if row is None:
            return None
        return Organization(row.id, row.name, OrganizationKind(row.kind), row.parent_id, row.slug)

    def organizations(self) -> list[Organization]:
        rows = self._session.scalars(select(OrganizationRow).order_by(OrganizationRow.name))
        return [_organization(row) for row in rows]

    def add_person(self, person: Person) -> None:
        values = {
            "id": person.id,
            "display_name": person.display_name,
            "email": person.email,
            "organization_id": person.organization_id,
        }
        self._write(ADD_PERSON, values)

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
        values = {
            "person_id": identity.person_id,
            "kind": identity.kind.value,
            "namespace": identity.namespace,
            "value": identity.value,
        }
        self._write(ADD_IDENTITY, values)

    def identities_of(self, person_id: str) -> list[ExternalIdentity]:
        rows = self._session.scalars(
            select(ExternalIdentityRow).where(ExternalIdentityRow.person_id == person_id)
        )
        return [
            ExternalIdentity(row.person_id, IdentityKind(row.kind), row.namespace, row.value)
            for row in rows
        ]

    def find_by_identity(self, kind: IdentityKind, namespace: str, value: str) -> Person | None:
        values = {"kind": kind.value, "namespace": namespace, "value": value}
        row = self._read(PERSON_BY_IDENTITY, values).first()
        if row is None:
            return None
        return Person(row.id, row.display_name, row.email, row.organization_id)

    def add_role(self, assignment: RoleAssignment) -> None:
        values = {
            "person_id": assignment.person_id,
            "role": assignment.role.value,
            "organization_id": assignment.organization_id,
            "context_id": assignment.context_id,
        }
        self._write(ADD_ROLE, values)

    def roles_of(self, person_id: str) -> list[RoleAssignment]:
        rows = self._read(ROLES_OF, {"person_id": person_id})
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
