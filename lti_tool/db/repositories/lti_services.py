"""Grade links and course syncs over SQLAlchemy."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from lti_tool.db.models import CourseSyncRow, GradeLinkRow
from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.lti_services import CourseSync, GradeEndpoint, GradeLink, GradeLinkKind

LINK_FIELDS = (
    "registration_id", "deployment_id", "context_id", "resource_link_id", "person_id", "subject",
    "credential_slug", "created_at", "updated_at", "line_item_url", "last_outcome",
    "last_status", "last_detail", "last_posted_at",
)  # fmt: skip
SYNC_FIELDS = ("memberships_url", "queued_at", "synced_at", "members", "error")


def _link(row: GradeLinkRow) -> GradeLink:
    endpoint = GradeEndpoint(row.lineitem, row.lineitems, tuple(row.scopes.split()))
    kind: GradeLinkKind = "stack" if row.kind == "stack" else "credential"
    return GradeLink(
        id=row.id,
        endpoint=endpoint,
        kind=kind,
        **{name: getattr(row, name) for name in LINK_FIELDS},
    )


def _sync(row: CourseSyncRow) -> CourseSync:
    return CourseSync(
        row.registration_id, row.context_id, **{name: getattr(row, name) for name in SYNC_FIELDS}
    )


class SqlLtiServiceRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def grade_link(self, link_id: str) -> GradeLink:
        row = self._session.get(GradeLinkRow, link_id)
        if row is None:
            raise NotFoundError(f"There is no grade link {link_id!r}.")
        return _link(row)

    def find_grade_link(
        self, registration_id: str, resource_link_id: str, person_id: str
    ) -> GradeLink | None:
        row = self._session.scalar(
            select(GradeLinkRow).where(
                GradeLinkRow.registration_id == registration_id,
                GradeLinkRow.resource_link_id == resource_link_id,
                GradeLinkRow.person_id == person_id,
            )
        )
        return _link(row) if row is not None else None

    def put_grade_link(self, link: GradeLink) -> None:
        row = self._session.get(GradeLinkRow, link.id)
        if row is None:
            row = GradeLinkRow(id=link.id)
            self._session.add(row)
        for name in LINK_FIELDS:
            setattr(row, name, getattr(link, name))
        row.kind = link.kind
        row.lineitem, row.lineitems = link.endpoint.lineitem, link.endpoint.lineitems
        row.scopes = " ".join(link.endpoint.scopes)
        self._session.flush()

    def grade_links_for(
        self, person_id: str, credential_slug: str, kind: GradeLinkKind = "credential"
    ) -> list[GradeLink]:
        return self._links(
            GradeLinkRow.person_id == person_id,
            GradeLinkRow.credential_slug == credential_slug,
            GradeLinkRow.kind == kind,
        )

    def grade_links_of(self, person_id: str, kind: GradeLinkKind) -> list[GradeLink]:
        return self._links(GradeLinkRow.person_id == person_id, GradeLinkRow.kind == kind)

    def grade_links_in(self, registration_id: str, context_id: str) -> list[GradeLink]:
        return self._links(
            GradeLinkRow.registration_id == registration_id, GradeLinkRow.context_id == context_id
        )

    def _links(self, *conditions: ColumnElement[bool]) -> list[GradeLink]:
        query = select(GradeLinkRow).where(*conditions)
        rows = self._session.scalars(query.order_by(GradeLinkRow.created_at, GradeLinkRow.id))
        return [_link(row) for row in rows]

    def _sync_row(self, registration_id: str, context_id: str) -> CourseSyncRow | None:
        return self._session.scalar(
            select(CourseSyncRow).where(
                CourseSyncRow.registration_id == registration_id,
                CourseSyncRow.context_id == context_id,
            )
        )

    def course_sync(self, registration_id: str, context_id: str) -> CourseSync | None:
        row = self._sync_row(registration_id, context_id)
        return _sync(row) if row is not None else None

    def put_course_sync(self, sync: CourseSync) -> None:
        row = self._sync_row(sync.registration_id, sync.context_id)
        if row is None:
            row = CourseSyncRow(registration_id=sync.registration_id, context_id=sync.context_id)
            self._session.add(row)
        for name in SYNC_FIELDS:
            setattr(row, name, getattr(sync, name))
        self._session.flush()
