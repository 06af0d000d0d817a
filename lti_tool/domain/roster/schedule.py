"""When a OneRoster REST provider is synced by the worker: the rules, as pure functions.

Each provider has an incremental interval and a longer full-reconciliation interval. A run is
due when either time has passed; it is a full run when the full time has passed. A failed run
is retried sooner than the interval (backing off), and a failed full run stays full.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

DEFAULT_EVERY = timedelta(hours=1)
DEFAULT_FULL_EVERY = timedelta(days=7)
MIN_EVERY = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=5)
MAX_ERROR = 500


@dataclass(frozen=True)
class SyncSchedule:
    """One provider's schedule and what its last scheduled run did."""

    provider: str
    enabled: bool
    every: timedelta
    """Between incremental syncs (``dateLastModified`` deltas)."""
    full_every: timedelta
    """Between full reconciliations (``--full``: deactivates what the provider no longer lists)."""
    next_run_at: datetime
    next_full_at: datetime
    failures: int = 0
    """Scheduled runs that failed in a row; reset by a run that completes."""
    last_started_at: datetime | None = None
    last_finished_at: datetime | None = None
    last_status: str | None = None
    last_report_id: str | None = None
    last_error: str | None = None
    leased_by: str | None = None
    """The worker running it now (until ``lease_until``); None when idle."""
    lease_until: datetime | None = None

    def summary(self) -> str:
        """``every 1 hour, full every 7 days`` (or ``off``)."""
        if not self.enabled:
            return "off"
        return f"every {duration(self.every)}, full every {duration(self.full_every)}"

    def due(self, now: datetime) -> bool:
        return self.enabled and min(self.next_run_at, self.next_full_at) <= now

    def full_due(self, now: datetime) -> bool:
        return self.next_full_at <= now

    def running(self, now: datetime) -> bool:
        return self.lease_until is not None and self.lease_until > now

    def after_run(
        self, now: datetime, full: bool, status: str, report_id: str | None, error: str | None
    ) -> SyncSchedule:
        """The schedule once a run that started as ``full`` ended with ``status``."""
        done = replace(
            self,
            last_finished_at=now,
            last_status=status,
            last_report_id=report_id,
            last_error=error[:MAX_ERROR] if error else None,
            leased_by=None,
            lease_until=None,
        )
        if status == "failed":
            retry = now + retry_delay(self.failures + 1, self.every)
            return replace(
                done,
                failures=self.failures + 1,
                next_run_at=retry,
                next_full_at=retry if full else self.next_full_at,
            )
        return replace(
            done,
            failures=0,
            next_run_at=now + self.every,
            next_full_at=now + self.full_every if full else self.next_full_at,
        )


def duration(span: timedelta) -> str:
    """A whole number of the largest unit that fits: ``90 minutes``, ``2 hours``, ``7 days``."""
    minutes = int(span.total_seconds() // 60)
    for size, unit in ((1440, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0 and minutes >= size:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{int(span.total_seconds())} seconds"


def retry_delay(failures: int, every: timedelta) -> timedelta:
    """5, 10, 20... minutes after the ``failures``-th failure in a row, never over ``every``."""
    backoff: timedelta = FIRST_RETRY * 2 ** max(0, failures - 1)
    return min(every, backoff)


def new_schedule(
    provider: str,
    now: datetime,
    every: timedelta = DEFAULT_EVERY,
    full_every: timedelta = DEFAULT_FULL_EVERY,
) -> SyncSchedule:
    """A new provider's schedule: its first run, due at once, is a full one."""
    return SyncSchedule(provider, True, every, full_every, now, now)


def check_intervals(every: timedelta, full_every: timedelta) -> list[str]:
    """What is wrong with these intervals (empty when they are fine)."""
    problems = []
    if every < MIN_EVERY:
        problems.append(f"every: at least {MIN_EVERY.total_seconds() / 60:.0f} minutes.")
    if full_every < every:
        problems.append("full_every: a full reconciliation cannot come more often than a sync.")
    return problems
