"""Delivery targets (connected PD/HR systems) and one record per delivery to each."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.db.models.base import Base


class DeliveryTargetRow(Base):
    """A connected system (Ed-Fi, webhook, SIF, CSV export) and its settings."""

    __tablename__ = "delivery_targets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(80), unique=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Plain settings (URLs, client id, namespace, template); never a secret."""
    sealed_secrets: Mapped[str] = mapped_column(Text, default="")
    """The secrets as one SecretBox token (JSON inside); write-only for people."""
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class DeliveryRow(Base):
    """One award (or revocation) to one target: where it stands, and the target's last answer."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("target_id", "award_id", "action"),
        Index("ix_deliveries_target_status", "target_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    target_id: Mapped[str] = mapped_column(ForeignKey("delivery_targets.id", ondelete="CASCADE"))
    award_id: Mapped[str] = mapped_column(ForeignKey("awards.id"), index=True)
    action: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    """Sent with every attempt, so the target can drop a repeat."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_answer: Mapped[str] = mapped_column(Text, default="")
    """The target's last answer (problem details, error text), for the person who looks."""
    remote_ref: Mapped[str | None] = mapped_column(String(255))
    """The target's id for what we sent (Ed-Fi resource id, file name), when it gave one."""
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
