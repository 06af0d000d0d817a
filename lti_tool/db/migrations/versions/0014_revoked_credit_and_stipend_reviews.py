"""Revoking a credential: its credit lines are marked revoked (kept, no longer counted), and a
stipend already exported or paid is put on the HR review list.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 01:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credit_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("revocation_reason", sa.Text(), nullable=True))

    op.create_table(
        "stipend_reviews",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("stipend_id", sa.String(length=36), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("state_then", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raised_by", sa.String(length=36), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=36), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["stipend_id"], ["stipends.id"], name=op.f("fk_stipend_reviews_stipend_id_stipends")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stipend_reviews")),
        sa.UniqueConstraint(
            "stipend_id", "reason", name=op.f("uq_stipend_reviews_stipend_id_reason")
        ),
    )


def downgrade() -> None:
    op.drop_table("stipend_reviews")
    with op.batch_alter_table("credit_lines", schema=None) as batch_op:
        batch_op.drop_column("revocation_reason")
        batch_op.drop_column("revoked_by")
        batch_op.drop_column("revoked_at")
