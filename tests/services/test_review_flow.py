"""The assessor's side: the pool, claiming, releasing, blind and double review, adjudication."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lti_tool.domain.errors import InvalidTransitionError, PermissionDeniedError, ValidationError
from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.domain.model import Recommendation, ReviewKind, SectionScore
from lti_tool.domain.review import pseudonym
from lti_tool.ports import AuditFilter
from lti_tool.services.common import Actor, ReviewPolicy
from tests.fakes.builders import (
    CREDENTIAL_SLUG,
    DEFAULT_MAX_UPLOAD_BYTES,
    PLANNING,
    REFLECTION,
    World,
    build_world,
    review,
    scores,
    submitted,
)

S = SubmissionState


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def double() -> World:
    return build_world(double_review=True)


def _state(world: World, submission_id: str) -> SubmissionState:
    with world.services.uow_factory() as uow:
        return uow.submissions.get(submission_id).state


def _pool_ids(world: World, actor: Actor) -> list[str]:
    return [row.submission_id for row in world.services.reviews.queue(actor).pool.items]


def _mine_ids(world: World, actor: Actor) -> list[str]:
    return [row.submission_id for row in world.services.reviews.queue(actor).mine]


# -- the queue --------------------------------------------------------------------------------


def test_a_submission_waits_in_the_pool_without_names(world: World) -> None:
    sub = submitted(world)
    world.services.clock.advance(days=3)
    queue = world.services.reviews.queue(world.assessor)
    (row,) = queue.pool.items
    assert queue.pool.total == 1
    assert queue.mine == []
    assert row.submission_id == sub.id
    assert row.label == pseudonym(sub.id)
    assert row.credential_title == "Higher-order questioning"
    assert row.stage == "First review"
    assert row.attempt_number == 1
    assert row.age == timedelta(days=3)
    assert "Tess" not in repr(row)
    assert "Hilltop" not in repr(row)


def test_the_pool_is_oldest_first_and_paged(world: World) -> None:
    ids = []
    for actor in (world.teacher, world.other_teacher, world.assessing_teacher):
        ids.append(submitted(world, actor).id)
        world.services.clock.advance(minutes=5)
    queue = world.services.reviews.queue(world.assessor, page=1, per_page=2)
    assert [row.submission_id for row in queue.pool.items] == ids[:2]
    assert queue.pool.total == 3
    assert queue.pool.has_next
    second = world.services.reviews.queue(world.assessor, page=2, per_page=2)
    assert [row.submission_id for row in second.pool.items] == ids[2:]
    assert not second.pool.has_next


def test_nobody_sees_or_claims_their_own_submission(world: World) -> None:
    own = submitted(world, world.assessing_teacher)
    assert _pool_ids(world, world.assessing_teacher) == []
    assert world.services.reviews.queue(world.assessing_teacher).pool.total == 0
    with pytest.raises(PermissionDeniedError, match="your own"):
        world.services.reviews.claim(world.assessing_teacher, own.id)
    assert _state(world, own.id) is S.SUBMITTED
    assert _pool_ids(world, world.assessor) == [own.id]


def test_only_assessors_have_a_queue(world: World) -> None:
    sub = submitted(world)
    with pytest.raises(PermissionDeniedError):
        world.services.reviews.queue(world.teacher)
    with pytest.raises(PermissionDeniedError):
        world.services.reviews.claim(world.issuer, sub.id)


# -- claim and release ------------------------------------------------------------------------


def test_a_claim_takes_the_submission_out_of_the_pool(world: World) -> None:
    sub = submitted(world)
    claimed = world.services.reviews.claim(world.assessor, sub.id)
    assert claimed.kind == ReviewKind.PRIMARY
    assert claimed.completed_at is None
    assert _state(world, sub.id) is S.IN_REVIEW
    assert _mine_ids(world, world.assessor) == [sub.id]
    assert _pool_ids(world, world.assessor) == []
    assert _pool_ids(world, world.second_assessor) == []
    with pytest.raises(InvalidTransitionError):
        world.services.reviews.claim(world.second_assessor, sub.id)


def test_release_returns_the_item_to_the_pool(world: World) -> None:
    sub = submitted(world)
    world.services.reviews.claim(world.assessor, sub.id)
    world.services.reviews.release(world.assessor, sub.id)
    assert _state(world, sub.id) is S.SUBMITTED
    assert _mine_ids(world, world.assessor) == []
    assert _pool_ids(world, world.assessor) == [sub.id]
    assert _pool_ids(world, world.second_assessor) == [sub.id]
    with world.services.uow_factory() as uow:
        assert uow.reviews.for_submission(sub.id) == []
    page, _ = world.services.audit.page(
        world.admin, AuditFilter(entity_id=sub.id, action="release")
    )
    (entry,) = page.items
    assert (entry.actor_id, entry.from_state, entry.to_state) == (
        world.assessor.person_id,
        "in_review",
        "submitted",
    )
    again = world.services.reviews.claim(world.second_assessor, sub.id)
    assert again.assessor_id == world.second_assessor.person_id


def test_only_the_claimer_can_release(world: World) -> None:
    sub = submitted(world)
    world.services.reviews.claim(world.assessor, sub.id)
    with pytest.raises(PermissionDeniedError):
        world.services.reviews.release(world.second_assessor, sub.id)
    assert _state(world, sub.id) is S.IN_REVIEW
    assert _mine_ids(world, world.assessor) == [sub.id]


def test_a_draft_cannot_be_claimed(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    with pytest.raises(InvalidTransitionError):
        world.services.reviews.claim(world.assessor, draft.id)
    with world.services.uow_factory() as uow:
        assert uow.reviews.for_submission(draft.id) == []


# -- the review workspace ---------------------------------------------------------------------


def test_blind_review_hides_the_educator(world: World) -> None:
    sub = submitted(world)
    world.services.reviews.claim(world.assessor, sub.id)
    workspace = world.services.reviews.workspace(world.assessor, sub.id)
    assert workspace.blind is True
    assert workspace.educator_name is None
    assert workspace.organization_name is None
    assert workspace.label == pseudonym(sub.id)
    assert workspace.responses[(PLANNING, REFLECTION)].text == "I planned."
    assert len(workspace.evidence) == 1
    assert workspace.credential_version == 1


def test_open_review_shows_the_educator_when_the_credential_says_so() -> None:
    world = build_world(blind_review=False)
    sub = submitted(world)
    world.services.reviews.claim(world.assessor, sub.id)
    workspace = world.services.reviews.workspace(world.assessor, sub.id)
    assert workspace.blind is False
    assert workspace.educator_name == "Tess Teacher"
    assert workspace.organization_name == "Hilltop Elementary"


def test_the_credential_can_make_review_blind_against_an_open_default() -> None:
    policy = ReviewPolicy(blind_review=False, max_upload_bytes=DEFAULT_MAX_UPLOAD_BYTES)
    world = build_world(policy, blind_review=True)
    sub = submitted(world)
    world.services.reviews.claim(world.assessor, sub.id)
    assert world.services.reviews.workspace(world.assessor, sub.id).educator_name is None


def test_an_assessor_cannot_open_a_review_not_assigned_to_them(world: World) -> None:
    sub = submitted(world)
    with pytest.raises(PermissionDeniedError):
        world.services.reviews.workspace(world.assessor, sub.id)
    world.services.reviews.claim(world.assessor, sub.id)
    with pytest.raises(PermissionDeniedError):
        world.services.reviews.workspace(world.second_assessor, sub.id)
    with pytest.raises(PermissionDeniedError):
        world.services.reviews.workspace(world.second_assessor, "no-such-submission")
    with pytest.raises(PermissionDeniedError):
        world.services.reviews.workspace(world.teacher, sub.id)


# -- completing -------------------------------------------------------------------------------


def test_completing_moves_to_the_issuer_and_records_the_scores(world: World) -> None:
    sub = submitted(world)
    world.services.reviews.claim(world.assessor, sub.id)
    world.services.clock.advance(hours=2)
    done = world.services.reviews.complete(
        world.assessor, sub.id, scores(), Recommendation.AWARD, comment="  Well done.  "
    )
    assert done.state is S.AWAITING_DECISION
    with world.services.uow_factory() as uow:
        (stored,) = uow.reviews.for_submission(sub.id)
    assert stored.recommendation == Recommendation.AWARD
    assert stored.comment == "Well done."
    assert stored.completed_at == world.services.clock.now()
    assert stored.scores == scores()
    assert _mine_ids(world, world.assessor) == []


def test_incomplete_scores_are_refused_and_nothing_moves(world: World) -> None:
    sub = submitted(world)
    world.services.reviews.claim(world.assessor, sub.id)
    with pytest.raises(ValidationError) as raised:
        world.services.reviews.complete(
            world.assessor, sub.id, [SectionScore(PLANNING, "proficient", "ok")], "award"
        )
    assert raised.value.problems == ["Practice: choose a level"]
    with pytest.raises(ValidationError):
        world.services.reviews.complete(world.assessor, sub.id, scores("developing"), "award")
    assert _state(world, sub.id) is S.IN_REVIEW
    with world.services.uow_factory() as uow:
        (stored,) = uow.reviews.for_submission(sub.id)
    assert (stored.completed_at, stored.recommendation, stored.scores) == (None, None, [])


def test_only_the_claimer_can_complete(world: World) -> None:
    sub = submitted(world)
    with pytest.raises(ValidationError):
        world.services.reviews.complete(world.assessor, sub.id, scores(), "award")
    world.services.reviews.claim(world.assessor, sub.id)
    with pytest.raises(PermissionDeniedError):
        world.services.reviews.complete(world.second_assessor, sub.id, scores(), "award")
    assert _state(world, sub.id) is S.IN_REVIEW


def test_a_completed_review_cannot_be_completed_twice(world: World) -> None:
    sub = submitted(world)
    review(world, world.assessor, sub.id)
    with pytest.raises(ValidationError):
        world.services.reviews.complete(world.assessor, sub.id, scores(), "resubmit")
    with world.services.uow_factory() as uow:
        (stored,) = uow.reviews.for_submission(sub.id)
    assert stored.recommendation == "award"


# -- double review and adjudication -----------------------------------------------------------


def test_double_review_agreement_goes_to_the_issuer(double: World) -> None:
    sub = submitted(double)
    after_first = review(double, double.assessor, sub.id, Recommendation.AWARD)
    assert after_first.state is S.AWAITING_SECOND_REVIEW
    assert _pool_ids(double, double.second_assessor) == [sub.id]
    (row,) = double.services.reviews.queue(double.second_assessor).pool.items
    assert row.stage == "Second review"
    second = double.services.reviews.claim(double.second_assessor, sub.id)
    assert second.kind == ReviewKind.SECOND
    done = double.services.reviews.complete(
        double.second_assessor, sub.id, scores(), Recommendation.AWARD
    )
    assert done.state is S.AWAITING_DECISION


def test_double_review_can_come_from_the_policy() -> None:
    policy = ReviewPolicy(double_review=True, max_upload_bytes=DEFAULT_MAX_UPLOAD_BYTES)
    world = build_world(policy)
    sub = submitted(world)
    assert review(world, world.assessor, sub.id).state is S.AWAITING_SECOND_REVIEW


def test_the_credential_can_turn_double_review_off() -> None:
    policy = ReviewPolicy(double_review=True, max_upload_bytes=DEFAULT_MAX_UPLOAD_BYTES)
    world = build_world(policy, double_review=False)
    sub = submitted(world)
    assert review(world, world.assessor, sub.id).state is S.AWAITING_DECISION


def test_the_first_assessor_cannot_take_the_second_review(double: World) -> None:
    sub = submitted(double)
    review(double, double.assessor, sub.id)
    assert _pool_ids(double, double.assessor) == []
    with pytest.raises(PermissionDeniedError, match="already reviewed"):
        double.services.reviews.claim(double.assessor, sub.id)
    assert _state(double, sub.id) is S.AWAITING_SECOND_REVIEW


def test_the_second_reviewer_cannot_see_the_first_review(double: World) -> None:
    sub = submitted(double)
    review(double, double.assessor, sub.id)
    double.services.reviews.claim(double.second_assessor, sub.id)
    workspace = double.services.reviews.workspace(double.second_assessor, sub.id)
    assert workspace.my_review.kind == ReviewKind.SECOND
    assert workspace.other_reviews == []


def test_disagreement_goes_to_adjudication_where_both_reviews_are_shown(double: World) -> None:
    sub = submitted(double)
    review(double, double.assessor, sub.id, Recommendation.AWARD)
    disagreed = review(double, double.second_assessor, sub.id, Recommendation.RESUBMIT)
    assert disagreed.state is S.AWAITING_ADJUDICATION

    for reviewer in (double.assessor, double.second_assessor):
        assert _pool_ids(double, reviewer) == []
        with pytest.raises(PermissionDeniedError):
            double.services.reviews.claim(reviewer, sub.id)
    (row,) = double.services.reviews.queue(double.adjudicator).pool.items
    assert row.stage == "Adjudication"

    claimed = double.services.reviews.claim(double.adjudicator, sub.id)
    assert claimed.kind == ReviewKind.ADJUDICATION
    workspace = double.services.reviews.workspace(double.adjudicator, sub.id)
    assert {(r.assessor_id, r.recommendation) for r in workspace.other_reviews} == {
        (double.assessor.person_id, Recommendation.AWARD),
        (double.second_assessor.person_id, Recommendation.RESUBMIT),
    }
    settled = double.services.reviews.complete(
        double.adjudicator, sub.id, scores("emerging"), Recommendation.RESUBMIT
    )
    assert settled.state is S.AWAITING_DECISION
    (row,) = double.services.decisions.queue(double.issuer).items
    assert row.recommendation == Recommendation.RESUBMIT


def test_a_released_second_review_goes_back_to_its_own_pool(double: World) -> None:
    sub = submitted(double)
    review(double, double.assessor, sub.id)
    double.services.reviews.claim(double.second_assessor, sub.id)
    assert _state(double, sub.id) is S.IN_SECOND_REVIEW
    double.services.reviews.release(double.second_assessor, sub.id)
    assert _state(double, sub.id) is S.AWAITING_SECOND_REVIEW
    with double.services.uow_factory() as uow:
        kinds = [r.kind for r in uow.reviews.for_submission(sub.id)]
    assert kinds == [ReviewKind.PRIMARY]
    assert _pool_ids(double, double.second_assessor) == [sub.id]
