"""The issuer's decisions: award (with its outbox event), return, deny, and the attempt cap."""

from __future__ import annotations

import dataclasses

import pytest

from lti_tool.domain.errors import (
    ConflictError,
    InvalidTransitionError,
    PermissionDeniedError,
    ValidationError,
)
from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.domain.model import DecisionOutcome, OutboxEvent, Recommendation, new_id
from lti_tool.domain.roles import Role
from lti_tool.ports import AuditFilter
from lti_tool.services.decisions import AWARDED_TOPIC
from tests.fakes.builders import (
    CREDENTIAL_SLUG,
    World,
    add_actor,
    build_world,
    review,
    submitted,
    upload,
    write_draft,
)

S = SubmissionState


@pytest.fixture
def world() -> World:
    return build_world()


def _awaiting(world: World, recommendation: str = Recommendation.AWARD) -> str:
    sub = submitted(world)
    review(world, world.assessor, sub.id, recommendation)
    return sub.id


def _stored(world: World, submission_id: str) -> tuple[object, ...]:
    with world.services.uow_factory() as uow:
        submission = uow.submissions.get(submission_id)
        return (
            submission.state,
            uow.decisions.for_submission(submission_id),
            uow.awards.for_submission(submission_id),
            uow.outbox.all(),
        )


# -- award ------------------------------------------------------------------------------------


def test_award_writes_the_award_and_exactly_one_outbox_event(world: World) -> None:
    submission_id = _awaiting(world)
    world.services.clock.advance(days=1)
    now = world.services.clock.now()
    decision = world.services.decisions.decide(world.issuer, submission_id, DecisionOutcome.AWARD)
    assert (decision.outcome, decision.note, decision.attempt_number) == ("award", "", 1)
    assert decision.issuer_id == world.issuer.person_id

    _, credential = world.services.catalog.credential(CREDENTIAL_SLUG)
    with world.services.uow_factory() as uow:
        submission = uow.submissions.get(submission_id)
        award = uow.awards.for_submission(submission_id)
        events = uow.outbox.all()
        decisions = uow.decisions.for_submission(submission_id)
    assert submission.state is S.AWARDED
    assert decisions == [decision]
    assert award is not None
    assert (award.person_id, award.credential_version_id, award.decision_id, award.awarded_at) == (
        world.teacher.person_id,
        credential.id,
        decision.id,
        now,
    )
    (event,) = events
    assert event.topic == AWARDED_TOPIC == "credential.awarded"
    assert event.key == f"credential.awarded:{submission_id}"
    assert event.created_at == now
    assert event.payload == {
        "award_id": award.id,
        "submission_id": submission_id,
        "person_id": world.teacher.person_id,
        "credential_id": credential.credential_id,
        "credential_slug": CREDENTIAL_SLUG,
        "credential_version": 1,
        "credential_version_id": credential.id,
        "decision_id": decision.id,
        "issuer_id": world.issuer.person_id,
        "attempt_number": 1,
        "context_id": None,
        "awarded_at": now.isoformat(),
    }

    awards = world.services.decisions.awards_of(world.teacher)
    assert [(a.id, v.slug) for a, v in awards] == [(award.id, CREDENTIAL_SLUG)]
    page, _ = world.services.audit.page(world.admin, AuditFilter(entity_type="award"))
    (entry,) = page.items
    assert (entry.entity_id, entry.actor_id, entry.to_state, entry.note) == (
        award.id,
        world.issuer.person_id,
        "awarded",
        CREDENTIAL_SLUG,
    )


def test_the_event_carries_the_lms_course(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG, context_id="course-42")
    write_draft(world, world.teacher, draft.id)
    upload(world, world.teacher, draft.id)
    world.services.submissions.submit(world.teacher, draft.id)
    review(world, world.assessor, draft.id)
    world.services.decisions.decide(world.issuer, draft.id, DecisionOutcome.AWARD)
    with world.services.uow_factory() as uow:
        (event,) = uow.outbox.all(AWARDED_TOPIC)
    assert event.payload["context_id"] == "course-42"


def test_an_award_cannot_be_given_twice(world: World) -> None:
    submission_id = _awaiting(world)
    world.services.decisions.decide(world.issuer, submission_id, DecisionOutcome.AWARD)
    before = _stored(world, submission_id)
    with pytest.raises(InvalidTransitionError):
        world.services.decisions.decide(world.issuer, submission_id, DecisionOutcome.AWARD, "again")
    assert _stored(world, submission_id) == before


def test_a_second_event_with_the_same_key_is_refused_with_everything_else(world: World) -> None:
    """The outbox key is unique: the whole transaction that repeats it is rolled back."""
    submission_id = _awaiting(world)
    world.services.decisions.decide(world.issuer, submission_id, DecisionOutcome.AWARD)
    with world.services.uow_factory() as uow:
        (event,) = uow.outbox.all()
    with world.services.uow_factory() as uow:
        uow.outbox.add(dataclasses.replace(event, id=new_id()))
        submission = uow.submissions.get(submission_id)
        submission.context_id = "should vanish"
        uow.submissions.save(submission)
        with pytest.raises(ConflictError):
            uow.commit()
    with world.services.uow_factory() as uow:
        assert uow.outbox.all() == [event]
        assert uow.submissions.get(submission_id).context_id is None


def test_events_with_other_keys_are_kept(world: World) -> None:
    with world.services.uow_factory() as uow:
        now = world.services.clock.now()
        uow.outbox.add(OutboxEvent(new_id(), "other.topic", "k-1", {"n": 1}, now))
        uow.outbox.add(OutboxEvent(new_id(), "other.topic", "k-2", {"n": 2}, now))
        uow.commit()
    with world.services.uow_factory() as uow:
        events = uow.outbox.all("other.topic")
        assert {event.key for event in events} == {"k-1", "k-2"}
        assert [event.id for event in events] == sorted(event.id for event in events)
        assert uow.outbox.all(AWARDED_TOPIC) == []


# -- against the recommendation ---------------------------------------------------------------


@pytest.mark.parametrize("note", ["", "   "])
def test_deciding_against_the_recommendation_needs_a_note(world: World, note: str) -> None:
    submission_id = _awaiting(world, Recommendation.AWARD)
    before = _stored(world, submission_id)
    with pytest.raises(ValidationError, match="add a note"):
        world.services.decisions.decide(world.issuer, submission_id, DecisionOutcome.RETURN, note)
    with pytest.raises(ValidationError, match="add a note"):
        world.services.decisions.decide(world.issuer, submission_id, DecisionOutcome.DENY, note)
    assert _stored(world, submission_id) == before
    assert before[0] is S.AWAITING_DECISION


def test_awarding_against_a_resubmit_recommendation_needs_a_note(world: World) -> None:
    submission_id = _awaiting(world, Recommendation.RESUBMIT)
    with pytest.raises(ValidationError):
        world.services.decisions.decide(world.issuer, submission_id, DecisionOutcome.AWARD)
    decision = world.services.decisions.decide(
        world.issuer, submission_id, DecisionOutcome.AWARD, "  The video shows it clearly.  "
    )
    assert decision.note == "The video shows it clearly."
    page, _ = world.services.audit.page(
        world.admin, AuditFilter(entity_id=submission_id, action="award")
    )
    assert page.items[0].note == "The video shows it clearly."


def test_following_the_recommendation_needs_no_note(world: World) -> None:
    submission_id = _awaiting(world, Recommendation.RESUBMIT)
    decision = world.services.decisions.decide(world.issuer, submission_id, DecisionOutcome.RETURN)
    assert decision.outcome == DecisionOutcome.RETURN
    state, _, award, events = _stored(world, submission_id)
    assert (state, award, events) == (S.RETURNED, None, [])


def test_deny_with_a_note(world: World) -> None:
    submission_id = _awaiting(world, Recommendation.RESUBMIT)
    world.services.decisions.decide(
        world.issuer, submission_id, DecisionOutcome.DENY, "Evidence is not the educator's own."
    )
    state, decisions, award, events = _stored(world, submission_id)
    assert state is S.DENIED
    assert [d.outcome for d in decisions] == ["deny"]
    assert (award, events) == (None, [])


# -- rules ------------------------------------------------------------------------------------


def test_only_issuers_decide_and_never_on_their_own_work(world: World) -> None:
    submission_id = _awaiting(world)
    with pytest.raises(PermissionDeniedError):
        world.services.decisions.decide(world.assessor, submission_id, DecisionOutcome.AWARD)
    with pytest.raises(PermissionDeniedError):
        world.services.decisions.queue(world.teacher)

    issuing_teacher = add_actor(
        world.services, "Ira Both", world.school.id, Role.EDUCATOR, Role.ISSUER
    )
    own = submitted(world, issuing_teacher)
    review(world, world.assessor, own.id)
    with pytest.raises(PermissionDeniedError):
        world.services.decisions.decide(issuing_teacher, own.id, DecisionOutcome.AWARD)
    with pytest.raises(PermissionDeniedError):
        world.services.decisions.workspace(issuing_teacher, own.id)
    assert _stored(world, own.id)[0] is S.AWAITING_DECISION


def test_an_unknown_outcome_is_refused(world: World) -> None:
    submission_id = _awaiting(world)
    with pytest.raises(ValidationError):
        world.services.decisions.decide(world.issuer, submission_id, "promote", "why not")


def test_no_decision_before_the_review_is_done(world: World) -> None:
    sub = submitted(world)
    with pytest.raises(InvalidTransitionError):
        world.services.decisions.decide(world.issuer, sub.id, DecisionOutcome.AWARD, "early")
    world.services.reviews.claim(world.assessor, sub.id)
    with pytest.raises(InvalidTransitionError):
        world.services.decisions.decide(world.issuer, sub.id, DecisionOutcome.AWARD, "early")
    assert _stored(world, sub.id)[1:] == ([], None, [])


def test_the_decision_queue_and_workspace(world: World) -> None:
    submission_id = _awaiting(world, Recommendation.AWARD)
    page = world.services.decisions.queue(world.issuer)
    (row,) = page.items
    assert page.total == 1
    assert (row.submission_id, row.educator_name, row.credential_title, row.recommendation) == (
        submission_id,
        "Tess Teacher",
        "Higher-order questioning",
        Recommendation.AWARD,
    )
    workspace = world.services.decisions.workspace(world.issuer, submission_id)
    assert workspace.educator.display_name == "Tess Teacher"
    assert workspace.organization_name == "Hilltop Elementary"
    assert workspace.recommendation == Recommendation.AWARD
    assert [r.assessor_id for r in workspace.reviews] == [world.assessor.person_id]
    assert workspace.can_return
    assert workspace.attempt_cap == 3


# -- the attempt cap --------------------------------------------------------------------------


@pytest.fixture
def capped() -> World:
    return build_world(attempt_cap=2)


def _second_attempt_awaiting_decision(world: World) -> str:
    submission_id = _awaiting(world, Recommendation.RESUBMIT)
    world.services.decisions.decide(world.issuer, submission_id, DecisionOutcome.RETURN)
    world.services.submissions.start_resubmission(world.teacher, submission_id)
    world.services.submissions.submit(world.teacher, submission_id)
    review(world, world.assessor, submission_id, Recommendation.RESUBMIT)
    return submission_id


def test_the_last_attempt_cannot_be_returned(capped: World) -> None:
    submission_id = _second_attempt_awaiting_decision(capped)
    workspace = capped.services.decisions.workspace(capped.issuer, submission_id)
    assert workspace.submission.attempt_number == 2
    assert workspace.attempt_cap == 2
    assert not workspace.can_return
    with pytest.raises(InvalidTransitionError, match="attempt 2 of 2"):
        capped.services.decisions.decide(capped.issuer, submission_id, DecisionOutcome.RETURN)
    state, decisions, _, _ = _stored(capped, submission_id)
    assert state is S.AWAITING_DECISION
    assert [d.attempt_number for d in decisions] == [1]


@pytest.mark.parametrize(
    ("outcome", "final"),
    [(DecisionOutcome.AWARD, S.AWARDED), (DecisionOutcome.DENY, S.DENIED)],
)
def test_the_last_attempt_is_awarded_or_denied(capped: World, outcome: str, final: S) -> None:
    submission_id = _second_attempt_awaiting_decision(capped)
    decision = capped.services.decisions.decide(
        capped.issuer, submission_id, outcome, "Final attempt: deciding on the evidence."
    )
    assert decision.attempt_number == 2
    state, decisions, award, events = _stored(capped, submission_id)
    assert state is final
    assert [d.outcome for d in decisions] == ["return", outcome]
    assert (award is not None) == (outcome == DecisionOutcome.AWARD)
    assert len(events) == (1 if outcome == DecisionOutcome.AWARD else 0)
    if award is not None:
        assert events[0].payload["attempt_number"] == 2


def test_a_cap_of_one_allows_no_return() -> None:
    world = build_world(attempt_cap=1)
    submission_id = _awaiting(world, Recommendation.RESUBMIT)
    with pytest.raises(InvalidTransitionError, match="attempt 1 of 1"):
        world.services.decisions.decide(world.issuer, submission_id, DecisionOutcome.RETURN)
