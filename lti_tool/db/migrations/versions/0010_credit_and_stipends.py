"""Credit and stipends: district settings and overrides, credit lines, the stipend ledger.

The ledger's entries are append-only: triggers refuse UPDATE and DELETE on every backend.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 23:07:20.495563
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("target_kind", sa.String(length=10), nullable=False),
        sa.Column("target_slug", sa.String(length=100), nullable=False),
        sa.Column("credit_amount", sa.String(length=40), nullable=True),
        sa.Column("credit_unit", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("stipend_amount", sa.String(length=40), nullable=True),
        sa.Column("funding_source", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.String(length=36), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_credit_overrides_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_overrides")),
        sa.UniqueConstraint(
            "organization_id",
            "target_kind",
            "target_slug",
            name=op.f("uq_credit_overrides_organization_id_target_kind_target_slug"),
        ),
    )
    op.create_table(
        "credit_settings",
        sa.Column("organization_id", sa.String(length=36), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("cycle_anchor", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payroll_template", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_credit_settings_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", name=op.f("pk_credit_settings")),
    )
    op.create_table(
        "stipend_budgets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("district_id", sa.String(length=36), nullable=False),
        sa.Column("funding_source", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["organizations.id"],
            name=op.f("fk_stipend_budgets_district_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stipend_budgets")),
        sa.UniqueConstraint(
            "district_id",
            "funding_source",
            name=op.f("uq_stipend_budgets_district_id_funding_source"),
        ),
    )
    op.create_table(
        "credit_lines",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("award_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("jurisdiction", sa.String(length=8), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("rule_version", sa.String(length=120), nullable=False),
        sa.Column("clock_hours", sa.String(length=40), nullable=False),
        sa.Column("earned_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_credit_lines_award_id_awards")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_credit_lines_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_lines")),
    )
    with op.batch_alter_table("credit_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_lines_award_id"), ["award_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_credit_lines_person_id"), ["person_id"], unique=False)

    op.create_table(
        "stipends",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("award_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("district_id", sa.String(length=36), nullable=False),
        sa.Column("school_id", sa.String(length=36), nullable=True),
        sa.Column("credential_slug", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("funding_source", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"], ["awards.id"], name=op.f("fk_stipends_award_id_awards")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["organizations.id"],
            name=op.f("fk_stipends_district_id_organizations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_stipends_person_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stipends")),
        sa.UniqueConstraint("award_id", name=op.f("uq_stipends_award_id")),
    )
    with op.batch_alter_table("stipends", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stipends_district_id"), ["district_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stipends_person_id"), ["person_id"], unique=False)

    op.create_table(
        "stipend_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("stipend_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("batch", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["stipend_id"], ["stipends.id"], name=op.f("fk_stipend_entries_stipend_id_stipends")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stipend_entries")),
        sa.UniqueConstraint("stipend_id", "seq", name=op.f("uq_stipend_entries_stipend_id_seq")),
    )
    with op.batch_alter_table("stipend_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stipend_entries_stipend_id"), ["stipend_id"], unique=False
        )
    _append_only_ledger()


def downgrade() -> None:
    _drop_append_only_ledger()
    with op.batch_alter_table("stipend_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stipend_entries_stipend_id"))

    op.drop_table("stipend_entries")
    with op.batch_alter_table("stipends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stipends_person_id"))
        batch_op.drop_index(batch_op.f("ix_stipends_district_id"))

    op.drop_table("stipends")
    with op.batch_alter_table("credit_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_lines_person_id"))
        batch_op.drop_index(batch_op.f("ix_credit_lines_award_id"))

    op.drop_table("credit_lines")
    op.drop_table("stipend_budgets")
    op.drop_table("credit_settings")
    op.drop_table("credit_overrides")


def _append_only_ledger() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION credbridge_stipend_entries_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'stipend_entries is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER stipend_entries_append_only BEFORE UPDATE OR DELETE "
            "ON stipend_entries FOR EACH ROW "
            "EXECUTE FUNCTION credbridge_stipend_entries_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER stipend_entries_no_{event.lower()} BEFORE {event} "
                "ON stipend_entries BEGIN SELECT RAISE(ABORT, 'stipend_entries is append-only'); END"
            )


def _drop_append_only_ledger() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS stipend_entries_append_only ON stipend_entries")
        op.execute("DROP FUNCTION IF EXISTS credbridge_stipend_entries_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS stipend_entries_no_{event}")
