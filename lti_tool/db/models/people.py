"""Organisations, people, their external identities and roles."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.models.base import Base


class OrganizationRow(Base):
    """A state agency, district, school or assessing provider."""

    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    """state, district, school or provider."""
    slug: Mapped[str | None] = mapped_column(String(100), unique=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"))
    """The district of a school, the state of a district."""


class PersonRow(Base):
    """Someone who uses credbridge, whatever systems they came from."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    """Where they work; hidden from blind reviewers."""


class ExternalIdentityRow(Base):
    """An identifier another system knows a person by (LTI sub, OneRoster sourcedId, email...)."""

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("kind", "namespace", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    namespace: Mapped[str] = mapped_column(String(255))
    """Who issued the value: an LTI issuer, a roster provider, a district; empty for email."""
    value: Mapped[str] = mapped_column(String(320))


class RoleAssignmentRow(Base):
    """A role a person holds in an organisation, optionally only in one LMS course."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("person_id", "role", "organization_id", "context_id"),
        Index("ix_role_assignments_role", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    context_id: Mapped[str | None] = mapped_column(String(255))
