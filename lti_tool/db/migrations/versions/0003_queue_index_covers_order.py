"""The queue index covers the whole sort key (state, submitted_at, id).

The pool page reads each waiting state in (submitted_at, id) order and stops after one page;
with id in the index the tie-break needs no extra sort.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_submissions_queue", table_name="submissions")
    op.create_index("ix_submissions_queue", "submissions", ["state", "submitted_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_submissions_queue", table_name="submissions")
    op.create_index("ix_submissions_queue", "submissions", ["state", "submitted_at"])
