"""One open submission per educator and credential.

A double click on "Start" could create two drafts of the same credential. Submissions now carry
their credential id, and a partial unique index allows only one that is not denied or withdrawn.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_CONDITION = "state NOT IN ('denied', 'withdrawn')"


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.add_column(sa.Column("credential_id", sa.String(length=36), nullable=True))
    op.execute(
        "UPDATE submissions SET credential_id = (SELECT credential_versions.credential_id "
        "FROM credential_versions WHERE credential_versions.id = submissions.credential_version_id)"
    )
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.alter_column("credential_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.create_foreign_key(
            op.f("fk_submissions_credential_id_credentials"),
            "credentials",
            ["credential_id"],
            ["id"],
        )
    op.create_index(
        "uq_submissions_one_open",
        "submissions",
        ["person_id", "credential_id"],
        unique=True,
        sqlite_where=sa.text(OPEN_CONDITION),
        postgresql_where=sa.text(OPEN_CONDITION),
    )


def downgrade() -> None:
    op.drop_index("uq_submissions_one_open", table_name="submissions")
    with op.batch_alter_table("submissions") as batch_op:
        batch_op.drop_constraint(
            op.f("fk_submissions_credential_id_credentials"), type_="foreignkey"
        )
        batch_op.drop_column("credential_id")
