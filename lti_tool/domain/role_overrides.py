"""An administrator's decision about one person's role, above what the LMS and rosters say.

LTI launches and roster syncs only ever ADD roles (an admin's grants must survive them), so
taking a role away, or granting one the LMS does not send, needs a record of its own that every
later launch respects: an override. Pure standard library.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from lti_tool.domain.roles import Role


@dataclass(frozen=True)
class RoleOverride:
    """``granted`` True: the person has ``role`` whatever the LMS says; False: never has it."""

    person_id: str
    role: Role
    granted: bool
    set_by: str | None
    set_at: datetime
    note: str = ""


def effective_roles(held: Iterable[Role], overrides: Iterable[RoleOverride]) -> frozenset[Role]:
    """The roles a person acts with: those held from launches, rosters and grants, plus the
    roles an admin granted, minus the roles an admin took away."""
    roles = set(held)
    for override in overrides:
        if override.granted:
            roles.add(override.role)
        else:
            roles.discard(override.role)
    return frozenset(roles)
