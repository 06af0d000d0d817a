"""The outbox worker: hands each due event to its consumer, exactly once in effect.

Rows are leased, not locked across the work: a claim moves ``available_at`` forward by the lease
and commits, the consumer runs, and a second short transaction marks the row delivered or
schedules the retry. A worker killed mid-way leaves the lease to expire, and another worker runs
the event again; consumers are idempotent (they check what they already did), so a repeat is
harmless. On PostgreSQL claims use ``FOR UPDATE SKIP LOCKED``, so several workers share the load.

Retries back off exponentially with full jitter, never sooner than a ``Retry-After`` the other
side sent; a :class:`~lti_tool.domain.errors.DeliveryRefused` or the last allowed attempt moves
the row to the dead-letter state for a person to look at.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from lti_tool.domain.errors import DeliveryError, DomainError
from lti_tool.domain.model import OutboxEvent
from lti_tool.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)

Consumer = Callable[[OutboxEvent], None]
"""Does the work an event asks for. Raises DeliveryError when it could not."""

PeriodicJob = Callable[[], int]
"""Work the worker does on every poll besides events (scheduled roster syncs); it finds what is
due itself, keeps two workers apart itself, and returns how many things it did."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(minutes=5)
    """Longer than any single delivery may take; a crashed worker's rows return after it."""

    def delay(self, attempts: int, retry_after: float | None, rand: random.Random) -> timedelta:
        """Equal jitter: uniform in [c/2, c], c = base·2^(n-1) capped; never below Retry-After."""
        ceiling = min(
            self.max_delay.total_seconds(),
            self.base_delay.total_seconds() * 2 ** max(0, attempts - 1),
        )
        seconds = rand.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            seconds = max(seconds, retry_after)
        return timedelta(seconds=min(seconds, self.max_delay.total_seconds()))


@dataclass(frozen=True)
class DrainReport:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    jobs: int = 0
    """Periodic jobs that did something (e.g. scheduled roster syncs run)."""

    def __add__(self, other: DrainReport) -> DrainReport:
        return DrainReport(
            self.delivered + other.delivered,
            self.retried + other.retried,
            self.dead + other.dead,
            self.jobs + other.jobs,
        )


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class OutboxWorker:
    """Runs consumers for due outbox events (``credbridge worker``)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        consumers: Mapping[str, Consumer],
        policy: RetryPolicy | None = None,
        name: str | None = None,
        rand: random.Random | None = None,
        periodic: Sequence[PeriodicJob] = (),
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._consumers = dict(consumers)
        self.policy = policy or RetryPolicy()
        self.name = name or worker_name()
        self._rand = rand or random.Random()  # noqa: S311 - jitter, not secrets
        self.periodic = list(periodic)

    @property
    def topics(self) -> list[str]:
        return sorted(self._consumers)

    def run_once(self, batch: int = 20) -> DrainReport:
        """Claim up to ``batch`` due events and run them. Returns what happened."""
        now = self._clock.now()
        with self._uow() as uow:
            events = uow.outbox.claim_due(
                now, now + self.policy.lease, self.name, self.topics, batch
            )
            uow.commit()
        report = DrainReport()
        for event in events:
            report = report + self._run(event)
        for job in self.periodic:
            try:
                report = report + DrainReport(jobs=job())
            except Exception:  # one failing job must not stop deliveries
                log.exception("periodic job %s failed", getattr(job, "__qualname__", job))
        return report

    def drain(self, batch: int = 20, max_rounds: int = 1000) -> DrainReport:
        """Run until nothing is due now (``credbridge worker --drain``)."""
        total = DrainReport()
        for _ in range(max_rounds):
            report = self.run_once(batch)
            total = total + report
            if report == DrainReport():
                break
        return total

    def _run(self, event: OutboxEvent) -> DrainReport:
        consumer = self._consumers[event.topic]
        try:
            consumer(event)
        except DeliveryError as error:
            return self._failed(event, str(error), error.retriable, error.retry_after)
        except DomainError as error:
            # Our own rules refused the work (a missing row, an invalid state): retrying will
            # not change that, so a person looks at it.
            details = "; ".join(getattr(error, "problems", []) or [])
            message = f"{type(error).__name__}: {error}" + (f" ({details})" if details else "")
            return self._failed(event, message, False, None)
        except Exception as error:
            log.exception("outbox event %s (%s) failed", event.id, event.topic)
            return self._failed(event, f"{type(error).__name__}: {error}", True, None)
        with self._uow() as uow:
            uow.outbox.mark_delivered(event.id, self._clock.now())
            uow.commit()
        return DrainReport(delivered=1)

    def _failed(
        self, event: OutboxEvent, error: str, retriable: bool, retry_after: float | None
    ) -> DrainReport:
        now = self._clock.now()
        with self._uow() as uow:
            if retriable and event.attempts < self.policy.max_attempts:
                delay = self.policy.delay(event.attempts, retry_after, self._rand)
                uow.outbox.retry_at(event.id, now + delay, error)
                uow.commit()
                log.warning("outbox event %s retries in %ss: %s", event.id, delay, error)
                return DrainReport(retried=1)
            uow.outbox.mark_dead(event.id, now, error)
            uow.commit()
            log.error(
                "outbox event %s is dead after %s attempts: %s", event.id, event.attempts, error
            )
            return DrainReport(dead=1)
