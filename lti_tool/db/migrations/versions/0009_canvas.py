"""Canvas REST: API developer keys, users' OAuth grants (encrypted), launch links to Canvas
assignments, and where imported evidence came from.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 23:07:29.819216
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "canvas_connections",
        sa.Column("base_url", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret", sa.Text(), nullable=False),
        sa.Column("account_token", sa.Text(), nullable=True),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scope_id"],
            ["organizations.id"],
            name=op.f("fk_canvas_connections_scope_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("base_url", name=op.f("pk_canvas_connections")),
    )
    op.create_table(
        "canvas_grants",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("base_url", sa.String(length=255), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.Float(), nullable=True),
        sa.Column("canvas_user_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["base_url"],
            ["canvas_connections.base_url"],
            name=op.f("fk_canvas_grants_base_url_canvas_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_canvas_grants_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canvas_grants")),
        sa.UniqueConstraint(
            "person_id", "base_url", name=op.f("uq_canvas_grants_person_id_base_url")
        ),
    )
    op.create_table(
        "canvas_links",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("credential_slug", sa.String(length=200), nullable=False),
        sa.Column("base_url", sa.String(length=255), nullable=False),
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("assignment_id", sa.String(length=64), nullable=True),
        sa.Column("canvas_user_id", sa.String(length=64), nullable=False),
        sa.Column("lti_subject", sa.String(length=255), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_canvas_links_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canvas_links")),
        sa.UniqueConstraint(
            "person_id", "credential_slug", name=op.f("uq_canvas_links_person_id_credential_slug")
        ),
    )
    op.create_index(op.f("ix_canvas_links_base_url"), "canvas_links", ["base_url"], unique=False)
    op.create_table(
        "canvas_evidence_origins",
        sa.Column("evidence_id", sa.String(length=36), nullable=False),
        sa.Column("base_url", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("canvas_file_id", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence_files.id"],
            name=op.f("fk_canvas_evidence_origins_evidence_id_evidence_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evidence_id", name=op.f("pk_canvas_evidence_origins")),
    )


def downgrade() -> None:
    op.drop_table("canvas_evidence_origins")
    op.drop_index(op.f("ix_canvas_links_base_url"), table_name="canvas_links")
    op.drop_table("canvas_links")
    op.drop_table("canvas_grants")
    op.drop_table("canvas_connections")
