"""Reading the append-only audit trail (admins only)."""

from __future__ import annotations

from lti_tool.domain.model import AuditEntry
from lti_tool.domain.roles import Role
from lti_tool.ports import AuditFilter, UnitOfWorkFactory
from lti_tool.services.common import Actor, Page, page_bounds


class AuditService:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow = uow_factory

    def page(
        self, actor: Actor, filters: AuditFilter, page: int = 1, per_page: int = 50
    ) -> tuple[Page[AuditEntry], dict[str, str]]:
        """One page of entries, newest first, and display names of the actors on it."""
        actor.require(Role.ADMIN)
        page, per_page, offset = page_bounds(page, per_page)
        with self._uow() as uow:
            entries = uow.audit.page(filters, per_page, offset)
            names: dict[str, str] = {}
            for entry in entries:
                if entry.actor_id and entry.actor_id not in names:
                    names[entry.actor_id] = uow.people.person(entry.actor_id).display_name
            return Page(entries, uow.audit.count(filters), page, per_page), names

    def actors(self, actor: Actor) -> list[tuple[str, str]]:
        """(id, name) of the people who act on others' records (assessors, issuers, admins),
        by name: the choices of the audit trail's "who" filter."""
        actor.require(Role.ADMIN)
        with self._uow() as uow:
            found = {
                person.id: person.display_name
                for role in (Role.ADMIN, Role.ISSUER, Role.ASSESSOR)
                for person in uow.people.people_with_role(role)
            }
        return sorted(found.items(), key=lambda item: (item[1].casefold(), item[0]))
