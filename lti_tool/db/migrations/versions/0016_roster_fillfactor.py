"""Roster tables on PostgreSQL leave a tenth of each page free (fillfactor 90).

A delta import rewrites a few rows on most pages of a district's tables. With full pages
(PostgreSQL's default, and what COPY leaves) every such update writes the new row version
to another page and adds an entry to every index; with room left on the page the update is
HOT (heap-only: same page, no index entries), because no indexed column changes. A 5% delta
of a million enrollments took 1.5 s before and 1.1-1.2 s after (``bench/roster.py``,
BENCHMARKS.md). The price is a tenth more pages for the same rows. Only pages written from now on are affected; SQLite has
no such setting.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "roster_orgs",
    "roster_academic_sessions",
    "roster_courses",
    "roster_classes",
    "roster_users",
    "roster_roles",
    "roster_enrollments",
)


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 90)")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
