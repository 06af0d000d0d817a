"""Roster sync schedules over SQLAlchemy Core.

A claim is one conditional ``UPDATE`` (due, and no live lease): on PostgreSQL a second worker's
update waits for the first one's row lock, then sees the new lease and matches nothing; SQLite
runs writers one at a time. Either way exactly one worker gets the provider.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update

from lti_tool.db.models.roster import roster_schedules as table
from lti_tool.db.repositories.scope import TransactionScope
from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.roster.schedule import SyncSchedule


def _schedule(row: Any) -> SyncSchedule:
    return SyncSchedule(
        provider=row.provider,
        enabled=row.enabled,
        every=timedelta(seconds=row.every_seconds),
        full_every=timedelta(seconds=row.full_every_seconds),
        next_run_at=row.next_run_at,
        next_full_at=row.next_full_at,
        failures=row.failures,
        last_started_at=row.last_started_at,
        last_finished_at=row.last_finished_at,
        last_status=row.last_status,
        last_report_id=row.last_report_id,
        last_error=row.last_error,
        leased_by=row.leased_by,
        lease_until=row.lease_until,
    )


def _free(now: datetime) -> Any:
    return or_(table.c.lease_until.is_(None), table.c.lease_until <= now)


class SqlRosterSchedules(TransactionScope):
    """``with schedules: ...; schedules.commit()``; leaving the block rolls back the rest."""

    def schedules(self) -> list[SyncSchedule]:
        rows = self.connection.execute(select(table).order_by(table.c.provider))
        return [_schedule(row) for row in rows]

    def schedule(self, provider: str) -> SyncSchedule:
        row = self.connection.execute(select(table).where(table.c.provider == provider)).first()
        if row is None:
            raise NotFoundError(f"No roster provider is named {provider!r}.")
        return _schedule(row)

    def save(self, schedule: SyncSchedule) -> None:
        values = {
            "enabled": schedule.enabled,
            "every_seconds": int(schedule.every.total_seconds()),
            "full_every_seconds": int(schedule.full_every.total_seconds()),
            "next_run_at": schedule.next_run_at,
            "next_full_at": schedule.next_full_at,
            "failures": schedule.failures,
            "last_started_at": schedule.last_started_at,
            "last_finished_at": schedule.last_finished_at,
            "last_status": schedule.last_status,
            "last_report_id": schedule.last_report_id,
            "last_error": schedule.last_error,
            "leased_by": schedule.leased_by,
            "lease_until": schedule.lease_until,
        }
        done = self.connection.execute(
            update(table).where(table.c.provider == schedule.provider).values(values)
        )
        if not done.rowcount:
            self.connection.execute(insert(table).values(provider=schedule.provider, **values))

    def due(self, now: datetime) -> list[str]:
        first = table.c.next_run_at
        query = (
            select(table.c.provider)
            .where(
                table.c.enabled,
                or_(table.c.next_run_at <= now, table.c.next_full_at <= now),
                _free(now),
            )
            .order_by(first, table.c.provider)
        )
        return list(self.connection.scalars(query))

    def claim(self, provider: str, worker: str, now: datetime, until: datetime) -> bool:
        done = self.connection.execute(
            update(table)
            .where(
                table.c.provider == provider,
                table.c.enabled,
                or_(table.c.next_run_at <= now, table.c.next_full_at <= now),
                _free(now),
            )
            .values(leased_by=worker, lease_until=until, last_started_at=now)
        )
        return bool(done.rowcount)

    def renew(self, provider: str, worker: str, until: datetime) -> bool:
        done = self.connection.execute(
            update(table)
            .where(table.c.provider == provider, table.c.leased_by == worker)
            .values(lease_until=until)
        )
        return bool(done.rowcount)
