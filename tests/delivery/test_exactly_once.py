"""Exactly once in effect: a worker killed mid-delivery, two workers on PostgreSQL, a replay."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.bootstrap import build
from lti_tool.db.models import OutboxEventRow
from lti_tool.domain.delivery import DeliveryStatus
from lti_tool.services.delivery import DELIVERY_TOPIC
from tests.delivery.conftest import District, kill_worker_at_first_post, make_district
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.web.conftest import make_settings


def _expire_leases(engine: object) -> None:
    """The lease of a killed worker runs out (time passes)."""
    with Session(engine) as session:  # type: ignore[call-overload]
        for row in session.scalars(
            select(OutboxEventRow).where(OutboxEventRow.delivered_at.is_(None))
        ):
            row.available_at = row.available_at - timedelta(minutes=10)
        session.commit()


@pytest.mark.slow
def test_a_worker_killed_mid_delivery_loses_and_duplicates_nothing(
    district: District, database_url: str, tmp_path: Path
) -> None:
    container = district.container
    with WebhookReceiver(secret="k", delay=30.0) as receiver:
        award_id = district.award()
        container.worker.drain()  # issues the credential
        container.delivery_admin.add_target(
            None, "webhook", "hook", {"url": receiver.base_url}, {"secret": "k"}
        )
        assert container.delivery_admin.backfill(None, "hook") == 1
        kill_worker_at_first_post(receiver, database_url, tmp_path)
        (delivery,) = container.delivery_admin.deliveries_for_award(None, award_id)
        assert delivery.status is DeliveryStatus.PENDING  # the kill left no record of success
        receiver.delay = 0.0
        deadline = time.monotonic() + 40
        while not receiver.received and time.monotonic() < deadline:  # the first POST finishes
            time.sleep(0.05)
        _expire_leases(container.engine)
        report = container.worker.drain()
        assert report.delivered == 1 and report.dead == 0
    (delivery,) = container.delivery_admin.deliveries_for_award(None, award_id)
    assert delivery.status is DeliveryStatus.DELIVERED
    assert "already" in delivery.last_answer
    assert [body["award_id"] for body in receiver.received.values()] == [award_id]


def test_two_workers_on_postgresql_share_the_queue_without_duplicates(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers run at once only on PostgreSQL (SKIP LOCKED)")
    settings = make_settings(database_url, tmp_path / "instance")
    first, second = build(settings), build(settings)
    try:
        from lti_tool.demo import load_catalog_file
        from lti_tool.domain.catalog import parse_catalog
        from tests.web.conftest import DEMO_CATALOG

        first.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
        district = make_district(first)
        with WebhookReceiver(secret="k") as receiver:
            first.delivery_admin.add_target(
                None, "webhook", "hook", {"url": receiver.base_url}, {"secret": "k"}
            )
            awards = [district.award() for _ in range(12)]
            reports = []
            threads = [
                threading.Thread(target=lambda c=c: reports.append(c.worker.drain(batch=2)))
                for c in (first, second)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
            assert sum(r.dead for r in reports) == 0
            assert receiver.posts == 12  # each delivery sent exactly once
            assert sorted(b["award_id"] for b in receiver.received.values()) == sorted(awards)
            assert all(r.delivered > 0 for r in reports), reports  # both workers took a share
        with Session(first.engine) as session:
            rows = session.scalars(
                select(OutboxEventRow).where(OutboxEventRow.topic == DELIVERY_TOPIC)
            ).all()
        assert len(rows) == 12 and all(row.delivered_at is not None for row in rows)
    finally:
        for container in (first, second):
            container.pdms.close()
            container.engine.dispose()
