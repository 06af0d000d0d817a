"""Grade links for stacks: a link says whether it opens a credential or a stack.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lti_grade_links") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=20), server_default="credential", nullable=False)
        )


def downgrade() -> None:
    op.execute("DELETE FROM lti_grade_links WHERE kind = 'stack'")
    with op.batch_alter_table("lti_grade_links") as batch:
        batch.drop_column("kind")
