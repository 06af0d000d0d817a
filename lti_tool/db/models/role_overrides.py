"""Role overrides set by an administrator (see ``lti_tool.domain.role_overrides``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.models.base import Base


class RoleOverrideRow(Base):
    """One person's role forced on (``granted``) or off by an admin; one row per role."""

    __tablename__ = "role_overrides"
    __table_args__ = (UniqueConstraint("person_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool] = mapped_column(Boolean)
    """True: the role is added whatever launches say; False: it is taken away."""
    set_by: Mapped[str | None] = mapped_column(String(36))
    """The admin's person id; None from the command line."""
    set_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")
    """Why, in the admin's words (also in the audit trail)."""
