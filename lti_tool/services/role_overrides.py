"""An admin overrides one person's role: grant one the LMS does not send, or take one away.

Launches and roster syncs only add roles, so a role taken away by hand would come back with the
next launch; an override is kept apart and applied on top (``effective_roles``) wherever an
:class:`~lti_tool.services.common.Actor` is built. Every change is audited with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.role_overrides import RoleOverride, effective_roles
from lti_tool.domain.roles import Role
from lti_tool.ports import Clock, UnitOfWorkFactory
from lti_tool.services.common import Actor, record

MAX_NOTE = 500


class OverrideMode(StrEnum):
    """What the admin chose for one role."""

    GRANT = "grant"
    REVOKE = "revoke"
    CLEAR = "clear"
    """Drop the override: launches and rosters decide again."""


@dataclass(frozen=True)
class PersonRoles:
    """A person's roles as held, as overridden, and as they act."""

    person_id: str
    display_name: str
    email: str | None
    held: frozenset[Role]
    overrides: tuple[RoleOverride, ...]
    effective: frozenset[Role]


class RoleOverrideService:
    """Set and list role overrides (admins only)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def people(self, actor: Actor, limit: int = 200) -> list[PersonRoles]:
        """Everyone (by name, up to ``limit``) with held, overridden and effective roles.

        Raises:
            PermissionDeniedError: the actor is not an admin.
        """
        actor.require(Role.ADMIN)
        with self._uow() as uow:
            people = uow.people.people(limit=limit)
            overrides: dict[str, list[RoleOverride]] = {}
            for item in uow.role_overrides.of_people([person.id for person in people]):
                overrides.setdefault(item.person_id, []).append(item)
            result = []
            for person in people:
                held = frozenset(item.role for item in uow.people.roles_of(person.id))
                mine = tuple(sorted(overrides.get(person.id, []), key=lambda o: o.role.value))
                effective = effective_roles(held, mine)
                result.append(
                    PersonRoles(person.id, person.display_name, person.email, held, mine, effective)
                )
            return result

    def override(
        self, actor: Actor, person_id: str, role: Role, mode: OverrideMode, note: str
    ) -> frozenset[Role]:
        """Grant, revoke or clear ``role`` for a person; returns their effective roles.

        Raises:
            PermissionDeniedError: the actor is not an admin.
            NotFoundError: no such person.
            ValidationError: no reason given, or an admin taking their own admin role away.
        """
        actor.require(Role.ADMIN)
        note = (note or "").strip()
        if mode is not OverrideMode.CLEAR and not note:
            raise ValidationError(
                "Say why: the reason is kept in the audit trail.", ["note: is required"]
            )
        if len(note) > MAX_NOTE:
            raise ValidationError(f"The reason is longer than {MAX_NOTE} characters.")
        if person_id == actor.person_id and role is Role.ADMIN and mode is OverrideMode.REVOKE:
            raise ValidationError("You cannot take your own admin role away; ask another admin.")
        now = self._clock.now()
        with self._uow() as uow:
            uow.people.person(person_id)
            before = {item.role: item for item in uow.role_overrides.of(person_id)}.get(role)
            was = None if before is None else ("grant" if before.granted else "revoke")
            if mode is OverrideMode.CLEAR:
                changed = uow.role_overrides.remove(person_id, role)
            else:
                override = RoleOverride(
                    person_id, role, mode is OverrideMode.GRANT, actor.person_id, now, note
                )
                uow.role_overrides.put(override)
                changed = was != mode.value or before is None or before.note != note
            if changed:
                record(
                    uow, now, actor.person_id, "person", person_id, "override_role", was,
                    None if mode is OverrideMode.CLEAR else mode.value,
                    f"{role.value}: {note}" if note else role.value,
                )  # fmt: skip
            uow.commit()
            held = frozenset(item.role for item in uow.people.roles_of(person_id))
            return effective_roles(held, uow.role_overrides.of(person_id))
