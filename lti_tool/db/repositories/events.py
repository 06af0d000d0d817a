"""Reviews, decisions, awards, outbox and audit repositories over SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Select, Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from lti_tool.db.models import AuditEntryRow, AwardRow, DecisionRow, OutboxEventRow, ReviewRow
from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.model import AuditEntry, Award, Decision, OutboxEvent, Review, SectionScore
from lti_tool.ports import AuditFilter


def _review(row: ReviewRow) -> Review:
    return Review(
        id=row.id,
        submission_id=row.submission_id,
        attempt_number=row.attempt_number,
        assessor_id=row.assessor_id,
        kind=row.kind,
        claimed_at=row.claimed_at,
        scores=[
            SectionScore(item["section_key"], item["level_key"], item.get("feedback", ""))
            for item in row.scores or []
        ],
        recommendation=row.recommendation,
        comment=row.comment,
        completed_at=row.completed_at,
    )


def _scores(review: Review) -> list[dict[str, Any]]:
    return [
        {"section_key": score.section_key, "level_key": score.level_key, "feedback": score.feedback}
        for score in review.scores
    ]


class SqlReviewRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, review: Review) -> None:
        self._session.add(
            ReviewRow(
                id=review.id,
                submission_id=review.submission_id,
                attempt_number=review.attempt_number,
                assessor_id=review.assessor_id,
                kind=review.kind,
                claimed_at=review.claimed_at,
                scores=_scores(review),
                recommendation=review.recommendation,
                comment=review.comment,
                completed_at=review.completed_at,
            )
        )
        self._session.flush()

    def save(self, review: Review) -> None:
        row = self._session.get(ReviewRow, review.id)
        if row is None:
            raise NotFoundError("That review does not exist.")
        row.scores = _scores(review)
        row.recommendation = review.recommendation
        row.comment = review.comment
        row.completed_at = review.completed_at

    def remove(self, review_id: str) -> None:
        self._session.execute(delete(ReviewRow).where(ReviewRow.id == review_id))

    def for_submission(self, submission_id: str) -> list[Review]:
        rows = self._session.scalars(
            select(ReviewRow)
            .where(ReviewRow.submission_id == submission_id)
            .order_by(ReviewRow.attempt_number, ReviewRow.claimed_at)
        )
        return [_review(row) for row in rows]

    def for_attempt(self, submission_id: str, attempt_number: int) -> list[Review]:
        rows = self._session.scalars(
            select(ReviewRow)
            .where(
                ReviewRow.submission_id == submission_id, ReviewRow.attempt_number == attempt_number
            )
            .order_by(ReviewRow.claimed_at)
        )
        return [_review(row) for row in rows]


class SqlDecisionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, decision: Decision) -> None:
        self._session.add(
            DecisionRow(
                id=decision.id,
                submission_id=decision.submission_id,
                attempt_number=decision.attempt_number,
                issuer_id=decision.issuer_id,
                outcome=decision.outcome,
                note=decision.note,
                decided_at=decision.decided_at,
            )
        )
        self._session.flush()

    def for_submission(self, submission_id: str) -> list[Decision]:
        rows = self._session.scalars(
            select(DecisionRow)
            .where(DecisionRow.submission_id == submission_id)
            .order_by(DecisionRow.attempt_number)
        )
        return [
            Decision(
                row.id,
                row.submission_id,
                row.attempt_number,
                row.issuer_id,
                row.outcome,
                row.note,
                row.decided_at,
            )
            for row in rows
        ]


def _award(row: AwardRow) -> Award:
    return Award(
        row.id,
        row.submission_id,
        row.person_id,
        row.credential_version_id,
        row.decision_id,
        row.awarded_at,
    )


class SqlAwardRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, award: Award) -> None:
        self._session.add(
            AwardRow(
                id=award.id,
                submission_id=award.submission_id,
                person_id=award.person_id,
                credential_version_id=award.credential_version_id,
                decision_id=award.decision_id,
                awarded_at=award.awarded_at,
            )
        )

    def get(self, award_id: str) -> Award:
        row = self._session.get(AwardRow, award_id)
        if row is None:
            raise NotFoundError("That award does not exist.")
        return _award(row)

    def for_person(self, person_id: str) -> list[Award]:
        rows = self._session.scalars(
            select(AwardRow).where(AwardRow.person_id == person_id).order_by(AwardRow.awarded_at)
        )
        return [_award(row) for row in rows]

    def for_submission(self, submission_id: str) -> Award | None:
        row = self._session.scalar(select(AwardRow).where(AwardRow.submission_id == submission_id))
        return _award(row) if row else None


_OUTBOX = cast(Table, OutboxEventRow.__table__)
_EVENT_COLUMNS = (
    _OUTBOX.c.id,
    _OUTBOX.c.topic,
    _OUTBOX.c.key,
    _OUTBOX.c.payload,
    _OUTBOX.c.created_at,
    _OUTBOX.c.attempts,
    _OUTBOX.c.delivered_at,
    _OUTBOX.c.dead_at,
    _OUTBOX.c.last_error,
)


class SqlOutboxRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, event: OutboxEvent) -> None:
        self._session.add(
            OutboxEventRow(
                id=event.id,
                topic=event.topic,
                key=event.key,
                payload=event.payload,
                created_at=event.created_at,
                available_at=event.created_at,
                attempts=0,
            )
        )

    def all(self, topic: str | None = None) -> list[OutboxEvent]:
        query = select(OutboxEventRow).order_by(OutboxEventRow.created_at, OutboxEventRow.id)
        if topic is not None:
            query = query.where(OutboxEventRow.topic == topic)
        return [_event(row) for row in self._session.scalars(query)]

    def claim_due(
        self, now: datetime, lease_until: datetime, worker: str, topics: Sequence[str], limit: int
    ) -> list[OutboxEvent]:
        """One conditional UPDATE for the batch, its rows chosen by a subquery and returned.

        On PostgreSQL the subquery locks what it picks with ``FOR UPDATE SKIP LOCKED``, so two
        workers never pick the same row; on SQLite (no row locks; the statement takes the write
        lock) a second worker finds the rows leased (``available_at`` past ``now``) and leaves
        them. One round trip, no row loaded into the ORM.
        """
        due = (
            select(_OUTBOX.c.id)
            .where(
                _OUTBOX.c.delivered_at.is_(None),
                _OUTBOX.c.dead_at.is_(None),
                _OUTBOX.c.available_at <= now,
                _OUTBOX.c.topic.in_(list(topics)),
            )
            .order_by(_OUTBOX.c.available_at, _OUTBOX.c.created_at)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            # A materialized CTE runs once: a plain ``IN (subquery)`` may be rescanned by the
            # planner, and with SKIP LOCKED a rescan picks other rows past the LIMIT.
            picked = due.with_for_update(skip_locked=True).cte("due").prefix_with("MATERIALIZED")
            chosen = _OUTBOX.c.id.in_(select(picked.c.id))
        else:
            chosen = _OUTBOX.c.id.in_(due.scalar_subquery())
        taken = self._session.execute(
            update(_OUTBOX)
            .where(
                chosen,
                _OUTBOX.c.available_at <= now,
                _OUTBOX.c.delivered_at.is_(None),
                _OUTBOX.c.dead_at.is_(None),
            )
            .values(available_at=lease_until, attempts=_OUTBOX.c.attempts + 1, claimed_by=worker)
            .returning(*_EVENT_COLUMNS)
        )
        events = [_event(row) for row in taken]
        return sorted(events, key=lambda event: (event.created_at, event.id))

    def _row(self, event_id: str) -> OutboxEventRow:
        row = self._session.get(OutboxEventRow, event_id)
        if row is None:
            raise NotFoundError("That outbox event does not exist.")
        return row

    def get(self, event_id: str) -> OutboxEvent:
        return _event(self._row(event_id))

    def mark_delivered(self, event_id: str, now: datetime) -> None:
        row = self._row(event_id)
        row.delivered_at = now
        row.last_error = None

    def mark_delivered_many(self, event_ids: Sequence[str], now: datetime) -> None:
        if event_ids:
            self._session.execute(
                update(OutboxEventRow)
                .where(OutboxEventRow.id.in_(list(event_ids)))
                .values(delivered_at=now, last_error=None),
                execution_options={"synchronize_session": False},
            )

    def retry_at(self, event_id: str, when: datetime, error: str) -> None:
        row = self._row(event_id)
        row.available_at = when
        row.last_error = error

    def mark_dead(self, event_id: str, now: datetime, error: str) -> None:
        row = self._row(event_id)
        row.dead_at = now
        row.last_error = error

    def status_counts(self, topics: Sequence[str] | None = None) -> dict[str, dict[str, int]]:
        query = select(
            OutboxEventRow.topic,
            func.count().filter(OutboxEventRow.delivered_at.is_not(None)),
            func.count().filter(OutboxEventRow.dead_at.is_not(None)),
            func.count().filter(
                OutboxEventRow.delivered_at.is_(None), OutboxEventRow.dead_at.is_(None)
            ),
        ).group_by(OutboxEventRow.topic)
        if topics is not None:
            query = query.where(OutboxEventRow.topic.in_(list(topics)))
        return {
            topic: {"delivered": int(done), "dead": int(dead), "pending": int(pending)}
            for topic, done, dead, pending in self._session.execute(query)
        }


def _event(row: OutboxEventRow | Row[Any]) -> OutboxEvent:
    """An outbox row, loaded by the ORM or returned by a Core statement (same attributes)."""
    return OutboxEvent(
        id=row.id,
        topic=row.topic,
        key=row.key,
        payload=dict(row.payload),
        created_at=row.created_at,
        attempts=row.attempts,
        delivered_at=row.delivered_at,
        dead_at=row.dead_at,
        last_error=row.last_error,
    )


_AUDIT_INSERT = insert(cast(Table, AuditEntryRow.__table__))
"""Core, not the ORM, built once: entries are written, never read back in their transaction
(every LTI launch appends at least one; a batch appends many)."""


class SqlAuditRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, entry: AuditEntry) -> None:
        # A Core INSERT, at once: entries keep the order (seq) they are appended in, without
        # the ORM's per-object flush work. Nothing refers to them, and they refer to nothing.
        self._session.connection().execute(_AUDIT_INSERT, _audit_values(entry))

    def append_many(self, entries: Sequence[AuditEntry]) -> None:
        """One INSERT executed for every entry (a multi-row VALUES where the driver allows)."""
        if entries:
            self._session.execute(
                _AUDIT_INSERT,
                [_audit_values(entry) for entry in entries],
            )

    @staticmethod
    def _filtered(query: Select[Any], filters: AuditFilter) -> Select[Any]:
        if filters.entity_type:
            query = query.where(AuditEntryRow.entity_type == filters.entity_type)
        if filters.entity_id:
            query = query.where(AuditEntryRow.entity_id == filters.entity_id)
        if filters.actor_id:
            query = query.where(AuditEntryRow.actor_id == filters.actor_id)
        if filters.action:
            query = query.where(AuditEntryRow.action == filters.action)
        if filters.since:
            query = query.where(AuditEntryRow.at >= filters.since)
        if filters.until:
            query = query.where(AuditEntryRow.at < filters.until)
        return query

    def page(self, filters: AuditFilter, limit: int, offset: int) -> list[AuditEntry]:
        query = self._filtered(select(AuditEntryRow), filters).order_by(AuditEntryRow.seq.desc())
        return [
            AuditEntry(
                row.id,
                row.at,
                row.actor_id,
                row.entity_type,
                row.entity_id,
                row.action,
                row.from_state,
                row.to_state,
                row.note,
            )
            for row in self._session.scalars(query.limit(limit).offset(offset))
        ]

    def count(self, filters: AuditFilter) -> int:
        query = self._filtered(select(func.count()).select_from(AuditEntryRow), filters)
        return int(self._session.scalar(query) or 0)


def _audit_values(entry: AuditEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "at": entry.at,
        "actor_id": entry.actor_id,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "action": entry.action,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "note": entry.note,
    }
