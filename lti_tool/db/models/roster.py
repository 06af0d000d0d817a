"""Roster tables, one per OneRoster entity, as SQLAlchemy Core tables.

Core rather than ORM classes: imports write them in batches of thousands with ``executemany``,
and their columns follow the entity specs in :mod:`lti_tool.domain.roster.entities`.
Every row belongs to one district (``scope_id``) and is never deleted, only deactivated.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from lti_tool.db.models.base import Base, UTCDateTime
from lti_tool.domain.roster.csv_rows import MAX_SOURCED_ID
from lti_tool.domain.roster.entities import Entity, all_attrs

TABLE_NAMES = {
    Entity.ORGS: "roster_orgs",
    Entity.ACADEMIC_SESSIONS: "roster_academic_sessions",
    Entity.COURSES: "roster_courses",
    Entity.CLASSES: "roster_classes",
    Entity.USERS: "roster_users",
    Entity.ROLES: "roster_roles",
    Entity.ENROLLMENTS: "roster_enrollments",
}


def _entity_table(entity: Entity) -> Table:
    name = TABLE_NAMES[entity]
    columns: list[Column[object]] = [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("scope_id", String(36), ForeignKey("organizations.id"), nullable=False),
        Column("sourced_id", String(MAX_SOURCED_ID), nullable=False),
        Column("active", Boolean, nullable=False),
        Column("date_last_modified", UTCDateTime(), nullable=True),
        Column("fingerprint", String(32), nullable=False),
        Column("last_seen_run", String(36), nullable=False),
        Column("extra", JSON(none_as_null=True), nullable=True),
    ]
    columns += [Column(attr, Text, nullable=True) for attr in all_attrs(entity)]
    if entity is Entity.USERS:
        columns += [
            Column("person_id", String(36), ForeignKey("people.id", ondelete="SET NULL")),
            Column("employee_id", String(64), nullable=True),
        ]
    return Table(
        name,
        Base.metadata,
        *columns,
        UniqueConstraint("scope_id", "sourced_id"),
        postgresql_with={"fillfactor": 90},  # room for a delta's updates: migration 0016
    )


ROSTER_TABLES: dict[Entity, Table] = {entity: _entity_table(entity) for entity in Entity}
Index("ix_roster_users_person_id", ROSTER_TABLES[Entity.USERS].c.person_id)
Index(
    "ix_roster_roles_scope_id_user_sourced_id",
    ROSTER_TABLES[Entity.ROLES].c.scope_id,
    ROSTER_TABLES[Entity.ROLES].c.user_sourced_id,
)
"""1.2: each user's primary role is looked up from roles after every import."""

roster_reports = Table(
    "roster_reports",
    Base.metadata,
    Column("id", String(36), primary_key=True),
    Column("scope_id", String(36), ForeignKey("organizations.id"), nullable=False),
    Column("source", String(500), nullable=False),
    Column("status", String(30), nullable=False),
    Column("started_at", UTCDateTime(), nullable=False, index=True),
    Column("data", JSON, nullable=False),
)
"""Import and sync reports; only the newest few are kept."""

roster_match_questions = Table(
    "roster_match_questions",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope_id", String(36), ForeignKey("organizations.id"), nullable=False),
    Column("sourced_id", String(255), nullable=False),
    Column("display_name", String(255), nullable=False),
    Column("candidates", JSON, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("closed_at", UTCDateTime(), nullable=True),
    UniqueConstraint("scope_id", "sourced_id"),
)
"""Ambiguous identity matches waiting for an admin."""

roster_bookmarks = Table(
    "roster_bookmarks",
    Base.metadata,
    Column("provider", String(100), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("value", Text, nullable=True),
    PrimaryKeyConstraint("provider", "entity"),
)
"""Where each REST provider's sync resumes, per entity; moved only after rows commit."""

roster_providers = Table(
    "roster_providers",
    Base.metadata,
    Column("name", String(100), primary_key=True),
    Column("scope_id", String(36), ForeignKey("organizations.id"), nullable=False),
    Column("version", String(5), nullable=False),
    Column("base_url", String(2000), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("secret", Text, nullable=False),
    Column("token_url", String(2000), nullable=True),
    Column("scopes", Text, nullable=True),
    Column("signature_method", String(20), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
"""OneRoster REST providers. ``secret`` is encrypted with the SecretBox (never plain text)."""

roster_schedules = Table(
    "roster_schedules",
    Base.metadata,
    Column(
        "provider",
        String(100),
        ForeignKey("roster_providers.name", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("enabled", Boolean, nullable=False),
    Column("every_seconds", Integer, nullable=False),
    Column("full_every_seconds", Integer, nullable=False),
    Column("next_run_at", UTCDateTime(), nullable=False),
    Column("next_full_at", UTCDateTime(), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("last_started_at", UTCDateTime(), nullable=True),
    Column("last_finished_at", UTCDateTime(), nullable=True),
    Column("last_status", String(30), nullable=True),
    Column("last_report_id", String(36), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("leased_by", String(255), nullable=True),
    Column("lease_until", UTCDateTime(), nullable=True),
)
"""When the worker syncs each REST provider; a lease keeps two workers off the same one."""
