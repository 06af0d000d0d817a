"""LTI: platform registrations, deployments, tool keys, OIDC launch state and used nonces.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 20:50:13.817651
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A tool key's kid (an RFC 7638 thumbprint, 43 characters) is audited as an entity id.
    # The triggers keep audit_entries append-only; batch mode on SQLite recreates the table,
    # so they are dropped and recreated around the change.
    _alter_audit_entity_id(64)
    op.create_table(
        "lti_launch_states",
        sa.Column("state", sa.String(length=128), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("registration_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_lti_launch_states")),
        sa.UniqueConstraint("nonce", name=op.f("uq_lti_launch_states_nonce")),
    )
    with op.batch_alter_table("lti_launch_states", schema=None) as batch_op:
        batch_op.create_index("ix_lti_launch_states_expires_at", ["expires_at"], unique=False)

    op.create_table(
        "lti_registrations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("auth_login_url", sa.String(length=2000), nullable=False),
        sa.Column("auth_token_url", sa.String(length=2000), nullable=False),
        sa.Column("key_set_url", sa.String(length=2000), nullable=True),
        sa.Column("key_set", sa.JSON(), nullable=True),
        sa.Column("auth_audience", sa.String(length=2000), nullable=True),
        sa.Column("auto_approve_deployments", sa.Boolean(), nullable=False),
        sa.Column("product_family", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_registrations")),
        sa.UniqueConstraint(
            "issuer", "client_id", name=op.f("uq_lti_registrations_issuer_client_id")
        ),
    )
    with op.batch_alter_table("lti_registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_registrations_issuer"), ["issuer"], unique=False)

    op.create_table(
        "lti_tool_keys",
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("public_jwk", sa.JSON(), nullable=False),
        sa.Column("private_key_encrypted", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid", name=op.f("pk_lti_tool_keys")),
    )
    with op.batch_alter_table("lti_tool_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lti_tool_keys_state"), ["state"], unique=False)

    op.create_table(
        "lti_used_nonces",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("nonce", sa.String(length=255), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_used_nonces")),
        sa.UniqueConstraint("issuer", "nonce", name=op.f("uq_lti_used_nonces_issuer_nonce")),
    )
    with op.batch_alter_table("lti_used_nonces", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lti_used_nonces_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "lti_deployments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("registration_id", sa.String(length=36), nullable=False),
        sa.Column("deployment_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["lti_registrations.id"],
            name=op.f("fk_lti_deployments_registration_id_lti_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lti_deployments")),
        sa.UniqueConstraint(
            "registration_id",
            "deployment_id",
            name=op.f("uq_lti_deployments_registration_id_deployment_id"),
        ),
    )


def downgrade() -> None:
    _alter_audit_entity_id(36)
    op.drop_table("lti_deployments")
    with op.batch_alter_table("lti_used_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_used_nonces_expires_at"))

    op.drop_table("lti_used_nonces")
    with op.batch_alter_table("lti_tool_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_tool_keys_state"))

    op.drop_table("lti_tool_keys")
    with op.batch_alter_table("lti_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lti_registrations_issuer"))

    op.drop_table("lti_registrations")
    with op.batch_alter_table("lti_launch_states", schema=None) as batch_op:
        batch_op.drop_index("ix_lti_launch_states_expires_at")

    op.drop_table("lti_launch_states")


def _alter_audit_entity_id(length: int) -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_entries_no_{event}")
    with op.batch_alter_table("audit_entries") as batch_op:
        batch_op.alter_column(
            "entity_id",
            existing_type=sa.String(length=36 if length == 64 else 64),
            type_=sa.String(length=length),
            existing_nullable=False,
        )
    if sqlite:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entries_no_{event.lower()} BEFORE {event} ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END"
            )
