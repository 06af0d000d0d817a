"""The outbox worker: hands each due event to its consumer, exactly once in effect.

Rows are leased, not locked across the work: a claim moves ``available_at`` forward by the lease
and commits, the consumer runs, and a second short transaction marks the row delivered or
schedules the retry. A worker killed mid-way leaves the lease to expire, and another worker runs
the event again; consumers are idempotent (they check what they already did), so a repeat is
harmless. On PostgreSQL claims use ``FOR UPDATE SKIP LOCKED``, so several workers share the load.

Retries back off exponentially with full jitter, never sooner than a ``Retry-After`` the other
side sent; a :class:`~lti_tool.domain.errors.DeliveryRefused` or the last allowed attempt moves
the row to the dead-letter state for a person to look at.

A topic may instead have a :class:`BatchConsumer`: it gets every claimed event of its topic at
once and answers one outcome per event (``None`` for done, the exception otherwise), so it can
read the whole batch in one transaction; with a :class:`BatchResult` it also hands the worker
the record of its work, written in the transaction that settles the batch's rows. The worker
settles the batch's rows in one transaction; each row keeps its own outcome (one failure never
fails or re-sends the others). A worker killed mid-batch leaves every row of the batch to
return after the lease.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from lti_tool.domain.errors import DeliveryError, DomainError
from lti_tool.domain.model import OutboxEvent
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

Consumer = Callable[[OutboxEvent], None]
"""Does the work an event asks for. Raises DeliveryError when it could not."""

PeriodicJob = Callable[[], int]
"""Work the worker does on every poll besides events (scheduled roster syncs); it finds what is
due itself, keeps two workers apart itself, and returns how many things it did."""
Outcomes = Mapping[str, "BaseException | None"]
"""Event id → ``None`` (done) or what went wrong; a missing id counts as a retriable failure."""


BatchWrite = Callable[[UnitOfWork, datetime], None]
"""What a batch consumer asks to write in the transaction that settles the batch's rows."""


@dataclass(frozen=True)
class BatchResult:
    """A batch consumer's answer when it has a record of its work to write: the worker writes
    it in the same transaction that settles the batch's rows, so the record and the rows'
    settlement commit together (one transaction fewer per batch). If that transaction fails,
    nothing of it is kept and every row of the batch is retried with the error."""

    outcomes: Outcomes
    write: BatchWrite


class BatchConsumer(Protocol):
    """Does the work of several events of one topic at once, with one outcome per event."""

    def __call__(self, events: Sequence[OutboxEvent]) -> Outcomes | BatchResult: ...


@dataclass(frozen=True)
class _Failure:
    message: str
    retriable: bool
    retry_after: float | None


def classify(error: BaseException, event: OutboxEvent) -> _Failure:
    """How the worker treats a consumer's exception (the same for single and batch consumers)."""
    if isinstance(error, DeliveryError):
        return _Failure(str(error), error.retriable, error.retry_after)
    if isinstance(error, DomainError):
        # Our own rules refused the work (a missing row, an invalid state): retrying will not
        # change that, so a person looks at it.
        details = "; ".join(getattr(error, "problems", []) or [])
        message = f"{type(error).__name__}: {error}" + (f" ({details})" if details else "")
        return _Failure(message, False, None)
    log.error("outbox event %s (%s) failed", event.id, event.topic, exc_info=error)
    return _Failure(f"{type(error).__name__}: {error}", True, None)


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
        batch_consumers: Mapping[str, BatchConsumer] | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._consumers = dict(consumers)
        self._batch_consumers = dict(batch_consumers or {})
        if set(self._consumers) & set(self._batch_consumers):
            raise ValueError("A topic has either a consumer or a batch consumer, not both.")
        self.policy = policy or RetryPolicy()
        self.name = name or worker_name()
        self._rand = rand or random.Random()  # noqa: S311 - jitter, not secrets
        self.periodic = list(periodic)

    @property
    def topics(self) -> list[str]:
        return sorted({*self._consumers, *self._batch_consumers})

    def run_once(self, batch: int = 20) -> DrainReport:
        """Claim up to ``batch`` due events and run them. Returns what happened."""
        now = self._clock.now()
        with self._uow() as uow:
            events = uow.outbox.claim_due(
                now, now + self.policy.lease, self.name, self.topics, batch
            )
            uow.commit()
        report = DrainReport()
        batches: dict[str, list[OutboxEvent]] = {}
        for event in events:
            if event.topic in self._batch_consumers:
                batches.setdefault(event.topic, []).append(event)
            else:
                report = report + self._run(event)
        for topic, batch_events in batches.items():
            report = report + self._run_batch(self._batch_consumers[topic], batch_events)
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
        except Exception as error:
            return self._settle([(event, error)])
        return self._settle([(event, None)])

    def _run_batch(self, consumer: BatchConsumer, events: list[OutboxEvent]) -> DrainReport:
        """One call for the batch, then every row settled by its own outcome in one commit."""
        try:
            result = consumer(events)
        except Exception as error:  # the consumer itself broke: nothing is known to be done
            return self._settle([(event, error) for event in events])
        outcomes, write = (
            (result.outcomes, result.write) if isinstance(result, BatchResult) else (result, None)
        )
        missing = RuntimeError("The batch consumer gave no outcome for this event.")
        settled = [(event, outcomes.get(event.id, missing)) for event in events]
        if write is None:
            return self._settle(settled)
        try:
            return self._settle(settled, write)
        except Exception as error:  # the record could not be written: nothing was kept
            log.error("outbox batch of %s could not be recorded", len(events), exc_info=error)
            # Retriable whatever it was (a refused write is no verdict on the events; the
            # retry policy still dead-letters a batch that keeps failing).
            failed = RuntimeError(f"the batch's record could not be written: {error}")
            return self._settle([(event, failed) for event in events])

    def _settle(
        self,
        outcomes: list[tuple[OutboxEvent, BaseException | None]],
        write: BatchWrite | None = None,
    ) -> DrainReport:
        """Record every row's own outcome, all in one transaction (with ``write`` first)."""
        now = self._clock.now()
        done = [event.id for event, error in outcomes if error is None]
        report = DrainReport(delivered=len(done))
        with self._uow() as uow:
            if write is not None:
                write(uow, now)
            uow.outbox.mark_delivered_many(done, now)
            for event, error in outcomes:
                if error is not None:
                    report = report + self._failed(uow, now, event, classify(error, event))
            uow.commit()
        return report

    def _failed(
        self, uow: UnitOfWork, now: datetime, event: OutboxEvent, failure: _Failure
    ) -> DrainReport:
        if failure.retriable and event.attempts < self.policy.max_attempts:
            delay = self.policy.delay(event.attempts, failure.retry_after, self._rand)
            uow.outbox.retry_at(event.id, now + delay, failure.message)
            log.warning("outbox event %s retries in %ss: %s", event.id, delay, failure.message)
            return DrainReport(retried=1)
        uow.outbox.mark_dead(event.id, now, failure.message)
        log.error(
            "outbox event %s is dead after %s attempts: %s",
            event.id,
            event.attempts,
            failure.message,
        )
        return DrainReport(dead=1)
