"""Open Badges issuers, keys, credentials, stack awards; outbox leases

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 22:07:06.153066
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "issuer_profiles",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("assessor_name", sa.String(length=255), nullable=True),
        sa.Column("show_results", sa.Boolean(), nullable=False),
        sa.Column("stack_policy", sa.String(length=10), nullable=False),
        sa.Column("jurisdiction", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_issuer_profiles_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuer_profiles")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_issuer_profiles_organization_id")),
    )
    op.create_table(
        "issuer_keys",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("private_key_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuer_profiles.id"],
            name=op.f("fk_issuer_keys_issuer_id_issuer_profiles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuer_keys")),
    )
    with op.batch_alter_table("issuer_keys", schema=None) as batch_op:
        batch_op.create_index("ix_issuer_keys_issuer_kind", ["issuer_id", "kind"], unique=False)

    op.create_table(
        "stack_awards",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("stack_id", sa.String(length=36), nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["people.id"], name=op.f("fk_stack_awards_decided_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuer_profiles.id"],
            name=op.f("fk_stack_awards_issuer_id_issuer_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_stack_awards_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["stack_id"], ["stacks.id"], name=op.f("fk_stack_awards_stack_id_stacks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stack_awards")),
        sa.UniqueConstraint(
            "person_id", "stack_id", name=op.f("uq_stack_awards_person_id_stack_id")
        ),
    )
    with op.batch_alter_table("stack_awards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stack_awards_state"), ["state"], unique=False)

    op.create_table(
        "issued_credentials",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("issuer_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("achievement_id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("jwt", sa.Text(), nullable=False),
        sa.Column("recipient_salt", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("award_id", sa.String(length=36), nullable=True),
        sa.Column("stack_award_id", sa.String(length=36), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_issued_credentials_award_id_awards")
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["issuer_profiles.id"],
            name=op.f("fk_issued_credentials_issuer_id_issuer_profiles"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_issued_credentials_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["stack_award_id"],
            ["stack_awards.id"],
            name=op.f("fk_issued_credentials_stack_award_id_stack_awards"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_credentials")),
        sa.UniqueConstraint("award_id", name=op.f("uq_issued_credentials_award_id")),
        sa.UniqueConstraint("stack_award_id", name=op.f("uq_issued_credentials_stack_award_id")),
    )
    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.create_index(
            "ix_issued_credentials_person", ["person_id", "issued_at"], unique=False
        )
        batch_op.create_index(
            "ix_issued_credentials_revoked", ["issuer_id", "revoked_at"], unique=False
        )

    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("dead_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:

    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_column("dead_at")
        batch_op.drop_column("claimed_by")

    with op.batch_alter_table("issued_credentials", schema=None) as batch_op:
        batch_op.drop_index("ix_issued_credentials_revoked")
        batch_op.drop_index("ix_issued_credentials_person")

    op.drop_table("issued_credentials")
    with op.batch_alter_table("stack_awards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stack_awards_state"))

    op.drop_table("stack_awards")
    with op.batch_alter_table("issuer_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_issuer_keys_issuer_kind")

    op.drop_table("issuer_keys")
    op.drop_table("issuer_profiles")
