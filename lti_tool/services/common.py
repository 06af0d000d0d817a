"""Pieces every service shares: the acting person, review policy, paging, and state moves."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from lti_tool.domain.catalog import CredentialDefinition
from lti_tool.domain.errors import PermissionDeniedError
from lti_tool.domain.lifecycle import Action, SubmissionState, TransitionContext, next_state
from lti_tool.domain.model import AuditEntry, Submission, new_id
from lti_tool.domain.roles import Role
from lti_tool.ports import Clock, UnitOfWork

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Actor:
    """The person acting, with the roles they hold anywhere."""

    person_id: str
    display_name: str
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        return role in self.roles

    def require(self, role: Role) -> None:
        if role not in self.roles:
            raise PermissionDeniedError(f"This needs the {role.value} role, which you do not hold.")


@dataclass(frozen=True)
class ReviewPolicy:
    """Defaults from settings; a credential definition may override each."""

    blind_review: bool = True
    double_review: bool = False
    attempt_cap: int = 3
    max_upload_bytes: int = 500 * 1024 * 1024
    review_days: int = 10
    """Business days within which a submitted attempt should be reviewed (the promise)."""

    def blind_for(self, definition: CredentialDefinition) -> bool:
        return self.blind_review if definition.blind_review is None else definition.blind_review

    def double_for(self, definition: CredentialDefinition) -> bool:
        return self.double_review if definition.double_review is None else definition.double_review

    def cap_for(self, definition: CredentialDefinition) -> int:
        return definition.attempt_cap or self.attempt_cap


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def page_bounds(page: int, per_page: int = DEFAULT_PAGE_SIZE) -> tuple[int, int, int]:
    """Clamp a requested page to sane values: (page, per_page, offset)."""
    page = max(1, page)
    per_page = min(max(1, per_page), MAX_PAGE_SIZE)
    return page, per_page, (page - 1) * per_page


def record(
    uow: UnitOfWork,
    now: datetime,
    actor_id: str | None,
    entity_type: str,
    entity_id: str,
    action: str,
    from_state: str | None,
    to_state: str | None,
    note: str = "",
) -> None:
    """Append one entry to the audit trail (inside the caller's transaction)."""
    uow.audit.append(
        AuditEntry(
            id=new_id(),
            at=now,
            actor_id=actor_id,
            entity_type=entity_type,
            entity_id=entity_id,
            action=action,
            from_state=from_state,
            to_state=to_state,
            note=note,
        )
    )


def move(
    uow: UnitOfWork,
    clock: Clock,
    submission: Submission,
    action: Action,
    actor_id: str,
    *,
    note: str = "",
    context: TransitionContext | None = None,
) -> SubmissionState:
    """Apply a lifecycle action, save the submission and audit the change, in one transaction."""
    now = clock.now()
    before = submission.state
    submission.state = next_state(before, action, context)
    submission.updated_at = now
    uow.submissions.save(submission)
    record(
        uow,
        now,
        actor_id,
        "submission",
        submission.id,
        action.value,
        before.value,
        submission.state.value,
        note,
    )
    return submission.state
