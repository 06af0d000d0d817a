"""A course's members read from the LMS in the background (Names and Role Provisioning).

An instructor's launch queues an ``lti.nrps.sync`` outbox row at most once per interval per
course (:func:`~lti_tool.services.lti_links.queue_course_sync`); this consumer reads the members
page by page (``Link: rel="next"``, up to a page cap) and makes them people with their roles,
exactly as the instructor's "refresh" on the cohort page does. Importing the same members again
changes nothing, so a repeated delivery is harmless.
"""

from __future__ import annotations

from lti_tool.domain.errors import DeliveryError
from lti_tool.domain.model import OutboxEvent
from lti_tool.ports import Clock, UnitOfWorkFactory
from lti_tool.ports_lti import MemberReader
from lti_tool.services.cohort import CohortService, ImportReport


class CourseSyncService:
    """The ``lti.nrps.sync`` consumer."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        reader: MemberReader,
        cohorts: CohortService,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._reader = reader
        self._cohorts = cohorts

    def consume(self, event: OutboxEvent) -> None:
        """Read the course's members and import them.

        Raises:
            RetryLater: the platform is down or busy (the worker tries again).
            DeliveryRefused: the platform refused, or the pages ran past the page cap.
        """
        self.sync(str(event.payload["registration_id"]), str(event.payload["context_id"]))

    def sync(self, registration_id: str, context_id: str) -> ImportReport | None:
        """Read and import now; None when the course was never queued."""
        with self._uow() as uow:
            sync = uow.lti_services.course_sync(registration_id, context_id)
            registration = uow.platforms.get(registration_id)
        if sync is None:
            return None
        try:
            members = self._reader.members(registration, sync.memberships_url)
        except DeliveryError as error:
            self._finish(registration_id, context_id, None, error.message)
            raise
        report = self._cohorts.sync_members(registration_id, context_id, members)
        self._finish(registration_id, context_id, report.members, None)
        return report

    def _finish(
        self, registration_id: str, context_id: str, members: int | None, error: str | None
    ) -> None:
        with self._uow() as uow:
            sync = uow.lti_services.course_sync(registration_id, context_id)
            if sync is None:
                return
            if error is None:
                sync.synced_at, sync.members = self._clock.now(), members
            sync.error = error
            uow.lti_services.put_course_sync(sync)
            uow.commit()
