"""Role overrides: an admin forces one person's role on or off, above launches and rosters.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 22:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "role_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("set_by", sa.String(length=36), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_role_overrides_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_overrides")),
        sa.UniqueConstraint("person_id", "role", name=op.f("uq_role_overrides_person_id_role")),
    )
    op.create_index(
        op.f("ix_role_overrides_person_id"), "role_overrides", ["person_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_role_overrides_person_id"), table_name="role_overrides")
    op.drop_table("role_overrides")
