"""One Canvas course as a :class:`lti_tool.ports.RosterSource`.

The course is the Canvas account's org, the course, its sections (classes), the users of the
course (``GET /courses/:id/users`` with emails and enrollments) and their enrollments. Rows come
in ``delta`` mode and are never the whole truth of the district: a course sync adds and updates,
and ends an enrollment only when Canvas says it ended.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from connectors.canvas import mapping
from connectors.canvas.api import CanvasApi, CanvasCourse, CanvasSection
from connectors.http import HttpError
from lti_tool.domain.roster.entities import Entity
from lti_tool.domain.roster.report import Problem
from lti_tool.ports import RawRow, RosterFeed


class CanvasCourseSource:
    """Reads one course. ``lti_subjects`` maps Canvas user ids to LTI subjects from launches."""

    def __init__(
        self,
        api: CanvasApi,
        course_id: str,
        lti_subjects: Mapping[str, str] | None = None,
        now: datetime | None = None,
    ) -> None:
        self._api = api
        self._course_id = course_id
        self._subjects = dict(lti_subjects or {})
        self._stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        self._course: CanvasCourse | None = None
        self._sections: list[CanvasSection] = []
        self._enrollments: list[list[str]] = []
        self._problems: list[Problem] = []
        self._failed = False

    def describe(self) -> str:
        return f"Canvas course {self._course_id} ({self._api.client.base_url})"

    def version(self) -> str:
        return mapping.VERSION

    def problems(self) -> list[Problem]:
        return list(self._problems)

    def estimate_rows(self) -> int | None:
        return None

    def _load(self) -> CanvasCourse | None:
        if self._course is None and not self._failed:
            try:
                self._course = self._api.course(self._course_id)
                self._sections = self._api.sections(self._course_id)
            except HttpError as error:
                self._fail(str(error), "GET course")
        return self._course

    def _fail(self, message: str, where: str) -> None:
        self._failed = True
        self._problems.append(Problem("SOURCE_FAILED", f"{message} (after retries).", file=where))

    def _feed(self, entity: Entity, rows: Iterator[RawRow], name: str) -> RosterFeed:
        return RosterFeed(entity, "delta", mapping.header(entity), rows, [], name, complete=False)

    def feed(self, entity: Entity) -> RosterFeed | None:
        course = self._load()
        if course is None:
            return None
        stamp = self._stamp
        if entity is Entity.ORGS:
            return self._feed(entity, iter([RawRow(1, mapping.org_row(course, stamp))]), "account")
        if entity is Entity.COURSES:
            return self._feed(
                entity, iter([RawRow(1, mapping.course_row(course, stamp))]), "GET course"
            )
        if entity is Entity.CLASSES:
            rows = [
                RawRow(index, mapping.section_row(course, section, stamp))
                for index, section in enumerate(self._sections, 1)
            ]
            return self._feed(entity, iter(rows), "GET sections")
        if entity is Entity.USERS:
            return self._feed(entity, self._users(course), "GET users")
        if entity is Entity.ENROLLMENTS:
            rows = [RawRow(index, cells) for index, cells in enumerate(self._enrollments, 1)]
            return self._feed(entity, iter(rows), "GET users (enrollments)")
        return None

    def _users(self, course: CanvasCourse) -> Iterator[RawRow]:
        sections = {str(item["id"]): mapping.section_id(item) for item in self._sections}
        line = 0
        try:
            for page in self._api.user_pages(self._course_id):
                for user in page:
                    line += 1
                    yield RawRow(line, mapping.user_row(course, user, self._subjects, self._stamp))
                    self._enrollments += mapping.enrollment_rows(
                        course, user, sections, self._stamp
                    )
        except HttpError as error:
            self._fail(str(error), "GET users")
