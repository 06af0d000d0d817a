"""The outbox worker over the in-memory unit of work: delivery, retries, dead letters, leases."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from lti_tool.domain.errors import DeliveryRefused, NotFoundError, RetryLater
from lti_tool.domain.model import OutboxEvent, new_id
from lti_tool.services.outbox import DrainReport, OutboxWorker, RetryPolicy
from tests.fakes.memory import FakeClock, InMemoryUnitOfWorkFactory

TOPIC = "credential.awarded"


def add_event(
    uow_factory: InMemoryUnitOfWorkFactory, clock: FakeClock, key: str, topic: str = TOPIC
) -> str:
    event = OutboxEvent(new_id(), topic, key, {"n": key}, clock.now())
    with uow_factory() as uow:
        uow.outbox.add(event)
        uow.commit()
    return event.id


def stored(uow_factory: InMemoryUnitOfWorkFactory, event_id: str) -> OutboxEvent:
    with uow_factory() as uow:
        return uow.outbox.get(event_id)


@pytest.fixture
def parts() -> tuple[InMemoryUnitOfWorkFactory, FakeClock]:
    return InMemoryUnitOfWorkFactory(), FakeClock()


def test_each_due_event_reaches_its_consumer_once(
    parts: tuple[InMemoryUnitOfWorkFactory, FakeClock],
) -> None:
    uow_factory, clock = parts
    seen: list[str] = []
    ids = [add_event(uow_factory, clock, f"k{n}") for n in range(3)]
    worker = OutboxWorker(uow_factory, clock, {TOPIC: lambda e: seen.append(e.payload["n"])})
    assert worker.drain() == DrainReport(delivered=3)
    assert sorted(seen) == ["k0", "k1", "k2"]
    assert all(stored(uow_factory, event_id).delivered_at == clock.now() for event_id in ids)
    assert worker.drain() == DrainReport()  # nothing twice
    assert seen.count("k0") == 1


def test_temporary_failures_back_off_and_honour_retry_after(
    parts: tuple[InMemoryUnitOfWorkFactory, FakeClock],
) -> None:
    uow_factory, clock = parts
    event_id = add_event(uow_factory, clock, "k")
    calls: list[int] = []

    def flaky(event: OutboxEvent) -> None:
        calls.append(event.attempts)
        if len(calls) < 3:
            raise RetryLater("429 Too Many Requests", retry_after=600)

    worker = OutboxWorker(uow_factory, clock, {TOPIC: flaky}, rand=random.Random(1))
    assert worker.drain() == DrainReport(retried=1)
    assert "429" in (stored(uow_factory, event_id).last_error or "")
    clock.advance(seconds=599)
    assert worker.drain() == DrainReport()  # Retry-After is respected
    clock.advance(seconds=2)
    assert worker.drain() == DrainReport(retried=1)
    clock.advance(hours=1)
    assert worker.drain() == DrainReport(delivered=1)
    assert calls == [1, 2, 3]


def test_refusals_and_the_last_attempt_go_to_the_dead_letter_state(
    parts: tuple[InMemoryUnitOfWorkFactory, FakeClock],
) -> None:
    uow_factory, clock = parts
    refused = add_event(uow_factory, clock, "refused")
    flaky = add_event(uow_factory, clock, "flaky")

    def consumer(event: OutboxEvent) -> None:
        if event.payload["n"] == "refused":
            raise DeliveryRefused("403 Forbidden: the token lacks the scope")
        raise RetryLater("503")

    policy = RetryPolicy(max_attempts=3, base_delay=timedelta(seconds=1))
    worker = OutboxWorker(uow_factory, clock, {TOPIC: consumer}, policy=policy)
    assert worker.drain() == DrainReport(retried=1, dead=1)
    assert stored(uow_factory, refused).dead_at is not None
    assert "403" in (stored(uow_factory, refused).last_error or "")
    for _ in range(3):
        clock.advance(hours=7)
        worker.drain()
    dead = stored(uow_factory, flaky)
    assert dead.dead_at is not None and dead.attempts == 3
    clock.advance(days=1)
    assert worker.drain() == DrainReport()  # dead rows are never retried


def test_our_own_refusal_is_not_retried(
    parts: tuple[InMemoryUnitOfWorkFactory, FakeClock],
) -> None:
    uow_factory, clock = parts
    event_id = add_event(uow_factory, clock, "k")

    def missing(event: OutboxEvent) -> None:
        raise NotFoundError("That award does not exist.")

    assert OutboxWorker(uow_factory, clock, {TOPIC: missing}).drain() == DrainReport(dead=1)
    assert "NotFoundError" in (stored(uow_factory, event_id).last_error or "")


def test_a_worker_killed_mid_delivery_leaves_the_row_to_another_after_the_lease(
    parts: tuple[InMemoryUnitOfWorkFactory, FakeClock],
) -> None:
    uow_factory, clock = parts
    event_id = add_event(uow_factory, clock, "k")
    policy = RetryPolicy(lease=timedelta(minutes=5))
    with uow_factory() as uow:  # the first worker claims, then dies before finishing
        claimed = uow.outbox.claim_due(
            clock.now(), clock.now() + policy.lease, "dead-worker", [TOPIC], 10
        )
        uow.commit()
    assert [event.id for event in claimed] == [event_id]
    delivered: list[str] = []
    second = OutboxWorker(uow_factory, clock, {TOPIC: lambda e: delivered.append(e.id)}, policy)
    assert second.drain() == DrainReport()  # still leased
    clock.advance(minutes=6)
    assert second.drain() == DrainReport(delivered=1)
    assert delivered == [event_id]
    assert stored(uow_factory, event_id).attempts == 2
