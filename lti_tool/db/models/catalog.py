"""Stacks, credentials and their immutable versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.models.base import Base


class StackRow(Base):
    """A thematic group of credentials."""

    __tablename__ = "stacks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")


class CredentialRow(Base):
    """The stable identity of a credential across its versions."""

    __tablename__ = "credentials"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.id"), index=True)
    current_version: Mapped[int] = mapped_column(Integer)
    """The version new submissions start on."""


class CredentialVersionRow(Base):
    """One immutable snapshot of a credential's definition (rubric, evidence, caps)."""

    __tablename__ = "credential_versions"
    __table_args__ = (UniqueConstraint("credential_id", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    credential_id: Mapped[str] = mapped_column(ForeignKey("credentials.id"), index=True)
    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.id"))
    version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the definition: an import with the same content makes no new version."""
    title: Mapped[str] = mapped_column(String(255))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
