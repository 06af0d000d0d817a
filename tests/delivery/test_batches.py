"""The delivery consumer takes the worker's whole batch: each delivery keeps its own outcome,
every attempt is audited, and a worker killed mid-batch loses and duplicates nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.db.models import AuditEntryRow, OutboxEventRow
from lti_tool.domain.delivery import AttemptResult, DeliveryStatus
from lti_tool.services.delivery import DELIVERY_TOPIC
from tests.delivery.conftest import District, kill_worker_at_first_post
from tests.delivery.test_exactly_once import _expire_leases
from tests.fakes.webhook_receiver import WebhookReceiver


def _outbox_rows(engine: object) -> dict[str, OutboxEventRow]:
    """Delivery id → its outbox row."""
    with Session(engine) as session:  # type: ignore[call-overload]
        rows = session.scalars(select(OutboxEventRow).where(OutboxEventRow.topic == DELIVERY_TOPIC))
        return {str(row.payload["delivery_id"]): row for row in rows}


def _attempts(engine: object) -> list[tuple[str, str]]:
    """(delivery id, new state) of every audited delivery attempt."""
    with Session(engine) as session:  # type: ignore[call-overload]
        rows = session.scalars(
            select(AuditEntryRow).where(
                AuditEntryRow.entity_type == "delivery", AuditEntryRow.action == "attempt"
            )
        )
        return sorted((row.entity_id, row.to_state or "") for row in rows)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_a_batch_with_a_success_a_retry_and_a_refusal(district: District) -> None:
    container = district.container
    with (
        WebhookReceiver(secret="k") as ok,
        WebhookReceiver(secret="k") as busy,
        WebhookReceiver(secret="other") as refusing,
    ):
        busy.busy_for = 600
        for name, receiver in (("ok", ok), ("busy", busy), ("refusing", refusing)):
            container.delivery_admin.add_target(
                None, "webhook", name, {"url": receiver.base_url}, {"secret": "k"}
            )
        award_id = district.award()  # the decision queues one delivery per target
        started = datetime.now(UTC)
        report = container.worker.run_once()
        # the badge's issuing (a single-event consumer) and one batch of three deliveries
        assert (report.delivered, report.retried, report.dead) == (2, 1, 1)
        by_target = {
            container.delivery_admin.target(None, d.target_id).name: d
            for d in container.delivery_admin.deliveries_for_award(None, award_id)
        }
        assert by_target["ok"].status is DeliveryStatus.DELIVERED
        assert by_target["busy"].status is DeliveryStatus.RETRYING
        assert by_target["busy"].last_status_code == 503
        assert by_target["refusing"].status is DeliveryStatus.REFUSED
        assert by_target["refusing"].last_status_code == 401
        assert [body["award_id"] for body in ok.received.values()] == [award_id]
        with container.uow_factory() as uow:  # the batch read found the badge issued just before
            credential = uow.credentials.for_award(award_id)
        assert credential is not None
        (sent,) = ok.received.values()
        assert sent["credential"]["verification_url"].endswith(f"/credentials/{credential.id}")
        assert len(refusing.rejected) == 1
        rows = _outbox_rows(container.engine)
        assert rows[by_target["ok"].id].delivered_at is not None
        assert rows[by_target["refusing"].id].dead_at is not None
        retry = rows[by_target["busy"].id]
        assert retry.delivered_at is None and retry.dead_at is None
        assert _aware(retry.available_at) >= started + timedelta(seconds=600)  # Retry-After
        assert _attempts(container.engine) == sorted(
            (by_target[name].id, state)
            for name, state in (("ok", "delivered"), ("busy", "retrying"), ("refusing", "refused"))
        )
        assert container.worker.drain().delivered == 0  # nothing re-sent, the retry waits
        assert ok.posts == 1 and busy.arrived == 0 and len(refusing.rejected) == 1


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(
    district: District, database_url: str, tmp_path: Path
) -> None:
    container = district.container
    with WebhookReceiver(secret="k", delay=30.0) as receiver:
        awards = [district.award() for _ in range(3)]
        container.worker.drain()  # issues the credentials
        container.delivery_admin.add_target(
            None, "webhook", "hook", {"url": receiver.base_url}, {"secret": "k"}
        )
        assert container.delivery_admin.backfill(None, "hook") == 3
        kill_worker_at_first_post(receiver, database_url, tmp_path)
        rows = _outbox_rows(container.engine)
        assert len(rows) == 3 and all(row.claimed_by for row in rows.values())  # one batch
        deliveries = [
            delivery
            for award_id in awards
            for delivery in container.delivery_admin.deliveries_for_award(None, award_id)
        ]
        assert {d.status for d in deliveries} == {DeliveryStatus.PENDING}  # nothing recorded
        receiver.delay = 0.0
        deadline = time.monotonic() + 40
        while not receiver.received and time.monotonic() < deadline:  # the first POST finishes
            time.sleep(0.05)
        _expire_leases(container.engine)
        report = container.worker.drain()
        assert (report.delivered, report.retried, report.dead) == (3, 0, 0)
    delivered = [
        delivery
        for award_id in awards
        for delivery in container.delivery_admin.deliveries_for_award(None, award_id)
    ]
    assert {d.status for d in delivered} == {DeliveryStatus.DELIVERED}
    assert sum("already" in d.last_answer for d in delivered) == 1  # the one the kill cut short
    assert sorted(body["award_id"] for body in receiver.received.values()) == sorted(awards)
    assert receiver.posts == 4  # three deliveries, one of them sent again and answered 409


def test_an_attempt_counts_up_and_keeps_an_earlier_reference_and_delivery_time(
    district: District,
) -> None:
    """The batch's attempts are applied in place (no row loaded): ``attempts + 1``, the new
    status and answer; ``remote_ref`` and ``delivered_at`` change only when an attempt brings
    them."""
    container = district.container
    container.delivery_admin.add_target(
        None, "webhook", "hook", {"url": "http://127.0.0.1:9/in"}, {"secret": "k"}
    )
    award_id = district.award()
    (delivery,) = container.delivery_admin.deliveries_for_award(None, award_id)
    t1, t2 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC), datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
    results = [
        (AttemptResult(delivery.id, DeliveryStatus.DELIVERED, 202, "accepted", "ref-1"), t1),
        (AttemptResult(delivery.id, DeliveryStatus.RETRYING, 503, "busy"), t2),
    ]
    for result, now in results:
        with container.uow_factory() as uow:
            assert uow.deliveries.statuses([delivery.id, "missing"]) == {
                delivery.id: uow.deliveries.get(delivery.id).status
            }
            uow.deliveries.record_attempts([result], now)
            uow.commit()
    (after,) = container.delivery_admin.deliveries_for_award(None, award_id)
    assert after.attempts == delivery.attempts + 2
    assert (after.status, after.last_status_code, after.last_answer) == (
        DeliveryStatus.RETRYING,
        503,
        "busy",
    )
    assert after.remote_ref == "ref-1"  # kept: the second attempt brought none
    assert after.delivered_at is not None and _aware(after.delivered_at) == t1
    assert _aware(after.updated_at) == t2
