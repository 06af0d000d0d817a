"""Canvas REST integration: connections (API developer keys), users' OAuth grants, where people
launched credentials from, and where imported evidence came from. Secrets are stored encrypted
(:class:`lti_tool.crypto.SecretBox`), never in the clear."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.models.base import Base


class CanvasConnectionRow(Base):
    """One Canvas instance's API developer key."""

    __tablename__ = "canvas_connections"

    base_url: Mapped[str] = mapped_column(String(255), primary_key=True)
    """``https://district.instructure.com``, no trailing slash."""
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret: Mapped[str] = mapped_column(Text)
    """Encrypted."""
    account_token: Mapped[str | None] = mapped_column(Text)
    """An admin's access token for account jobs; encrypted."""
    scope_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    """The district whose roster course syncs feed."""
    created_at: Mapped[datetime]


class CanvasGrantRow(Base):
    """A user's OAuth grant on one Canvas instance."""

    __tablename__ = "canvas_grants"
    __table_args__ = (UniqueConstraint("person_id", "base_url"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    base_url: Mapped[str] = mapped_column(
        ForeignKey("canvas_connections.base_url", ondelete="CASCADE")
    )
    access_token: Mapped[str] = mapped_column(Text)
    """Encrypted."""
    refresh_token: Mapped[str | None] = mapped_column(Text)
    """Encrypted."""
    expires_at: Mapped[float | None] = mapped_column(Float)
    """Unix time the access token expires."""
    canvas_user_id: Mapped[str | None] = mapped_column(String(64))


class CanvasLinkRow(Base):
    """The Canvas course/assignment a person last launched a credential from (custom fields
    ``$Canvas.course.id``, ``$Canvas.assignment.id``, ``$Canvas.user.id``)."""

    __tablename__ = "canvas_links"
    __table_args__ = (UniqueConstraint("person_id", "credential_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    credential_slug: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str] = mapped_column(String(255), index=True)
    course_id: Mapped[str] = mapped_column(String(64))
    assignment_id: Mapped[str | None] = mapped_column(String(64))
    canvas_user_id: Mapped[str] = mapped_column(String(64))
    lti_subject: Mapped[str | None] = mapped_column(String(255))
    seen_at: Mapped[datetime]


class CanvasEvidenceOriginRow(Base):
    """Where an evidence file was imported from."""

    __tablename__ = "canvas_evidence_origins"

    evidence_id: Mapped[str] = mapped_column(
        ForeignKey("evidence_files.id", ondelete="CASCADE"), primary_key=True
    )
    base_url: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    """``user_files``, ``course_files`` or ``submission``."""
    canvas_file_id: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(255))
    """The course or course/assignment it was picked from."""
    imported_at: Mapped[datetime]
