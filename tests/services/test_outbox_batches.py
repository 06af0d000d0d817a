"""Batch consumers: one call for a topic's claimed rows, each row settled by its own outcome."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from lti_tool.domain.errors import DeliveryRefused, NotFoundError, RetryLater
from lti_tool.domain.model import AuditEntry, OutboxEvent, new_id
from lti_tool.ports import AuditFilter, UnitOfWork
from lti_tool.services.outbox import (
    BatchResult,
    DrainReport,
    OutboxWorker,
    Outcomes,
    RetryPolicy,
)
from tests.fakes.memory import FakeClock, InMemoryUnitOfWorkFactory
from tests.services.test_outbox_worker import add_event as add_single
from tests.services.test_outbox_worker import stored

TOPIC = "delivery.send"
OTHER = "credential.awarded"


def add_event(uow_factory: InMemoryUnitOfWorkFactory, clock: FakeClock, key: str) -> str:
    return add_single(uow_factory, clock, key, TOPIC)


class Recorder:
    """A batch consumer whose answer for each event is set by the test (``ok`` by default)."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.answers: dict[str, BaseException | None] = {}

    def __call__(self, events: Sequence[OutboxEvent]) -> Outcomes:
        self.batches.append([str(event.payload["n"]) for event in events])
        return {event.id: self.answers.get(str(event.payload["n"])) for event in events}


@pytest.fixture
def parts() -> tuple[InMemoryUnitOfWorkFactory, FakeClock]:
    return InMemoryUnitOfWorkFactory(), FakeClock()


def test_a_mixed_batch_settles_each_row_by_its_own_outcome(
    parts: tuple[InMemoryUnitOfWorkFactory, FakeClock],
) -> None:
    uow_factory, clock = parts
    ok, busy, refused = (add_event(uow_factory, clock, key) for key in ("ok", "busy", "refused"))
    consumer = Recorder()
    consumer.answers = {
        "busy": RetryLater("503 Service Unavailable", retry_after=900),
        "refused": DeliveryRefused("403 Forbidden"),
    }
    worker = OutboxWorker(
        uow_factory, clock, {}, rand=random.Random(1), batch_consumers={TOPIC: consumer}
    )
    assert worker.run_once() == DrainReport(delivered=1, retried=1, dead=1)
    assert consumer.batches == [["ok", "busy", "refused"]]  # one call for the claimed batch
    assert stored(uow_factory, ok).delivered_at == clock.now()
    assert stored(uow_factory, refused).dead_at is not None
    assert "403" in (stored(uow_factory, refused).last_error or "")
    assert "503" in (stored(uow_factory, busy).last_error or "")
    clock.advance(seconds=899)
    assert worker.drain() == DrainReport()  # Retry-After holds; the others are settled
    clock.advance(seconds=2)
    consumer.answers = {}
    assert worker.drain() == DrainReport(delivered=1)
    assert consumer.batches[1:] == [["busy"]]  # only the retried row runs again
    assert stored(uow_factory, busy).attempts == 2


def test_a_broken_batch_consumer_or_a_missing_outcome_retries_the_rows(
    parts: tuple[InMemoryUnitOfWorkFactory, FakeClock],
) -> None:
    uow_factory, clock = parts
    first, second = add_event(uow_factory, clock, "a"), add_event(uow_factory, clock, "b")

    def broken(events: Sequence[OutboxEvent]) -> Outcomes:
        raise RuntimeError("the database went away")

    def forgetful(events: Sequence[OutboxEvent]) -> Outcomes:
        return {event.id: None for event in events if event.payload["n"] == "a"}

    policy = RetryPolicy(base_delay=timedelta(seconds=1))
    worker = OutboxWorker(uow_factory, clock, {}, policy, batch_consumers={TOPIC: broken})
    assert worker.run_once() == DrainReport(retried=2)
    assert "RuntimeError" in (stored(uow_factory, first).last_error or "")
    clock.advance(minutes=1)
    worker = OutboxWorker(uow_factory, clock, {}, policy, batch_consumers={TOPIC: forgetful})
    assert worker.run_once() == DrainReport(delivered=1, retried=1)
    assert stored(uow_factory, first).delivered_at is not None
    assert "no outcome" in (stored(uow_factory, second).last_error or "")


def test_a_batch_result_is_written_with_the_rows_settlement_or_not_at_all(
    parts: tuple[InMemoryUnitOfWorkFactory, FakeClock],
) -> None:
    """A consumer's record (here an audit entry per event) commits in the transaction that
    settles the rows; when writing it fails, nothing of it is kept and every row retries."""
    uow_factory, clock = parts
    first, second = add_event(uow_factory, clock, "a"), add_event(uow_factory, clock, "b")
    fail = {"now": True}

    def recording(events: Sequence[OutboxEvent]) -> BatchResult:
        def write(uow: UnitOfWork, now: datetime) -> None:
            uow.audit.append_many(
                [
                    AuditEntry(new_id(), now, None, "test", event.id, "attempt", None, "done")
                    for event in events
                ]
            )
            if fail["now"]:  # one of our own refusals: still no verdict on the events
                raise NotFoundError("the record could not be written")

        return BatchResult({event.id: None for event in events}, write)

    def written() -> list[str]:
        with uow_factory() as uow:
            return sorted(e.entity_id for e in uow.audit.page(AuditFilter("test"), 10, 0))

    policy = RetryPolicy(base_delay=timedelta(seconds=1))
    worker = OutboxWorker(uow_factory, clock, {}, policy, batch_consumers={TOPIC: recording})
    assert worker.run_once() == DrainReport(retried=2)
    assert written() == []  # nothing half-kept
    assert "could not be written" in (stored(uow_factory, first).last_error or "")
    assert stored(uow_factory, second).delivered_at is None
    clock.advance(minutes=1)
    fail["now"] = False
    assert worker.run_once() == DrainReport(delivered=2)
    assert written() == sorted([first, second])
    assert stored(uow_factory, first).delivered_at == clock.now()


def test_a_worker_killed_mid_batch_leaves_every_row_to_another_after_the_lease(
    parts: tuple[InMemoryUnitOfWorkFactory, FakeClock],
) -> None:
    uow_factory, clock = parts
    ids = [add_event(uow_factory, clock, f"k{n}") for n in range(3)]
    policy = RetryPolicy(lease=timedelta(minutes=5))
    with uow_factory() as uow:  # the first worker claims the batch, then dies before settling
        claimed = uow.outbox.claim_due(
            clock.now(), clock.now() + policy.lease, "dead-worker", [TOPIC], 10
        )
        uow.commit()
    assert sorted(event.id for event in claimed) == sorted(ids)
    consumer = Recorder()
    second = OutboxWorker(uow_factory, clock, {}, policy, batch_consumers={TOPIC: consumer})
    assert second.drain() == DrainReport()  # still leased
    clock.advance(minutes=6)
    assert second.drain() == DrainReport(delivered=3)
    assert consumer.batches == [["k0", "k1", "k2"]]
    assert all(stored(uow_factory, event_id).attempts == 2 for event_id in ids)


def test_single_and_batch_consumers_share_a_worker(
    parts: tuple[InMemoryUnitOfWorkFactory, FakeClock],
) -> None:
    uow_factory, clock = parts
    add_event(uow_factory, clock, "batched")
    add_single(uow_factory, clock, "single", OTHER)
    singles: list[str] = []
    consumer = Recorder()
    worker = OutboxWorker(
        uow_factory,
        clock,
        {OTHER: lambda event: singles.append(str(event.payload["n"]))},
        batch_consumers={TOPIC: consumer},
    )
    assert worker.topics == [OTHER, TOPIC]
    assert worker.drain() == DrainReport(delivered=2)
    assert singles == ["single"] and consumer.batches == [["batched"]]
    with pytest.raises(ValueError, match="either"):
        OutboxWorker(uow_factory, clock, {TOPIC: singles.append}, batch_consumers={TOPIC: consumer})
