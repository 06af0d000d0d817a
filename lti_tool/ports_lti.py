"""Ports for the LTI Advantage services the outbox consumers call (AGS scores, NRPS members),
and the repository of what launches left for them (grade links, course syncs)."""

from __future__ import annotations

from typing import Protocol

from lti_tool.domain.lti import PlatformRegistration
from lti_tool.domain.lti_services import (
    CourseMember,
    CourseSync,
    GradeLink,
    GradeLinkKind,
    ScoreAnswer,
    ScoreOutcome,
)


class LtiServiceRepository(Protocol):
    """Grade links and course syncs."""

    def grade_link(self, link_id: str) -> GradeLink:
        """Raises NotFoundError."""
        ...

    def find_grade_link(
        self, registration_id: str, resource_link_id: str, person_id: str
    ) -> GradeLink | None: ...
    def put_grade_link(self, link: GradeLink) -> None:
        """Add the link, or save every field of the one with the same id."""
        ...

    def grade_links_for(
        self, person_id: str, credential_slug: str, kind: GradeLinkKind = "credential"
    ) -> list[GradeLink]:
        """The person's links of ``kind`` (a credential's, or a stack's) for that slug."""
        ...

    def grade_links_of(self, person_id: str, kind: GradeLinkKind) -> list[GradeLink]:
        """Every link of ``kind`` the person has (usually none: one indexed read)."""
        ...

    def grade_links_in(self, registration_id: str, context_id: str) -> list[GradeLink]: ...
    def course_sync(self, registration_id: str, context_id: str) -> CourseSync | None: ...
    def put_course_sync(self, sync: CourseSync) -> None:
        """Add the sync, or save the one for the same course."""
        ...


class GradePoster(Protocol):
    """Assignment and Grade Services 2.0 on the platform.

    Raises ``RetryLater`` when the platform is unreachable, overloaded or failing (5xx, 429)
    and ``DeliveryRefused`` for any other refusal.
    """

    def line_item(
        self,
        registration: PlatformRegistration,
        lineitems_url: str,
        *,
        resource_link_id: str,
        resource_id: str,
        label: str,
        tag: str = ...,
    ) -> str:
        """The URL of the line item for the resource link and credential or stack (found or
        made with ``tag``)."""
        ...

    def post_score(
        self,
        registration: PlatformRegistration,
        line_item_url: str,
        *,
        user_id: str,
        outcome: ScoreOutcome,
        badge_url: str | None,
        new_submission: bool,
        progress: tuple[int, int] | None = None,
    ) -> ScoreAnswer:
        """``progress`` (given, maximum) is the score of an ``in_progress`` outcome."""
        ...


class MemberReader(Protocol):
    """Names and Role Provisioning Services 2.0 on the platform."""

    def members(
        self, registration: PlatformRegistration, memberships_url: str
    ) -> list[CourseMember]:
        """Every member, page by page up to a page cap. Raises ``RetryLater`` or
        ``DeliveryRefused`` as :class:`GradePoster` does."""
        ...
