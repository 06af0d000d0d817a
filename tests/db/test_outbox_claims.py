"""Outbox leases on the real databases: one claim per due row, even for concurrent workers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from lti_tool.db.engine import make_engine, make_session_factory
from lti_tool.db.uow import SqlUnitOfWorkFactory
from lti_tool.domain.model import OutboxEvent, new_id

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
TOPIC = "credential.awarded"


@pytest.fixture
def uow_factory(database_url: str) -> Iterator[SqlUnitOfWorkFactory]:
    engine = make_engine(database_url)
    yield SqlUnitOfWorkFactory(make_session_factory(engine))
    engine.dispose()


def add(uow_factory: SqlUnitOfWorkFactory, count: int, topic: str = TOPIC) -> list[str]:
    ids = []
    with uow_factory() as uow:
        for n in range(count):
            event = OutboxEvent(new_id(), topic, f"{topic}:{n}", {"n": n}, T0)
            uow.outbox.add(event)
            ids.append(event.id)
        uow.commit()
    return ids


def claim(uow_factory: SqlUnitOfWorkFactory, worker: str, now: datetime, limit: int = 100):  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        claimed = uow.outbox.claim_due(now, now + timedelta(minutes=5), worker, [TOPIC], limit)
        uow.commit()
    return claimed


def test_a_claim_leases_due_rows_of_its_topics_only(uow_factory: SqlUnitOfWorkFactory) -> None:
    ids = add(uow_factory, 3)
    add(uow_factory, 1, topic="other.topic")
    first = claim(uow_factory, "w1", T0, limit=2)
    assert [event.attempts for event in first] == [1, 1]
    rest = claim(uow_factory, "w2", T0)
    assert {event.id for event in first + rest} == set(ids)
    assert claim(uow_factory, "w3", T0 + timedelta(minutes=4)) == []  # all leased
    again = claim(uow_factory, "w3", T0 + timedelta(minutes=6))  # leases ran out
    assert {event.id for event in again} == set(ids)
    assert {event.attempts for event in again} == {2}


def test_delivered_retried_and_dead_rows(uow_factory: SqlUnitOfWorkFactory) -> None:
    delivered, retried, dead = add(uow_factory, 3)
    claim(uow_factory, "w", T0)
    with uow_factory() as uow:
        uow.outbox.mark_delivered(delivered, T0)
        uow.outbox.retry_at(retried, T0 + timedelta(hours=1), "503 from the target")
        uow.outbox.mark_dead(dead, T0, "403: no scope")
        uow.commit()
    later = T0 + timedelta(hours=2)
    assert [event.id for event in claim(uow_factory, "w", later)] == [retried]
    with uow_factory() as uow:
        counts = uow.outbox.status_counts()
        assert uow.outbox.get(dead).last_error == "403: no scope"
    assert counts == {TOPIC: {"delivered": 1, "dead": 1, "pending": 1}}


def test_concurrent_workers_never_claim_the_same_row(
    uow_factory: SqlUnitOfWorkFactory, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one worker (documented); PostgreSQL shares rows with SKIP LOCKED")
    ids = add(uow_factory, 60)
    claimed: dict[str, list[str]] = {}
    start = threading.Barrier(4)

    def work(name: str) -> None:
        start.wait()
        mine: list[str] = []
        while batch := claim(uow_factory, name, T0, limit=3):
            mine.extend(event.id for event in batch)
        claimed[name] = mine

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [event_id for batch in claimed.values() for event_id in batch]
    assert sorted(every) == sorted(ids)  # each row exactly once
    assert sum(1 for batch in claimed.values() if batch) >= 2  # the load was shared
