"""Entities of the core service as plain dataclasses. Repositories store and load them.

Identifiers are UUID strings made here, so an award and the outbox event that announces it can
name each other before anything is written.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lti_tool.domain.catalog import CredentialDefinition
from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.domain.roles import IdentityKind, OrganizationKind, Role


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Organization:
    id: str
    name: str
    kind: OrganizationKind
    parent_id: str | None = None
    slug: str | None = None


@dataclass
class Person:
    id: str
    display_name: str
    email: str | None = None
    organization_id: str | None = None
    """The school or district the person works in (hidden from blind reviewers)."""


@dataclass(frozen=True)
class ExternalIdentity:
    person_id: str
    kind: IdentityKind
    namespace: str
    value: str


@dataclass(frozen=True)
class RoleAssignment:
    person_id: str
    role: Role
    organization_id: str
    context_id: str | None = None
    """An LMS course (context) the role is limited to; ``None`` for the whole organisation."""


@dataclass(frozen=True)
class Stack:
    id: str
    slug: str
    title: str
    description: str


@dataclass(frozen=True)
class CredentialVersion:
    """An immutable snapshot of a credential definition. Submissions point at one."""

    id: str
    credential_id: str
    slug: str
    stack_id: str
    version: int
    fingerprint: str
    definition: CredentialDefinition
    created_at: datetime


@dataclass
class Submission:
    """An educator's work toward one credential version, across its attempts."""

    id: str
    person_id: str
    credential_version_id: str
    state: SubmissionState
    attempt_number: int
    created_at: datetime
    updated_at: datetime
    version: int = 1
    """Optimistic lock: every save checks and bumps it."""
    submitted_at: datetime | None = None
    """When the current attempt entered the queue (the queue's age is measured from here)."""
    context_id: str | None = None
    """The LMS course it was started from, when launched through LTI."""


@dataclass
class SectionResponse:
    """What the educator wrote for one evidence requirement of a section, in one attempt.

    A reflection requirement keeps ``text``; a link requirement keeps ``links``.
    """

    submission_id: str
    attempt_number: int
    section_key: str
    requirement_key: str
    text: str = ""
    links: list[str] = field(default_factory=list)
    version: int = 1
    updated_at: datetime | None = None


@dataclass
class EvidenceFile:
    """An uploaded file. The stored bytes never change; an attempt may carry it forward."""

    id: str
    submission_id: str
    attempt_number: int
    section_key: str
    requirement_key: str
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    storage_key: str
    uploaded_at: datetime
    uploaded_by: str
    carried_from_attempt: int | None = None


@dataclass(frozen=True)
class SectionScore:
    section_key: str
    level_key: str
    feedback: str


class ReviewKind:
    PRIMARY = "primary"
    SECOND = "second"
    ADJUDICATION = "adjudication"


@dataclass
class Review:
    """One assessor's independent scoring of one attempt."""

    id: str
    submission_id: str
    attempt_number: int
    assessor_id: str
    kind: str
    claimed_at: datetime
    scores: list[SectionScore] = field(default_factory=list)
    recommendation: str | None = None
    """``award`` or ``resubmit`` once completed."""
    comment: str = ""
    completed_at: datetime | None = None


class Recommendation:
    AWARD = "award"
    RESUBMIT = "resubmit"
    ALL = ("award", "resubmit")


class DecisionOutcome:
    AWARD = "award"
    RETURN = "return"
    DENY = "deny"


@dataclass(frozen=True)
class Decision:
    id: str
    submission_id: str
    attempt_number: int
    issuer_id: str
    outcome: str
    note: str
    decided_at: datetime


@dataclass(frozen=True)
class Award:
    id: str
    submission_id: str
    person_id: str
    credential_version_id: str
    decision_id: str
    awarded_at: datetime


@dataclass(frozen=True)
class OutboxEvent:
    """A fact for later consumers, written in the same transaction as the change it reports."""

    id: str
    topic: str
    key: str
    """Unique per fact, so writing it twice is refused rather than delivered twice."""
    payload: dict[str, Any]
    created_at: datetime
    attempts: int = 0
    delivered_at: datetime | None = None
    dead_at: datetime | None = None
    last_error: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One state change: who, when, what, from, to, and why. Never updated or deleted."""

    id: str
    at: datetime
    actor_id: str | None
    entity_type: str
    entity_id: str
    action: str
    from_state: str | None
    to_state: str | None
    note: str = ""
