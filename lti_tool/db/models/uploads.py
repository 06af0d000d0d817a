"""Chunked upload sessions: a large file arriving in pieces, resumable after a dropped line."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.models.base import Base


class UploadSessionRow(Base):
    """One file being uploaded in chunks into one requirement of a draft.

    The bytes received so far live in the upload spool (a file named by ``id``); this row says
    how many there are, so a client that lost its connection asks and goes on from there."""

    __tablename__ = "upload_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    submission_id: Mapped[str] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    section_key: Mapped[str] = mapped_column(String(64))
    requirement_key: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    total_bytes: Mapped[int] = mapped_column(BigInteger)
    """The size the browser announced; the upload is complete at exactly this many bytes."""
    received_bytes: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(20))
    """``open`` while chunks arrive, ``finishing`` while the file is checked and stored."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
