"""The submission state machine, exhaustively: every state against every action."""

from __future__ import annotations

from collections import deque

import pytest

from lti_tool.domain.errors import InvalidTransitionError
from lti_tool.domain.lifecycle import (
    CLAIMED_STATES,
    EDITABLE_STATES,
    POOL_STATES,
    TERMINAL_STATES,
    TRANSITIONS,
    Action,
    SubmissionState,
    TransitionContext,
    allowed_actions,
    next_state,
)

S = SubmissionState
A = Action
ALL_PAIRS = [(state, action) for state in SubmissionState for action in Action]
ALLOWED = [pair for pair in ALL_PAIRS if pair in TRANSITIONS]
REFUSED = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]


def _id(pair: tuple[SubmissionState, Action]) -> str:
    return f"{pair[0].value}-{pair[1].value}"


def test_the_table_only_names_known_states() -> None:
    for (state, action), targets in TRANSITIONS.items():
        assert isinstance(state, SubmissionState)
        assert isinstance(action, Action)
        assert targets, f"{state}/{action} leads nowhere"
        assert all(isinstance(target, SubmissionState) for target in targets)


def test_the_parametrization_covers_every_pair() -> None:
    assert len(ALLOWED) + len(REFUSED) == len(SubmissionState) * len(Action)
    assert len(ALLOWED) == len(TRANSITIONS)


@pytest.mark.parametrize("pair", ALLOWED, ids=_id)
def test_allowed_pair_leads_to_a_listed_target(pair: tuple[SubmissionState, Action]) -> None:
    state, action = pair
    assert next_state(state, action) in TRANSITIONS[pair]
    assert action in allowed_actions(state)


@pytest.mark.parametrize("pair", ALLOWED, ids=_id)
@pytest.mark.parametrize(
    "context",
    [
        TransitionContext(double_review=True, reviews_agree=True),
        TransitionContext(double_review=True, reviews_agree=False),
        TransitionContext(double_review=False, reviews_agree=False),
        TransitionContext(attempt_number=1, attempt_cap=2),
    ],
    ids=["double-agree", "double-disagree", "single-disagree", "below-cap"],
)
def test_every_context_below_the_cap_stays_inside_the_table(
    pair: tuple[SubmissionState, Action], context: TransitionContext
) -> None:
    state, action = pair
    assert next_state(state, action, context) in TRANSITIONS[pair]


@pytest.mark.parametrize("pair", REFUSED, ids=_id)
def test_every_other_pair_is_refused(pair: tuple[SubmissionState, Action]) -> None:
    state, action = pair
    with pytest.raises(InvalidTransitionError) as raised:
        next_state(state, action)
    assert raised.value.state == state.value
    assert raised.value.action == action.value
    assert raised.value.status_hint == 409
    assert action not in allowed_actions(state)


@pytest.mark.parametrize("pair", REFUSED, ids=_id)
def test_refused_pairs_stay_refused_whatever_the_context(
    pair: tuple[SubmissionState, Action],
) -> None:
    state, action = pair
    context = TransitionContext(double_review=True, reviews_agree=False, attempt_number=1)
    with pytest.raises(InvalidTransitionError):
        next_state(state, action, context)


# -- guards -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("double_review", "expected"),
    [(True, S.AWAITING_SECOND_REVIEW), (False, S.AWAITING_DECISION)],
)
def test_first_review_goes_to_second_review_only_under_double_review(
    double_review: bool, expected: SubmissionState
) -> None:
    context = TransitionContext(double_review=double_review)
    assert next_state(S.IN_REVIEW, A.COMPLETE_REVIEW, context) is expected


@pytest.mark.parametrize(
    ("agree", "expected"),
    [(True, S.AWAITING_DECISION), (False, S.AWAITING_ADJUDICATION)],
)
def test_second_review_goes_to_adjudication_only_on_disagreement(
    agree: bool, expected: SubmissionState
) -> None:
    context = TransitionContext(double_review=True, reviews_agree=agree)
    assert next_state(S.IN_SECOND_REVIEW, A.COMPLETE_REVIEW, context) is expected


@pytest.mark.parametrize("agree", [True, False])
def test_adjudication_always_ends_at_the_issuer(agree: bool) -> None:
    context = TransitionContext(double_review=True, reviews_agree=agree)
    assert next_state(S.IN_ADJUDICATION, A.COMPLETE_REVIEW, context) is S.AWAITING_DECISION


def test_without_context_a_first_review_goes_straight_to_the_issuer() -> None:
    assert next_state(S.IN_REVIEW, A.COMPLETE_REVIEW) is S.AWAITING_DECISION
    assert next_state(S.IN_SECOND_REVIEW, A.COMPLETE_REVIEW) is S.AWAITING_DECISION


@pytest.mark.parametrize(("attempt", "cap"), [(1, 2), (1, 3), (2, 3), (9, 10)])
def test_return_is_allowed_below_the_cap(attempt: int, cap: int) -> None:
    context = TransitionContext(attempt_number=attempt, attempt_cap=cap)
    assert next_state(S.AWAITING_DECISION, A.RETURN, context) is S.RETURNED


@pytest.mark.parametrize(("attempt", "cap"), [(1, 1), (2, 2), (3, 3), (4, 3)])
def test_return_is_refused_at_or_over_the_cap(attempt: int, cap: int) -> None:
    context = TransitionContext(attempt_number=attempt, attempt_cap=cap)
    with pytest.raises(InvalidTransitionError) as raised:
        next_state(S.AWAITING_DECISION, A.RETURN, context)
    assert raised.value.state == S.AWAITING_DECISION.value
    assert raised.value.action == A.RETURN.value
    assert f"attempt {attempt} of {cap}" in raised.value.message
    assert "Award or deny" in raised.value.message


@pytest.mark.parametrize("action", [A.AWARD, A.DENY])
def test_award_and_deny_ignore_the_cap(action: Action) -> None:
    context = TransitionContext(attempt_number=3, attempt_cap=3)
    assert (
        next_state(S.AWAITING_DECISION, action, context)
        in TRANSITIONS[(S.AWAITING_DECISION, action)]
    )


def test_the_cap_guard_only_concerns_return() -> None:
    at_cap = TransitionContext(attempt_number=5, attempt_cap=2)
    for (state, action), targets in TRANSITIONS.items():
        if action is A.RETURN:
            continue
        assert next_state(state, action, at_cap) in targets


def test_refusal_message_names_the_action_and_state() -> None:
    with pytest.raises(InvalidTransitionError) as raised:
        next_state(S.AWARDED, A.START_RESUBMISSION)
    assert raised.value.message == "You cannot start resubmission a submission that is awarded."


# -- shape of the graph -----------------------------------------------------------------------


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_terminal_states_have_no_actions(state: SubmissionState) -> None:
    assert allowed_actions(state) == frozenset()
    assert not any(from_state is state for from_state, _ in TRANSITIONS)


def _reachable_from(start: SubmissionState) -> set[SubmissionState]:
    seen = {start}
    todo = deque([start])
    while todo:
        state = todo.popleft()
        for (from_state, _), targets in TRANSITIONS.items():
            if from_state is state:
                for target in targets:
                    if target not in seen:
                        seen.add(target)
                        todo.append(target)
    return seen


def test_every_state_is_reachable_from_draft() -> None:
    reachable = _reachable_from(S.DRAFT)
    assert set(SubmissionState) - set(TERMINAL_STATES) <= reachable
    assert set(TERMINAL_STATES) <= reachable


@pytest.mark.parametrize("state", sorted(set(SubmissionState) - TERMINAL_STATES))
def test_every_live_state_can_still_end(state: SubmissionState) -> None:
    assert _reachable_from(state) & TERMINAL_STATES


@pytest.mark.parametrize("state", sorted(POOL_STATES))
def test_every_pool_state_can_be_claimed(state: SubmissionState) -> None:
    assert A.CLAIM in allowed_actions(state)
    assert next_state(state, A.CLAIM) in CLAIMED_STATES


@pytest.mark.parametrize("state", sorted(CLAIMED_STATES))
def test_every_claimed_state_can_be_released_back_to_its_pool(state: SubmissionState) -> None:
    assert A.RELEASE in allowed_actions(state)
    released = next_state(state, A.RELEASE)
    assert released in POOL_STATES
    assert next_state(released, A.CLAIM) is state


def test_pool_claimed_terminal_and_editable_states_do_not_overlap() -> None:
    groups = [POOL_STATES, CLAIMED_STATES, TERMINAL_STATES, EDITABLE_STATES]
    for index, first in enumerate(groups):
        for second in groups[index + 1 :]:
            assert not first & second


def test_only_drafts_can_be_edited() -> None:
    editable = {state for state in SubmissionState if A.EDIT in allowed_actions(state)}
    assert editable == set(EDITABLE_STATES) == {S.DRAFT}
    assert next_state(S.DRAFT, A.EDIT) is S.DRAFT
