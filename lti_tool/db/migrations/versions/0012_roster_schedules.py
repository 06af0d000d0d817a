"""Roster schedules: when the worker syncs each OneRoster REST provider, and who runs it now.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 23:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    schedules = op.create_table(
        "roster_schedules",
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("every_seconds", sa.Integer(), nullable=False),
        sa.Column("full_every_seconds", sa.Integer(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_full_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=30), nullable=True),
        sa.Column("last_report_id", sa.String(length=36), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("leased_by", sa.String(length=255), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["provider"],
            ["roster_providers.name"],
            name=op.f("fk_roster_schedules_provider_roster_providers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_roster_schedules")),
    )
    # Providers registered before schedules existed: hourly syncs, weekly full, first one now.
    assert schedules is not None
    now = datetime.now(UTC)
    found = op.get_bind().execute(sa.text("SELECT name FROM roster_providers"))
    names = [str(row[0]) for row in found]
    first = {"enabled": True, "every_seconds": 3600, "full_every_seconds": 7 * 86400}
    times = {"next_run_at": now, "next_full_at": now, "failures": 0}
    op.bulk_insert(schedules, [{"provider": name, **first, **times} for name in names])


def downgrade() -> None:
    op.drop_table("roster_schedules")
