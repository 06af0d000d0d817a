"""Submissions, their evidence, reviews, decisions and awards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.models.base import Base

OPEN_CONDITION = "state NOT IN ('denied', 'withdrawn')"


class SubmissionRow(Base):
    """An educator's work toward one credential version, across attempts."""

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_queue", "state", "submitted_at", "id"),
        Index("ix_submissions_person", "person_id", "updated_at"),
        # One open (or awarded) submission per educator and credential, even under a double click.
        Index(
            "uq_submissions_one_open",
            "person_id",
            "credential_id",
            unique=True,
            sqlite_where=text(OPEN_CONDITION),
            postgresql_where=text(OPEN_CONDITION),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"))
    """The credential across its versions (for the one-open-submission rule)."""
    credential_version_id: Mapped[str] = mapped_column(
        ForeignKey("credential_versions.id"), index=True
    )
    state: Mapped[str] = mapped_column(String(40))
    attempt_number: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    """Optimistic lock: an update must name the version it read."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    """When the current attempt entered the queue; the queue's age counts from here."""
    context_id: Mapped[str | None] = mapped_column(String(255))


class SectionResponseRow(Base):
    """A reflection or a list of links for one evidence item of one attempt."""

    __tablename__ = "section_responses"
    __table_args__ = (
        UniqueConstraint("submission_id", "attempt_number", "section_key", "requirement_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    attempt_number: Mapped[int] = mapped_column(Integer)
    section_key: Mapped[str] = mapped_column(String(64))
    requirement_key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime | None]


class EvidenceFileRow(Base):
    """An uploaded file's record; the bytes live in the evidence store under ``storage_key``."""

    __tablename__ = "evidence_files"
    __table_args__ = (Index("ix_evidence_files_attempt", "submission_id", "attempt_number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    attempt_number: Mapped[int] = mapped_column(Integer)
    section_key: Mapped[str] = mapped_column(String(64))
    requirement_key: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(255), index=True)
    uploaded_at: Mapped[datetime]
    uploaded_by: Mapped[str] = mapped_column(ForeignKey("people.id"))
    carried_from_attempt: Mapped[int | None] = mapped_column(Integer)


class ReviewRow(Base):
    """One assessor's scoring of one attempt."""

    __tablename__ = "reviews"
    __table_args__ = (
        Index("ix_reviews_attempt", "submission_id", "attempt_number"),
        Index("ix_reviews_assessor", "assessor_id", "completed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    attempt_number: Mapped[int] = mapped_column(Integer)
    assessor_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    kind: Mapped[str] = mapped_column(String(20))
    """primary, second or adjudication."""
    claimed_at: Mapped[datetime]
    scores: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """[{section_key, level_key, feedback}] per rubric section."""
    recommendation: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None]


class DecisionRow(Base):
    """The issuer of record's decision on one attempt."""

    __tablename__ = "decisions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), index=True)
    attempt_number: Mapped[int] = mapped_column(Integer)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime]


class AwardRow(Base):
    """A credential awarded to an educator. One per submission."""

    __tablename__ = "awards"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id"), unique=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    credential_version_id: Mapped[str] = mapped_column(ForeignKey("credential_versions.id"))
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"))
    awarded_at: Mapped[datetime]
