"""Protocols of the roster's scheduled syncs and LMS roster sources (``ports.py`` holds the
roster store and sources themselves)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from lti_tool.domain.lti import PlatformRegistration
from lti_tool.domain.roster.lms import LmsMember
from lti_tool.domain.roster.schedule import SyncSchedule
from lti_tool.ports import MatchQuestion, RosterStore, RosterUser, Transactional


class RosterSchedules(Transactional, Protocol):
    """Per-provider sync schedules, one transaction per ``with`` block.

    Claims are atomic: of several workers asking at once, exactly one gets a provider.
    """

    def schedules(self) -> list[SyncSchedule]:
        """Every provider's schedule, by provider name."""
        ...

    def schedule(self, provider: str) -> SyncSchedule:
        """Raises NotFoundError."""
        ...

    def save(self, schedule: SyncSchedule) -> None:
        """Insert or replace the schedule (settings, next times and the last run)."""
        ...

    def due(self, now: datetime) -> list[str]:
        """Providers whose run is due and that no live lease holds, most overdue first."""
        ...

    def claim(self, provider: str, worker: str, now: datetime, until: datetime) -> bool:
        """Lease ``provider`` to ``worker`` until ``until`` if it is due and free at ``now``."""
        ...

    def renew(self, provider: str, worker: str, until: datetime) -> bool:
        """Extend ``worker``'s lease; False when the worker no longer holds it."""
        ...


class RosterSchedulesFactory(Protocol):
    def __call__(self) -> RosterSchedules: ...


class RosterAdminStore(RosterStore, Protocol):
    """The roster store as an admin's answers need it: one question, one user."""

    def question(self, question_id: int) -> MatchQuestion:
        """An open question. Raises NotFoundError (also when it was answered)."""
        ...

    def user(self, scope_id: str, sourced_id: str) -> RosterUser:
        """Raises NotFoundError."""
        ...


class RosterAdminStoreFactory(Protocol):
    def __call__(self) -> RosterAdminStore: ...


class LmsRosterStore(RosterStore, Protocol):
    """The roster store as an LMS course roster needs it."""

    def class_school(self, scope_id: str, class_sourced_id: str) -> str | None:
        """The school of an active class; None when the class is unknown or inactive."""
        ...

    def class_enrollments(
        self, scope_id: str, class_sourced_id: str
    ) -> dict[str, tuple[str, dict[str, str | None]]]:
        """Active enrollments of a class: user sourcedId to (enrollment sourcedId, values)."""
        ...


class LmsRosterStoreFactory(Protocol):
    def __call__(self) -> LmsRosterStore: ...


class CourseRosterReader(Protocol):
    """Reads an LMS course's members (LTI NRPS)."""

    def members(self, registration: PlatformRegistration, memberships_url: str) -> list[LmsMember]:
        """Every member of the context at ``memberships_url``.

        Raises:
            PackageError: the platform could not be read (code ``SOURCE_FAILED``).
        """
        ...
