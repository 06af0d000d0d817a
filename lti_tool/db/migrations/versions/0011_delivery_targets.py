"""Delivery targets (Ed-Fi, webhook, SIF, CSV export) and one record per delivery to each.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 23:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_targets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("sealed_secrets", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_targets")),
        sa.UniqueConstraint("name", name=op.f("uq_delivery_targets_name")),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("target_id", sa.String(length=36), nullable=False),
        sa.Column("award_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_answer", sa.Text(), nullable=False),
        sa.Column("remote_ref", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_deliveries_award_id_awards")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["delivery_targets.id"],
            name=op.f("fk_deliveries_target_id_delivery_targets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_deliveries_idempotency_key")),
        sa.UniqueConstraint(
            "target_id", "award_id", "action", name=op.f("uq_deliveries_target_id_award_id_action")
        ),
    )
    op.create_index(op.f("ix_deliveries_award_id"), "deliveries", ["award_id"], unique=False)
    op.create_index(
        "ix_deliveries_target_status", "deliveries", ["target_id", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_target_status", table_name="deliveries")
    op.drop_index(op.f("ix_deliveries_award_id"), table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("delivery_targets")
