"""What a launch leaves for the LTI Advantage services, in the launch's own transaction.

* A launch from a course resource link that opens a credential (``custom.credential``) or a
  stack (``custom.stack``) and offers Assignment and Grade Services records a grade link: when
  that person's submission for the credential is decided, or their stack credential is issued
  (progress on the way), the score goes there (:mod:`lti_tool.services.grade_passback`).
* An instructor's launch in a course that offers Names and Role Provisioning queues a read of
  the course's members (:mod:`lti_tool.services.course_sync`), at most once per interval.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from lti_tool.domain.lti import LaunchContext
from lti_tool.domain.lti_services import (
    CourseSync,
    GradeEndpoint,
    GradeLink,
    linked,
    memberships_url,
    sync_due,
)
from lti_tool.domain.model import OutboxEvent, new_id
from lti_tool.domain.roles import Role
from lti_tool.ports import UnitOfWork

SCORE_TOPIC = "lti.ags.score"
NRPS_SYNC_TOPIC = "lti.nrps.sync"
INSTRUCTOR_ROLES = frozenset({Role.ASSESSOR, Role.ADMIN})
"""LIS instructors and administrators map to these; their launches refresh the course."""


def remember_grade_link(
    uow: UnitOfWork, context: LaunchContext, person_id: str, now: datetime
) -> GradeLink | None:
    """Record (or refresh) where this person's score for the linked credential or stack goes."""
    target = linked(context.custom)
    endpoint = GradeEndpoint.from_claims(context.claims)
    if not (target and endpoint and context.resource_link_id and context.subject):
        return None
    kind, slug = target
    link = uow.lti_services.find_grade_link(
        context.registration_id, context.resource_link_id, person_id
    )
    if link is None:
        link = GradeLink(
            id=new_id(), registration_id=context.registration_id,
            deployment_id=context.deployment_id, context_id=context.context_id,
            resource_link_id=context.resource_link_id, person_id=person_id,
            subject=context.subject, credential_slug=slug, endpoint=endpoint,
            created_at=now, updated_at=now, kind=kind,
        )  # fmt: skip
    elif (link.endpoint, link.kind, link.credential_slug, link.subject) == (
        endpoint, kind, slug, context.subject,
    ):  # fmt: skip
        return link  # nothing changed: no write
    else:
        if link.endpoint.lineitem != endpoint.lineitem or (link.kind, link.credential_slug) != (
            kind, slug,
        ):  # fmt: skip
            link.line_item_url = None
        link.endpoint, link.credential_slug, link.subject = endpoint, slug, context.subject
        link.kind, link.updated_at = kind, now
    uow.lti_services.put_grade_link(link)
    return link


def queue_course_sync(
    uow: UnitOfWork,
    context: LaunchContext,
    roles: Collection[Role],
    now: datetime,
    interval_seconds: float,
) -> bool:
    """Queue a background read of the course's members after an instructor's launch, unless
    one was queued less than ``interval_seconds`` ago. Returns whether one was queued."""
    url = memberships_url(context.claims)
    if not (url and context.context_id and INSTRUCTOR_ROLES & set(roles)):
        return False
    sync = uow.lti_services.course_sync(context.registration_id, context.context_id)
    if not sync_due(sync, now, interval_seconds):
        return False
    if sync is None:
        sync = CourseSync(context.registration_id, context.context_id, url, now)
    sync.memberships_url, sync.queued_at = url, now
    uow.lti_services.put_course_sync(sync)
    uow.outbox.add(
        OutboxEvent(
            id=new_id(),
            topic=NRPS_SYNC_TOPIC,
            key=f"{NRPS_SYNC_TOPIC}:{context.registration_id}:{context.context_id}:"
            f"{now.isoformat()}",
            payload={"registration_id": context.registration_id, "context_id": context.context_id},
            created_at=now,
        )
    )
    return True
