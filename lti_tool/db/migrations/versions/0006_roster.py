"""Rosters: OneRoster entities per district, import reports, match questions, REST providers.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 22:07:42.094727
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "roster_bookmarks",
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("provider", "entity", name=op.f("pk_roster_bookmarks")),
    )
    op.create_table(
        "roster_academic_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("sourced_id", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("date_last_modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("last_seen_run", sa.String(length=36), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Text(), nullable=True),
        sa.Column("end_date", sa.Text(), nullable=True),
        sa.Column("parent_sourced_id", sa.Text(), nullable=True),
        sa.Column("school_year", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scope_id"],
            ["organizations.id"],
            name=op.f("fk_roster_academic_sessions_scope_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_academic_sessions")),
        sa.UniqueConstraint(
            "scope_id", "sourced_id", name=op.f("uq_roster_academic_sessions_scope_id_sourced_id")
        ),
    )
    op.create_table(
        "roster_classes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("sourced_id", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("date_last_modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("last_seen_run", sa.String(length=36), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("grades", sa.Text(), nullable=True),
        sa.Column("course_sourced_id", sa.Text(), nullable=True),
        sa.Column("class_code", sa.Text(), nullable=True),
        sa.Column("class_type", sa.Text(), nullable=True),
        sa.Column("school_sourced_id", sa.Text(), nullable=True),
        sa.Column("term_sourced_ids", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scope_id"],
            ["organizations.id"],
            name=op.f("fk_roster_classes_scope_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_classes")),
        sa.UniqueConstraint(
            "scope_id", "sourced_id", name=op.f("uq_roster_classes_scope_id_sourced_id")
        ),
    )
    op.create_table(
        "roster_courses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("sourced_id", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("date_last_modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("last_seen_run", sa.String(length=36), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("school_year_sourced_id", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("course_code", sa.Text(), nullable=True),
        sa.Column("grades", sa.Text(), nullable=True),
        sa.Column("org_sourced_id", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scope_id"],
            ["organizations.id"],
            name=op.f("fk_roster_courses_scope_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_courses")),
        sa.UniqueConstraint(
            "scope_id", "sourced_id", name=op.f("uq_roster_courses_scope_id_sourced_id")
        ),
    )
    op.create_table(
        "roster_enrollments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("sourced_id", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("date_last_modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("last_seen_run", sa.String(length=36), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("class_sourced_id", sa.Text(), nullable=True),
        sa.Column("school_sourced_id", sa.Text(), nullable=True),
        sa.Column("user_sourced_id", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("primary", sa.Text(), nullable=True),
        sa.Column("begin_date", sa.Text(), nullable=True),
        sa.Column("end_date", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scope_id"],
            ["organizations.id"],
            name=op.f("fk_roster_enrollments_scope_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_enrollments")),
        sa.UniqueConstraint(
            "scope_id", "sourced_id", name=op.f("uq_roster_enrollments_scope_id_sourced_id")
        ),
    )
    op.create_table(
        "roster_match_questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("sourced_id", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["scope_id"],
            ["organizations.id"],
            name=op.f("fk_roster_match_questions_scope_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_match_questions")),
        sa.UniqueConstraint(
            "scope_id", "sourced_id", name=op.f("uq_roster_match_questions_scope_id_sourced_id")
        ),
    )
    op.create_table(
        "roster_orgs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("sourced_id", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("date_last_modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("last_seen_run", sa.String(length=36), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("identifier", sa.Text(), nullable=True),
        sa.Column("parent_sourced_id", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["organizations.id"], name=op.f("fk_roster_orgs_scope_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_orgs")),
        sa.UniqueConstraint(
            "scope_id", "sourced_id", name=op.f("uq_roster_orgs_scope_id_sourced_id")
        ),
    )
    op.create_table(
        "roster_providers",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.String(length=5), nullable=False),
        sa.Column("base_url", sa.String(length=2000), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("token_url", sa.String(length=2000), nullable=True),
        sa.Column("scopes", sa.Text(), nullable=True),
        sa.Column("signature_method", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["scope_id"],
            ["organizations.id"],
            name=op.f("fk_roster_providers_scope_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_roster_providers")),
    )
    op.create_table(
        "roster_reports",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scope_id"],
            ["organizations.id"],
            name=op.f("fk_roster_reports_scope_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_reports")),
    )
    with op.batch_alter_table("roster_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roster_reports_started_at"), ["started_at"], unique=False
        )

    op.create_table(
        "roster_roles",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("sourced_id", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("date_last_modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("last_seen_run", sa.String(length=36), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("user_sourced_id", sa.Text(), nullable=True),
        sa.Column("role_type", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("begin_date", sa.Text(), nullable=True),
        sa.Column("end_date", sa.Text(), nullable=True),
        sa.Column("org_sourced_id", sa.Text(), nullable=True),
        sa.Column("user_profile_sourced_id", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["organizations.id"], name=op.f("fk_roster_roles_scope_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_roles")),
        sa.UniqueConstraint(
            "scope_id", "sourced_id", name=op.f("uq_roster_roles_scope_id_sourced_id")
        ),
    )
    op.create_table(
        "roster_users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("sourced_id", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("date_last_modified", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fingerprint", sa.String(length=32), nullable=False),
        sa.Column("last_seen_run", sa.String(length=36), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.Column("enabled_user", sa.Text(), nullable=True),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("user_ids", sa.Text(), nullable=True),
        sa.Column("given_name", sa.Text(), nullable=True),
        sa.Column("family_name", sa.Text(), nullable=True),
        sa.Column("middle_name", sa.Text(), nullable=True),
        sa.Column("identifier", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("grades", sa.Text(), nullable=True),
        sa.Column("org_sourced_ids", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("user_master_identifier", sa.Text(), nullable=True),
        sa.Column("preferred_given_name", sa.Text(), nullable=True),
        sa.Column("preferred_family_name", sa.Text(), nullable=True),
        sa.Column("primary_org_sourced_id", sa.Text(), nullable=True),
        sa.Column("pronouns", sa.Text(), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("employee_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_roster_users_person_id_people"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["scope_id"], ["organizations.id"], name=op.f("fk_roster_users_scope_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_users")),
        sa.UniqueConstraint(
            "scope_id", "sourced_id", name=op.f("uq_roster_users_scope_id_sourced_id")
        ),
    )
    with op.batch_alter_table("roster_users", schema=None) as batch_op:
        batch_op.create_index("ix_roster_users_person_id", ["person_id"], unique=False)
    with op.batch_alter_table("roster_roles", schema=None) as batch_op:
        batch_op.create_index(
            "ix_roster_roles_scope_id_user_sourced_id",
            ["scope_id", "user_sourced_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("roster_roles", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_roles_scope_id_user_sourced_id")
    with op.batch_alter_table("roster_users", schema=None) as batch_op:
        batch_op.drop_index("ix_roster_users_person_id")

    op.drop_table("roster_users")
    op.drop_table("roster_roles")
    with op.batch_alter_table("roster_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_reports_started_at"))

    op.drop_table("roster_reports")
    op.drop_table("roster_providers")
    op.drop_table("roster_orgs")
    op.drop_table("roster_match_questions")
    op.drop_table("roster_enrollments")
    op.drop_table("roster_courses")
    op.drop_table("roster_classes")
    op.drop_table("roster_academic_sessions")
    op.drop_table("roster_bookmarks")
