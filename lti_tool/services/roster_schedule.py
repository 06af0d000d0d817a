"""Scheduled roster syncs, run by ``credbridge worker``: each REST provider's incremental sync on
its own interval, and a periodic full reconciliation that catches what deltas miss.

Due times live in the database, so any number of workers can poll: a worker leases a provider
before syncing it (an atomic claim, see :class:`lti_tool.ports_roster.RosterSchedules`) and renews
the lease while rows arrive, so no two workers ever sync the same provider at once. A worker that
dies leaves its lease to expire. Every run leaves a report; a failed one is retried sooner than
the interval, backing off (:mod:`lti_tool.domain.roster.schedule`).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.roles import Role
from lti_tool.domain.roster.report import ReportStatus
from lti_tool.domain.roster.schedule import (
    DEFAULT_EVERY,
    DEFAULT_FULL_EVERY,
    SyncSchedule,
    check_intervals,
    new_schedule,
)
from lti_tool.ports import Clock, RosterProvider
from lti_tool.ports_roster import RosterSchedulesFactory
from lti_tool.services.common import Actor
from lti_tool.services.roster import RosterService
from lti_tool.services.roster_sync import RosterSyncService

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)
"""How long a claim holds without renewal; renewed every third of it while rows arrive."""
RENEW_CHECK_ROWS = 500


class RosterScheduler:
    """Runs due provider syncs (the worker) and shows and sets schedules."""

    def __init__(
        self,
        schedules: RosterSchedulesFactory,
        sync: RosterSyncService,
        roster: RosterService,
        clock: Clock,
        worker: str,
        lease: timedelta = LEASE,
    ) -> None:
        self._schedules = schedules
        self._sync = sync
        self._roster = roster
        self._clock = clock
        self.worker = worker
        self.lease = lease

    def add(
        self,
        provider: RosterProvider,
        every: timedelta = DEFAULT_EVERY,
        full_every: timedelta = DEFAULT_FULL_EVERY,
    ) -> SyncSchedule:
        """Schedule a newly registered provider; its first run, a full one, is due at once."""
        schedule = new_schedule(provider.name, self._clock.now(), every, full_every)
        with self._schedules() as store:
            store.save(schedule)
            store.commit()
        return schedule

    def set(
        self,
        name: str,
        *,
        every: timedelta | None = None,
        full_every: timedelta | None = None,
        enabled: bool | None = None,
        full_now: bool = False,
    ) -> SyncSchedule:
        """Change a provider's schedule (operator, CLI). Raises NotFoundError/ValidationError."""
        now = self._clock.now()
        with self._schedules() as store:
            old = store.schedule(name)
            every = every or old.every
            full_every = full_every or old.full_every
            problems = check_intervals(every, full_every)
            if problems:
                raise ValidationError("The schedule was not changed", problems)
            schedule = replace(
                old,
                every=every,
                full_every=full_every,
                enabled=old.enabled if enabled is None else enabled,
                next_run_at=min(old.next_run_at, now + every),
                next_full_at=now if full_now else min(old.next_full_at, now + full_every),
            )
            store.save(schedule)
            store.commit()
        return schedule

    def schedules(self, actor: Actor) -> list[SyncSchedule]:
        """Every provider's schedule and last run (admins)."""
        actor.require(Role.ADMIN)
        return self.all()

    def all(self) -> list[SyncSchedule]:
        with self._schedules() as store:
            return store.schedules()

    def run_due(self) -> int:
        """Sync every provider that is due and not running elsewhere; how many ran."""
        ran = 0
        now = self._clock.now()
        with self._schedules() as store:
            due = store.due(now)
        for name in due:
            now = self._clock.now()
            with self._schedules() as store:
                claimed = store.claim(name, self.worker, now, now + self.lease)
                schedule = store.schedule(name) if claimed else None
                store.commit()
            if schedule is not None:
                self._run(schedule)
                ran += 1
        return ran

    def _run(self, schedule: SyncSchedule) -> None:
        name = schedule.provider
        full = schedule.full_due(self._clock.now())
        renewed_at = [self._clock.now()]
        rows = [0]

        def renew(count: int) -> None:
            rows[0] += count
            if rows[0] % RENEW_CHECK_ROWS:
                return
            now = self._clock.now()
            if now - renewed_at[0] >= self.lease / 3:
                renewed_at[0] = now
                try:  # called between batches: the import holds no write lock then
                    with self._schedules() as store:
                        if not store.renew(name, self.worker, now + self.lease):
                            log.warning("roster sync %s: lease lost to another worker", name)
                        store.commit()
                except Exception:  # the sync goes on; the next check tries again
                    log.exception("roster sync %s: the lease could not be renewed", name)

        report_id: str | None = None
        try:
            report = self._sync.sync(name, full=full, progress=renew)
        except Exception as error:  # a report says what failed, and the run is retried
            log.exception("scheduled roster sync of %s failed", name)
            status, message = ReportStatus.FAILED.value, f"{type(error).__name__}: {error}"
            try:
                provider = self._sync.provider(name)
                report_id = self._roster.record_failure(provider.scope_id, name, message).id
            except Exception:
                log.exception("roster sync %s: the failure could not be reported", name)
        else:
            status, report_id = report.status.value, report.id
            failures = (p.message for p in report.problems if p.code == "SOURCE_FAILED")
            message = next(failures, report.message)
        with self._schedules() as store:
            current = store.schedule(name)
            if current.leased_by not in (None, self.worker):
                log.warning("roster sync %s finished after its lease passed to another", name)
                return
            problem = message if status == ReportStatus.FAILED.value else None
            store.save(current.after_run(self._clock.now(), full, status, report_id, problem))
            store.commit()
