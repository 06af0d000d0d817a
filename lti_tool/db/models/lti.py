"""LTI platform registrations, deployments, tool keys, and one-time launch state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.models.base import Base


class PlatformRegistrationRow(Base):
    """An LMS allowed to launch the tool: one issuer + client_id (Canvas: one per institution)."""

    __tablename__ = "lti_registrations"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    issuer: Mapped[str] = mapped_column(String(255), index=True)
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(2000))
    auth_token_url: Mapped[str] = mapped_column(String(2000))
    key_set_url: Mapped[str | None] = mapped_column(String(2000))
    key_set: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """A pasted JWKS when the platform has no key set URL."""
    auth_audience: Mapped[str | None] = mapped_column(String(2000))
    """Token audience override for service tokens (D2L)."""
    auto_approve_deployments: Mapped[bool] = mapped_column(Boolean, default=False)
    product_family: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class DeploymentRow(Base):
    """A deployment id of a registration: approved, pending an admin, or rejected."""

    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    registration_id: Mapped[str] = mapped_column(
        ForeignKey("lti_registrations.id", ondelete="CASCADE")
    )
    deployment_id: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20))
    first_seen_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(36))


class ToolKeyRow(Base):
    """The tool's RSA keys. The private half is encrypted at rest."""

    __tablename__ = "lti_tool_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime]
    activated_at: Mapped[datetime | None]
    retired_at: Mapped[datetime | None]


class LaunchStateRow(Base):
    """OIDC ``state`` and ``nonce`` issued at login, so any worker can finish the launch."""

    __tablename__ = "lti_launch_states"
    __table_args__ = (Index("ix_lti_launch_states_expires_at", "expires_at"),)

    state: Mapped[str] = mapped_column(String(128), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(128), unique=True)
    registration_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class UsedNonceRow(Base):
    """A nonce already consumed by a launch: a replayed id_token is refused."""

    __tablename__ = "lti_used_nonces"
    __table_args__ = (UniqueConstraint("issuer", "nonce"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    issuer: Mapped[str] = mapped_column(String(255))
    nonce: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
