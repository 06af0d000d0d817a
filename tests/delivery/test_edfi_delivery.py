"""Awards reach a fake Ed-Fi ODS/API through the outbox worker, once in effect."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.http import HttpClient
from connectors.pdms.edfi.adapter import EdFiTarget
from lti_tool.bootstrap import Container
from lti_tool.db.models import AuditEntryRow, OutboxEventRow
from lti_tool.domain.delivery import DeliveryStatus, TargetBusy, TargetRefused, title_key
from lti_tool.services.delivery import DELIVERY_TOPIC
from tests.delivery.conftest import District
from tests.fakes.edfi import FakeEdFi

NS = "uri://maple.example/PD"


@pytest.fixture
def edfi() -> Iterator[FakeEdFi]:
    with FakeEdFi() as fake:
        yield fake


def connect(district: District, edfi: FakeEdFi, secret: str = "s3cret") -> str:
    target = district.container.delivery_admin.add_target(
        None,
        "edfi",
        "state-ods",
        {"base_url": edfi.base_url, "client_id": "district", "namespace": NS},
        {"client_secret": secret},
    )
    return target.id


def later(container: Container, seconds: float) -> None:
    """Move every pending outbox row's time to now (the backoff has passed)."""
    with Session(container.engine) as session:
        for row in session.scalars(
            select(OutboxEventRow).where(OutboxEventRow.delivered_at.is_(None))
        ):
            row.available_at = row.available_at - timedelta(seconds=seconds)
        session.commit()


def test_an_award_creates_the_event_on_409_and_the_attendance_once(
    district: District, edfi: FakeEdFi
) -> None:
    container = district.container
    target_id = connect(district, edfi)
    award_id = district.award("Eda Educator")
    report = container.worker.drain()
    assert report.dead == 0 and report.retried == 0

    assert len(edfi.events) == 1
    (event,) = edfi.events.values()
    assert event["totalHours"] == 15
    assert event["professionalDevelopmentTitle"] == title_key(event["professionalDevelopmentTitle"])
    (held,) = edfi.attendances.values()
    assert held["body"]["personReference"]["personId"].startswith("E")
    (delivery,) = container.delivery_admin.deliveries_for_award(None, award_id)
    assert delivery.status is DeliveryStatus.DELIVERED
    assert delivery.target_id == target_id and delivery.attempts == 1
    assert delivery.remote_ref in edfi.attendances

    # A replay of the old outbox row changes nothing at the target.
    with Session(container.engine) as session:
        row = session.scalars(
            select(OutboxEventRow).where(OutboxEventRow.topic == DELIVERY_TOPIC)
        ).one()
        row.delivered_at = None
        row.available_at = row.created_at
        session.commit()
    posts = len(edfi.requests)
    assert container.worker.drain().delivered == 1
    assert len(edfi.requests) == posts and len(edfi.attendances) == 1

    with Session(container.engine) as session:
        attempts = session.scalars(
            select(AuditEntryRow).where(
                AuditEntryRow.entity_type == "delivery", AuditEntryRow.action == "attempt"
            )
        ).all()
    assert [(a.entity_id, a.to_state) for a in attempts] == [(delivery.id, "delivered")]


def test_tokens_are_reused_until_they_expire(district: District, edfi: FakeEdFi) -> None:
    container = district.container
    connect(district, edfi)
    district.award()
    district.award()
    container.worker.drain()
    assert len(edfi.tokens) == 1
    edfi.expire_tokens()
    district.award()
    container.worker.drain()
    assert len(edfi.tokens) == 2
    assert len(edfi.attendances) == 3


def test_429_and_500_retry_with_backoff_and_400_goes_to_a_person(
    district: District, edfi: FakeEdFi
) -> None:
    container = district.container
    connect(district, edfi)
    award_id = district.award()
    edfi.fail_next(429, retry_after=120)
    report = container.worker.drain()
    assert report.retried == 1
    (delivery,) = container.delivery_admin.deliveries_for_award(None, award_id)
    assert delivery.status is DeliveryStatus.RETRYING and delivery.last_status_code == 429
    with Session(container.engine) as session:
        row = session.scalars(
            select(OutboxEventRow).where(OutboxEventRow.topic == DELIVERY_TOPIC)
        ).one()
        assert (row.available_at - row.created_at).total_seconds() >= 119  # honours Retry-After
    later(container, 200)
    edfi.fail_next(500)
    assert container.worker.drain().retried == 1
    later(container, 4000)
    assert container.worker.drain().delivered == 1
    (delivery,) = container.delivery_admin.deliveries_for_award(None, award_id)
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 3

    # A data model the target refuses: 400 problem details, no automatic retry.
    container.delivery_admin.add_target(
        None,
        "edfi",
        "bad-descriptor",
        {
            "base_url": edfi.base_url,
            "client_id": "district",
            "namespace": NS,
            "source_system": "Nowhere",
        },
        {"client_secret": "s3cret"},
    )
    second = district.award()
    report = container.worker.drain()
    assert report.dead == 1
    refused = [
        d
        for d in container.delivery_admin.deliveries_for_award(None, second)
        if d.status is DeliveryStatus.REFUSED
    ]
    assert len(refused) == 1
    assert refused[0].last_status_code == 400
    assert "Data Validation Failed" in refused[0].last_answer
    assert "sourceSystemDescriptor: unknown descriptor" in refused[0].last_answer


def test_wrong_secret_is_refused_and_a_person_can_retry_after_fixing(
    district: District, edfi: FakeEdFi
) -> None:
    container = district.container
    connect(district, edfi, secret="wrong")
    ok, said = container.delivery_admin.test(None, "state-ods")
    assert not ok and "401" in said
    award_id = district.award()
    assert container.worker.drain().dead == 1
    (delivery,) = container.delivery_admin.deliveries_for_award(None, award_id)
    assert delivery.status is DeliveryStatus.REFUSED and delivery.last_status_code == 401
    edfi.client_secret = "wrong"  # the district fixed it on their side
    container.delivery_admin.retry(district.admin, delivery.id)
    assert container.worker.drain().delivered == 1
    assert container.delivery_admin.delivery(None, delivery.id).status is DeliveryStatus.DELIVERED
    with Session(container.engine) as session:
        count = session.scalar(
            select(func.count())
            .select_from(OutboxEventRow)
            .where(OutboxEventRow.topic == DELIVERY_TOPIC)
        )
    assert count == 2


def test_revocation_deletes_the_attendance_and_reconcile_agrees(
    district: District, edfi: FakeEdFi
) -> None:
    container = district.container
    connect(district, edfi)
    award_id = district.award()
    container.worker.drain()
    assert container.delivery_admin.reconcile(None, "state-ods") == (True, [])
    credential = container.credentials.issue_for_award(award_id).credential
    container.credentials.revoke(district.issuer, credential.id, "Evidence was not their own.")
    container.worker.drain()
    assert edfi.attendances == {}
    actions = {
        d.action.value: d.status
        for d in container.delivery_admin.deliveries_for_award(None, award_id)
    }
    assert actions == {"award": DeliveryStatus.DELIVERED, "revoke": DeliveryStatus.DELIVERED}
    assert container.delivery_admin.reconcile(None, "state-ods") == (True, [])
    # Someone deletes a delivered attendance at the target: reconcile reports it.
    other = district.award()
    container.worker.drain()
    edfi.attendances.clear()
    readable, differences = container.delivery_admin.reconcile(None, "state-ods")
    assert readable and [d.award_id for d in differences] == [other]


def test_backfill_sends_history_once(district: District, edfi: FakeEdFi) -> None:
    container = district.container
    first, second = district.award(), district.award()
    container.worker.drain()
    connect(district, edfi)
    assert container.delivery_admin.backfill(None, "state-ods") == 2
    assert container.delivery_admin.backfill(None, "state-ods") == 0
    container.worker.drain()
    assert len(edfi.attendances) == 2
    del first, second


def _target(edfi: FakeEdFi, read_timeout: float = 5.0) -> EdFiTarget:
    http = HttpClient(max_attempts=1, timeout=(2.0, read_timeout))
    config = {"base_url": edfi.base_url, "client_id": "district", "namespace": NS}
    return EdFiTarget.build(http, config, {"client_secret": "s3cret"})


def test_a_timeout_is_retriable_and_an_old_data_model_is_refused(edfi: FakeEdFi) -> None:
    edfi.fail_next(0, stall=1.0)
    with pytest.raises(TargetBusy, match="timed out"):
        _target(edfi, read_timeout=0.3).check()
    assert "data model 6.0.0" in _target(edfi).check()
    edfi.data_model = "3.3.1"
    with pytest.raises(TargetRefused, match=r"older than 5\.0"):
        _target(edfi).check()
