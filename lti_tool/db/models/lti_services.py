"""Grade links (where AGS scores go) and course syncs (NRPS in the background)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.models.base import Base


class GradeLinkRow(Base):
    """One person's launch from a course resource link that offers AGS: where their score for
    the linked credential (or stack) is posted."""

    __tablename__ = "lti_grade_links"
    __table_args__ = (
        UniqueConstraint("registration_id", "resource_link_id", "person_id"),
        Index(None, "person_id", "credential_slug"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    registration_id: Mapped[str] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE")
    )
    deployment_id: Mapped[str] = mapped_column(String(255))
    context_id: Mapped[str | None] = mapped_column(String(255))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    """The LTI ``sub``: the score's ``userId``."""
    credential_slug: Mapped[str] = mapped_column(String(255))
    """The linked credential's slug, or the stack's when ``kind`` is ``stack``."""
    kind: Mapped[str] = mapped_column(String(20), default="credential", server_default="credential")
    """``credential`` or ``stack``: what the resource link opens."""
    lineitem: Mapped[str | None] = mapped_column(String(2000))
    """The AGS claim's ``lineitem`` (the link's own line item), when sent."""
    lineitems: Mapped[str | None] = mapped_column(String(2000))
    scopes: Mapped[str] = mapped_column(Text, default="")
    """The AGS claim's scopes, space-separated."""
    line_item_url: Mapped[str | None] = mapped_column(String(2000))
    """The line item scores go to, once found or made."""
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    last_status: Mapped[str | None] = mapped_column(String(20))
    """``posted`` or ``not_a_student``."""
    last_detail: Mapped[str | None] = mapped_column(Text)
    last_posted_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CourseSyncRow(Base):
    """A course whose NRPS members are read in the background, at most once per interval."""

    __tablename__ = "lti_course_syncs"
    __table_args__ = (UniqueConstraint("registration_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    registration_id: Mapped[str] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE")
    )
    context_id: Mapped[str] = mapped_column(String(255))
    memberships_url: Mapped[str] = mapped_column(String(2000))
    queued_at: Mapped[datetime]
    synced_at: Mapped[datetime | None]
    members: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
