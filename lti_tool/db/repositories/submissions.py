"""Submission, response and evidence repository over SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, and_, delete, exists, func, select, union_all, update
from sqlalchemy.orm import Session

from lti_tool.db.models import (
    CredentialVersionRow,
    EvidenceFileRow,
    ReviewRow,
    SectionResponseRow,
    SubmissionRow,
)
from lti_tool.domain.errors import ConflictError, NotFoundError
from lti_tool.domain.lifecycle import CLAIMED_STATES, SubmissionState
from lti_tool.domain.model import EvidenceFile, SectionResponse, Submission
from lti_tool.ports import QueueItem

STALE = (
    "Someone else changed this submission at the same time. Nothing of yours was lost: "
    "reload the page and try again."
)


def _submission(row: SubmissionRow) -> Submission:
    return Submission(
        id=row.id,
        person_id=row.person_id,
        credential_version_id=row.credential_version_id,
        state=SubmissionState(row.state),
        attempt_number=row.attempt_number,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        submitted_at=row.submitted_at,
        context_id=row.context_id,
    )


def _response(row: SectionResponseRow) -> SectionResponse:
    return SectionResponse(
        submission_id=row.submission_id,
        attempt_number=row.attempt_number,
        section_key=row.section_key,
        requirement_key=row.requirement_key,
        text=row.text,
        links=list(row.links or []),
        version=row.version,
        updated_at=row.updated_at,
    )


def _evidence(row: EvidenceFileRow) -> EvidenceFile:
    return EvidenceFile(
        id=row.id,
        submission_id=row.submission_id,
        attempt_number=row.attempt_number,
        section_key=row.section_key,
        requirement_key=row.requirement_key,
        filename=row.filename,
        media_type=row.media_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        storage_key=row.storage_key,
        uploaded_at=row.uploaded_at,
        uploaded_by=row.uploaded_by,
        carried_from_attempt=row.carried_from_attempt,
    )


def _values(submission: Submission) -> dict[str, Any]:
    return {
        "person_id": submission.person_id,
        "credential_version_id": submission.credential_version_id,
        "state": submission.state.value,
        "attempt_number": submission.attempt_number,
        "created_at": submission.created_at,
        "updated_at": submission.updated_at,
        "submitted_at": submission.submitted_at,
        "context_id": submission.context_id,
    }


class SqlSubmissionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, submission: Submission) -> None:
        credential_id = self._session.scalar(
            select(CredentialVersionRow.credential_id).where(
                CredentialVersionRow.id == submission.credential_version_id
            )
        )
        if credential_id is None:
            raise NotFoundError("That credential version does not exist.")
        self._session.add(
            SubmissionRow(
                id=submission.id,
                version=submission.version,
                credential_id=credential_id,
                **_values(submission),
            )
        )
        self._session.flush()

    def get(self, submission_id: str, *, for_update: bool = False) -> Submission:
        query = select(SubmissionRow).where(SubmissionRow.id == submission_id)
        if for_update:
            query = query.with_for_update()
        row = self._session.execute(query.execution_options(populate_existing=True)).scalar()
        if row is None:
            raise NotFoundError("That submission does not exist.")
        return _submission(row)

    def save(self, submission: Submission) -> None:
        result = self._session.execute(
            update(SubmissionRow)
            .where(SubmissionRow.id == submission.id, SubmissionRow.version == submission.version)
            .values(version=submission.version + 1, **_values(submission))
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(STALE)
        submission.version += 1

    def for_person(self, person_id: str) -> list[Submission]:
        rows = self._session.scalars(
            select(SubmissionRow).where(SubmissionRow.person_id == person_id)
        )
        return [_submission(row) for row in rows]

    @staticmethod
    def _with_title(query: Select[SubmissionRow, str]) -> Select[SubmissionRow, str]:
        return query.join(
            CredentialVersionRow, CredentialVersionRow.id == SubmissionRow.credential_version_id
        )

    def _items(self, query: Select[SubmissionRow, str]) -> list[QueueItem]:
        return [QueueItem(_submission(row), title) for row, title in self._session.execute(query)]

    def pool(
        self, states: Sequence[SubmissionState], viewer_id: str, limit: int, offset: int
    ) -> list[QueueItem]:
        # One query per waiting state, each walking ix_submissions_queue in order and stopping
        # after offset + limit rows, merged by UNION ALL: a page costs the same with 10 or
        # 10,000 waiting (a single IN (...) query sorts every waiting row for 25 of them).
        reviewed_by_viewer = exists().where(
            ReviewRow.submission_id == SubmissionRow.id,
            ReviewRow.attempt_number == SubmissionRow.attempt_number,
            ReviewRow.assessor_id == viewer_id,
        )
        parts = [
            select(SubmissionRow.id, SubmissionRow.submitted_at)
            .where(
                SubmissionRow.state == state.value,
                SubmissionRow.person_id != viewer_id,
                ~reviewed_by_viewer,
            )
            .order_by(SubmissionRow.submitted_at, SubmissionRow.id)
            .limit(offset + limit)
            .subquery()
            .select()
            for state in states
        ]
        if not parts:
            return []
        waiting = union_all(*parts).subquery()
        page_ids = (
            select(waiting.c.id)
            .order_by(waiting.c.submitted_at, waiting.c.id)
            .limit(limit)
            .offset(offset)
        )
        ids: list[str] = list(self._session.scalars(page_ids))
        if not ids:
            return []
        items = {
            item.submission.id: item
            for item in self._items(
                self._with_title(select(SubmissionRow, CredentialVersionRow.title)).where(
                    SubmissionRow.id.in_(ids)
                )
            )
        }
        return [items[submission_id] for submission_id in ids if submission_id in items]

    def pool_count(self, states: Sequence[SubmissionState], viewer_id: str) -> int:
        # All waiting (counted from the index alone), minus the viewer's own, minus those the
        # viewer already reviewed: the last two start from the viewer's rows, not the queue.
        names = [state.value for state in states]
        waiting = self._session.scalar(
            select(func.count()).select_from(SubmissionRow).where(SubmissionRow.state.in_(names))
        )
        own = self._session.scalar(
            select(func.count())
            .select_from(SubmissionRow)
            .where(SubmissionRow.person_id == viewer_id, SubmissionRow.state.in_(names))
        )
        already = self._session.scalar(
            select(func.count(func.distinct(ReviewRow.submission_id)))
            .select_from(ReviewRow)
            .join(
                SubmissionRow,
                and_(
                    SubmissionRow.id == ReviewRow.submission_id,
                    SubmissionRow.attempt_number == ReviewRow.attempt_number,
                ),
            )
            .where(
                ReviewRow.assessor_id == viewer_id,
                SubmissionRow.state.in_(names),
                SubmissionRow.person_id != viewer_id,
            )
        )
        return int(waiting or 0) - int(own or 0) - int(already or 0)

    def claimed_by(self, assessor_id: str) -> list[QueueItem]:
        query = (
            self._with_title(select(SubmissionRow, CredentialVersionRow.title))
            .join(
                ReviewRow,
                and_(
                    ReviewRow.submission_id == SubmissionRow.id,
                    ReviewRow.attempt_number == SubmissionRow.attempt_number,
                ),
            )
            .where(
                ReviewRow.assessor_id == assessor_id,
                ReviewRow.completed_at.is_(None),
                SubmissionRow.state.in_([state.value for state in CLAIMED_STATES]),
            )
            .order_by(SubmissionRow.submitted_at, SubmissionRow.id)
        )
        return self._items(query)

    def in_state(self, state: SubmissionState, limit: int, offset: int) -> list[QueueItem]:
        query = (
            self._with_title(select(SubmissionRow, CredentialVersionRow.title))
            .where(SubmissionRow.state == state.value)
            .order_by(SubmissionRow.updated_at, SubmissionRow.id)
            .limit(limit)
            .offset(offset)
        )
        return self._items(query)

    def count_in_state(self, state: SubmissionState) -> int:
        count = self._session.scalar(
            select(func.count())
            .select_from(SubmissionRow)
            .where(SubmissionRow.state == state.value)
        )
        return int(count or 0)

    def responses(self, submission_id: str, attempt_number: int) -> list[SectionResponse]:
        rows = self._session.scalars(
            select(SectionResponseRow).where(
                SectionResponseRow.submission_id == submission_id,
                SectionResponseRow.attempt_number == attempt_number,
            )
        )
        return [_response(row) for row in rows]

    def response(
        self, submission_id: str, attempt_number: int, section_key: str, requirement_key: str
    ) -> SectionResponse | None:
        row = self._session.scalar(
            select(SectionResponseRow).where(
                SectionResponseRow.submission_id == submission_id,
                SectionResponseRow.attempt_number == attempt_number,
                SectionResponseRow.section_key == section_key,
                SectionResponseRow.requirement_key == requirement_key,
            )
        )
        return _response(row) if row else None

    def add_response(self, response: SectionResponse) -> None:
        self._session.add(
            SectionResponseRow(
                submission_id=response.submission_id,
                attempt_number=response.attempt_number,
                section_key=response.section_key,
                requirement_key=response.requirement_key,
                text=response.text,
                links=list(response.links),
                version=response.version,
                updated_at=response.updated_at,
            )
        )

    def save_response(self, response: SectionResponse) -> None:
        result = self._session.execute(
            update(SectionResponseRow)
            .where(
                SectionResponseRow.submission_id == response.submission_id,
                SectionResponseRow.attempt_number == response.attempt_number,
                SectionResponseRow.section_key == response.section_key,
                SectionResponseRow.requirement_key == response.requirement_key,
                SectionResponseRow.version == response.version,
            )
            .values(
                text=response.text,
                links=list(response.links),
                updated_at=response.updated_at,
                version=response.version + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError(STALE)
        response.version += 1

    def add_evidence(self, evidence: EvidenceFile) -> None:
        self._session.add(
            EvidenceFileRow(
                id=evidence.id,
                submission_id=evidence.submission_id,
                attempt_number=evidence.attempt_number,
                section_key=evidence.section_key,
                requirement_key=evidence.requirement_key,
                filename=evidence.filename,
                media_type=evidence.media_type,
                size_bytes=evidence.size_bytes,
                sha256=evidence.sha256,
                storage_key=evidence.storage_key,
                uploaded_at=evidence.uploaded_at,
                uploaded_by=evidence.uploaded_by,
                carried_from_attempt=evidence.carried_from_attempt,
            )
        )

    def evidence(self, submission_id: str, attempt_number: int) -> list[EvidenceFile]:
        rows = self._session.scalars(
            select(EvidenceFileRow)
            .where(
                EvidenceFileRow.submission_id == submission_id,
                EvidenceFileRow.attempt_number == attempt_number,
            )
            .order_by(EvidenceFileRow.uploaded_at, EvidenceFileRow.id)
        )
        return [_evidence(row) for row in rows]

    def evidence_file(self, evidence_id: str) -> EvidenceFile:
        row = self._session.get(EvidenceFileRow, evidence_id)
        if row is None:
            raise NotFoundError("That evidence file does not exist.")
        return _evidence(row)

    def remove_evidence(self, evidence_id: str) -> None:
        self._session.execute(delete(EvidenceFileRow).where(EvidenceFileRow.id == evidence_id))

    def storage_key_in_use(self, storage_key: str) -> bool:
        return bool(
            self._session.scalar(select(exists().where(EvidenceFileRow.storage_key == storage_key)))
        )
