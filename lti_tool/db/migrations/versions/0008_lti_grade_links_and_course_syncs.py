"""LTI services: grade links (where AGS scores go) and course syncs (NRPS in the background).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 23:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lti_grade_links",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("registration_id", sa.String(length=36), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=True),
        sa.Column("resource_link_id", sa.String(length=255), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("credential_slug", sa.String(length=255), nullable=False),
        sa.Column("lineitem", sa.String(length=2000), nullable=True),
        sa.Column("lineitems", sa.String(length=2000), nullable=True),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("line_item_url", sa.String(length=2000), nullable=True),
        sa.Column("last_outcome", sa.String(length=20), nullable=True),
        sa.Column("last_status", sa.String(length=20), nullable=True),
        sa.Column("last_detail", sa.Text(), nullable=True),
        sa.Column("last_posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_lti_grade_links_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["lti_registrations.id"],
            name=op.f("fk_lti_grade_links_registration_id_lti_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_grade_links")),
        sa.UniqueConstraint(
            "registration_id",
            "resource_link_id",
            "person_id",
            name=op.f("uq_lti_grade_links_registration_id_resource_link_id_person_id"),
        ),
    )
    op.create_index(
        op.f("ix_lti_grade_links_person_id_credential_slug"),
        "lti_grade_links",
        ["person_id", "credential_slug"],
        unique=False,
    )
    op.create_table(
        "lti_course_syncs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("registration_id", sa.String(length=36), nullable=False),
        sa.Column("context_id", sa.String(length=255), nullable=False),
        sa.Column("memberships_url", sa.String(length=2000), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("members", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["lti_registrations.id"],
            name=op.f("fk_lti_course_syncs_registration_id_lti_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_course_syncs")),
        sa.UniqueConstraint(
            "registration_id",
            "context_id",
            name=op.f("uq_lti_course_syncs_registration_id_context_id"),
        ),
    )


def downgrade() -> None:
    op.drop_table("lti_course_syncs")
    op.drop_index(
        op.f("ix_lti_grade_links_person_id_credential_slug"), table_name="lti_grade_links"
    )
    op.drop_table("lti_grade_links")
