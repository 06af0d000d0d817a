"""Role overrides over SQLAlchemy."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.orm import Session

from lti_tool.db.models import RoleOverrideRow
from lti_tool.domain.role_overrides import RoleOverride
from lti_tool.domain.roles import Role

ROLE_OVERRIDES = cast(Table, RoleOverrideRow.__table__)
OVERRIDES_OF = (
    select(ROLE_OVERRIDES)
    .where(ROLE_OVERRIDES.c.person_id == bindparam("person_id"))
    .order_by(ROLE_OVERRIDES.c.role)
)
"""Built once: every LTI launch reads a person's overrides (Core, as the launch's other reads
in :mod:`lti_tool.db.repositories.people`)."""


def _override(row: RoleOverrideRow) -> RoleOverride:
    return RoleOverride(
        row.person_id, Role(row.role), row.granted, row.set_by, row.set_at, row.note
    )


class SqlRoleOverrideRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def of(self, person_id: str) -> list[RoleOverride]:
        self._session.flush()  # as the ORM's autoflush: see what this session changed
        rows = self._session.connection().execute(OVERRIDES_OF, {"person_id": person_id})
        return [
            RoleOverride(
                row.person_id, Role(row.role), row.granted, row.set_by, row.set_at, row.note
            )
            for row in rows
        ]

    def of_people(self, person_ids: list[str]) -> list[RoleOverride]:
        if not person_ids:
            return []
        rows = self._session.scalars(
            select(RoleOverrideRow).where(RoleOverrideRow.person_id.in_(person_ids))
        )
        return [_override(row) for row in rows]

    def put(self, override: RoleOverride) -> None:
        row = self._session.scalar(
            select(RoleOverrideRow).where(
                RoleOverrideRow.person_id == override.person_id,
                RoleOverrideRow.role == override.role.value,
            )
        )
        if row is None:
            row = RoleOverrideRow(person_id=override.person_id, role=override.role.value)
            self._session.add(row)
        row.granted = override.granted
        row.set_by = override.set_by
        row.set_at = override.set_at
        row.note = override.note
        self._session.flush()

    def remove(self, person_id: str, role: Role) -> bool:
        result = self._session.execute(
            delete(RoleOverrideRow).where(
                RoleOverrideRow.person_id == person_id, RoleOverrideRow.role == role.value
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
