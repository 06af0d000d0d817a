"""Open Badges: issuer profiles, their signing keys, issued credentials and stack awards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.models.base import Base


class IssuerProfileRow(Base):
    """An issuer of record as published at ``/issuers/<id>``."""

    __tablename__ = "issuer_profiles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organizations.id"), unique=True)
    """The organisation it issues for; ``None`` for the instance-wide default issuer."""
    url: Mapped[str | None] = mapped_column(String(2000))
    email: Mapped[str | None] = mapped_column(String(320))
    description: Mapped[str] = mapped_column(Text, default="")
    assessor_name: Mapped[str | None] = mapped_column(String(255))
    """The assessing organisation named as the credential's ``source``."""
    show_results: Mapped[bool] = mapped_column(Boolean, default=True)
    """Whether per-section outcomes are published in credentials."""
    stack_policy: Mapped[str] = mapped_column(String(10), default="queue")
    """``auto`` issues a completed stack at once; ``queue`` asks the issuer first."""
    jurisdiction: Mapped[str | None] = mapped_column(String(20))


class IssuerKeyRow(Base):
    """A signing key. Retired keys stay (and stay published) so old credentials verify."""

    __tablename__ = "issuer_keys"
    __table_args__ = (Index("ix_issuer_keys_issuer_kind", "issuer_id", "kind"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuer_profiles.id"))
    kind: Mapped[str] = mapped_column(String(10))
    """``Ed25519`` (Data Integrity proof) or ``RS256`` (VC-JWT)."""
    public_key: Mapped[str] = mapped_column(Text)
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    """PKCS#8 PEM encrypted with the settings' encryption keys; never stored in clear."""
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]


class IssuedCredentialRow(Base):
    """A signed credential exactly as issued; only its revocation fields ever change."""

    __tablename__ = "issued_credentials"
    __table_args__ = (
        Index("ix_issued_credentials_person", "person_id", "issued_at"),
        Index("ix_issued_credentials_revoked", "issuer_id", "revoked_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuer_profiles.id"))
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    achievement_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(255))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    jwt: Mapped[str] = mapped_column(Text)
    recipient_salt: Mapped[str] = mapped_column(String(64))
    """Kept so the holder can prove their email matches the credential's hashed identifier."""
    issued_at: Mapped[datetime]
    award_id: Mapped[str | None] = mapped_column(ForeignKey("awards.id"), unique=True)
    stack_award_id: Mapped[str | None] = mapped_column(ForeignKey("stack_awards.id"), unique=True)
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)


class StackAwardRow(Base):
    """An educator holding every credential of a stack: awarded, or waiting for the issuer."""

    __tablename__ = "stack_awards"
    __table_args__ = (UniqueConstraint("person_id", "stack_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.id"))
    issuer_id: Mapped[str] = mapped_column(ForeignKey("issuer_profiles.id"))
    state: Mapped[str] = mapped_column(String(12), index=True)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("people.id"))
