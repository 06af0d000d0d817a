"""What the tool remembers to call LTI Advantage services later, away from the launch.

A launch from a course resource link that offers Assignment and Grade Services leaves a
:class:`GradeLink` (where to post this person's score for this credential, or for this stack of
credentials); an instructor's
launch that offers Names and Role Provisioning leaves a :class:`CourseSync` (where to read the
course's members in the background). Both are plain data read from the launch's claims.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"

ScoreOutcome = Literal["awarded", "pending", "in_progress"]
"""``awarded``: completed and fully graded; ``pending``: returned for resubmission;
``in_progress``: part of a stack earned (a fraction, grading pending)."""
ScoreStatus = Literal["posted", "not_a_student"]
GradeLinkKind = Literal["credential", "stack"]
"""What a resource link opens: one credential (``custom.credential``) or a stack
(``custom.stack``)."""
LINK_CUSTOM_KEYS: dict[GradeLinkKind, str] = {"credential": "credential", "stack": "stack"}
"""The custom parameter deep linking writes for each kind of link, in the order a launch reads
them."""
CREDENTIAL_TAG = "credbridge-credential"
STACK_TAG = "credbridge-stack"


def resource_id(kind: GradeLinkKind, slug: str) -> str:
    """The line item ``resourceId`` of a link: a credential's slug, ``stack-<slug>`` for a stack
    (the stack credential's achievement id, and never a credential's slug)."""
    return slug if kind == "credential" else f"stack-{slug}"


def line_item_tag(kind: GradeLinkKind) -> str:
    """The line item ``tag`` of a link's gradebook column."""
    return CREDENTIAL_TAG if kind == "credential" else STACK_TAG


def linked(custom: Mapping[str, Any]) -> tuple[GradeLinkKind, str] | None:
    """What a launch's custom parameters say the resource link opens, if anything."""
    for kind, key in LINK_CUSTOM_KEYS.items():
        value = custom.get(key)
        if isinstance(value, str) and value:
            return kind, value
    return None


def _url(value: Any) -> str | None:
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


@dataclass(frozen=True)
class GradeEndpoint:
    """The launch's AGS endpoint claim: a line item for this link, the course's line items, and
    the scopes the platform grants."""

    lineitem: str | None
    lineitems: str | None
    scopes: tuple[str, ...]

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> GradeEndpoint | None:
        """The endpoint, when the claim lets the tool post scores (the score scope, and a line
        item or a line item container to find or make one in); else None."""
        claim = claims.get(AGS_CLAIM)
        if not isinstance(claim, Mapping):
            return None
        raw_scopes = claim.get("scope")
        listed = raw_scopes if isinstance(raw_scopes, list) else []
        scopes = tuple(scope for scope in listed if isinstance(scope, str))
        endpoint = cls(_url(claim.get("lineitem")), _url(claim.get("lineitems")), scopes)
        if SCOPE_SCORE not in scopes or not (endpoint.lineitem or endpoint.lineitems):
            return None
        return endpoint


def memberships_url(claims: Mapping[str, Any]) -> str | None:
    """The course's NRPS ``context_memberships_url``, when the platform offers it."""
    claim = claims.get(NRPS_CLAIM)
    return _url(claim.get("context_memberships_url")) if isinstance(claim, Mapping) else None


@dataclass
class GradeLink:
    """Where one person's score for one credential (or stack) goes: a resource link in an LMS
    course."""

    id: str
    registration_id: str
    deployment_id: str
    context_id: str | None
    resource_link_id: str
    person_id: str
    subject: str
    """The person's LTI ``sub`` on the platform (the score's ``userId``)."""
    credential_slug: str
    """The slug of what the resource link opens: the credential (``custom.credential``) or, for
    a ``stack`` link, the stack (``custom.stack``)."""
    endpoint: GradeEndpoint
    created_at: datetime
    updated_at: datetime
    line_item_url: str | None = None
    """The line item scores go to, once known (the claim's, or one found or made)."""
    last_outcome: str | None = None
    last_status: str | None = None
    """``posted`` or ``not_a_student`` (the LMS refused: the person is no student there)."""
    last_detail: str | None = None
    last_posted_at: datetime | None = None
    kind: GradeLinkKind = "credential"

    @property
    def target(self) -> str:
        """What the link opens, for people: ``talk-moves`` or ``the stack classroom-discourse``."""
        return (
            self.credential_slug
            if self.kind == "credential"
            else f"the stack {self.credential_slug}"
        )

    @property
    def resource_id(self) -> str:
        """The ``resourceId`` of the link's line item."""
        return resource_id(self.kind, self.credential_slug)


@dataclass
class CourseSync:
    """A course whose members are read from the LMS in the background (NRPS)."""

    registration_id: str
    context_id: str
    memberships_url: str
    queued_at: datetime
    synced_at: datetime | None = None
    members: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class CourseMember:
    """One NRPS member, as plain data."""

    user_id: str
    roles: tuple[str, ...]
    name: str | None = None
    email: str | None = None
    active: bool = True


@dataclass(frozen=True)
class ScoreAnswer:
    """What the platform made of a score: ``posted``, or ``not_a_student`` with its reason."""

    status: ScoreStatus
    http_status: int
    detail: str | None = None


def sync_due(sync: CourseSync | None, now: datetime, interval_seconds: float) -> bool:
    """Whether a course's members may be read again: never queued, or the interval passed."""
    return sync is None or (now - sync.queued_at).total_seconds() >= interval_seconds
