"""An award and its ``credential.awarded`` outbox event are written in one transaction.

The submission is driven to ``awaiting_decision`` through the services, as users would; then a
row holding the outbox key the award will use is committed first, so the award's own commit is
refused. Nothing of the award may be left behind, and once the blocker is gone the same decision
goes through with exactly one award and one event.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lti_tool.bootstrap import Container, build
from lti_tool.db.models import AuditEntryRow, AwardRow, DecisionRow, OutboxEventRow
from lti_tool.demo import fill_draft, load_catalog_file
from lti_tool.domain.catalog import parse_catalog
from lti_tool.domain.errors import ConflictError, InvalidTransitionError
from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.domain.model import SectionScore
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.ports import AuditFilter
from lti_tool.services.common import Actor
from lti_tool.services.decisions import AWARDED_TOPIC
from tests.web.conftest import DEMO_CATALOG, make_settings

CREDENTIAL = "learning-goals-success-criteria"


@pytest.fixture
def container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    built = build(make_settings(database_url, tmp_path / "instance"))
    built.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
    yield built
    built.engine.dispose()


@dataclass
class Ready:
    submission_id: str
    educator: Actor
    issuer: Actor


@pytest.fixture
def awaiting_decision(container: Container) -> Ready:
    """One submission of CREDENTIAL, filled, submitted and recommended for award."""
    people = container.people
    district = people.add_organization("Maple District", OrganizationKind.DISTRICT, slug="maple")

    def actor(name: str, role: Role) -> Actor:
        return people.actor(
            people.add_person(name, organization_id=district.id, roles=((role, district.id),)).id
        )

    educator = actor("Eda Educator", Role.EDUCATOR)
    assessor = actor("Asa Assessor", Role.ASSESSOR)
    issuer = actor("Isa Issuer", Role.ISSUER)
    _, credential = container.catalog.credential(CREDENTIAL)
    assert not container.policy.double_for(credential.definition)

    submission = container.submissions.start(educator, CREDENTIAL)
    fill_draft(container, educator, submission.id, credential.definition)
    container.submissions.submit(educator, submission.id)
    container.reviews.claim(assessor, submission.id)
    scores = [
        SectionScore(section.key, section.required_level, "Meets the criteria.")
        for section in credential.definition.sections
    ]
    after = container.reviews.complete(assessor, submission.id, scores, "award")
    assert after.state is SubmissionState.AWAITING_DECISION
    return Ready(submission.id, educator, issuer)


def _count(container: Container, row: type, *where: object) -> int:
    with Session(container.engine) as session:
        return int(session.scalar(select(func.count()).select_from(row).where(*where)) or 0)


def _block_the_award_key(container: Container, submission_id: str) -> str:
    """Commit an outbox row with the key DecisionService will use, in its own transaction."""
    blocker_id = "00000000-0000-0000-0000-00000000b10c"
    now = datetime.now(UTC)
    with Session(container.engine) as session:
        session.add(
            OutboxEventRow(
                id=blocker_id,
                topic="test.blocker",
                key=f"{AWARDED_TOPIC}:{submission_id}",
                payload={"blocker": True},
                created_at=now,
                available_at=now,
                attempts=0,
            )
        )
        session.commit()
    return blocker_id


def test_a_refused_award_commit_leaves_nothing_and_a_retry_awards_once(
    container: Container, awaiting_decision: Ready
) -> None:
    submission_id = awaiting_decision.submission_id
    issuer = awaiting_decision.issuer
    with container.uow_factory() as uow:
        before = uow.submissions.get(submission_id)
    audit_before = _count(container, AuditEntryRow)
    blocker_id = _block_the_award_key(container, submission_id)

    with pytest.raises(ConflictError):
        container.decisions.decide(issuer, submission_id, "award")

    with container.uow_factory() as uow:
        after = uow.submissions.get(submission_id)
        assert uow.awards.for_submission(submission_id) is None
        assert uow.awards.for_person(awaiting_decision.educator.person_id) == []
        assert uow.decisions.for_submission(submission_id) == []
        assert [event.id for event in uow.outbox.all()] == [blocker_id]
        assert uow.audit.page(AuditFilter(entity_type="award"), 10, 0) == []
        assert uow.audit.page(AuditFilter(entity_id=submission_id, action="award"), 10, 0) == []
    assert after.state is SubmissionState.AWAITING_DECISION
    assert after.version == before.version
    assert after.updated_at == before.updated_at
    assert _count(container, AwardRow) == 0
    assert _count(container, DecisionRow) == 0
    assert _count(container, AuditEntryRow) == audit_before

    with Session(container.engine) as session:
        session.execute(delete(OutboxEventRow).where(OutboxEventRow.id == blocker_id))
        session.commit()

    decision = container.decisions.decide(issuer, submission_id, "award")

    with container.uow_factory() as uow:
        award = uow.awards.for_submission(submission_id)
        decisions = uow.decisions.for_submission(submission_id)
        events = uow.outbox.all()
        final = uow.submissions.get(submission_id)
        award_audit = uow.audit.page(AuditFilter(entity_type="award"), 10, 0)
        move_audit = uow.audit.page(AuditFilter(entity_id=submission_id, action="award"), 10, 0)
    assert award is not None
    assert decisions == [decision]
    assert award.decision_id == decision.id
    assert award.person_id == awaiting_decision.educator.person_id
    assert [(event.topic, event.key) for event in events] == [
        (AWARDED_TOPIC, f"{AWARDED_TOPIC}:{submission_id}")
    ]
    payload = events[0].payload
    assert payload["award_id"] == award.id
    assert payload["submission_id"] == submission_id
    assert payload["decision_id"] == decision.id
    assert payload["credential_slug"] == CREDENTIAL
    assert final.state is SubmissionState.AWARDED
    assert final.version == before.version + 1
    assert [entry.entity_id for entry in award_audit] == [award.id]
    assert [(entry.from_state, entry.to_state) for entry in move_audit] == [
        ("awaiting_decision", "awarded")
    ]
    assert _count(container, AwardRow) == 1
    assert _count(container, OutboxEventRow) == 1
    assert _count(container, DecisionRow) == 1
    # Two more entries, the state move and the award; nothing from the refused attempt.
    assert _count(container, AuditEntryRow) == audit_before + 2


def test_deciding_twice_does_not_award_twice(
    container: Container, awaiting_decision: Ready
) -> None:
    """The second decision is refused by the lifecycle; still one award, one event."""
    submission_id = awaiting_decision.submission_id
    container.decisions.decide(awaiting_decision.issuer, submission_id, "award")
    with pytest.raises(InvalidTransitionError):
        container.decisions.decide(awaiting_decision.issuer, submission_id, "award")
    assert _count(container, AwardRow) == 1
    assert _count(container, OutboxEventRow, OutboxEventRow.topic == AWARDED_TOPIC) == 1
    assert _count(container, DecisionRow) == 1
