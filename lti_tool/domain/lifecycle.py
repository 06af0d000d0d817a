"""The submission lifecycle as an explicit state machine.

Every allowed move is a row of :data:`TRANSITIONS`: a (state, action) pair and the states it may
lead to. Where a pair has several possible targets, :func:`next_state` picks one from the facts in
a :class:`TransitionContext` (is double review required, did the reviewers agree, is the attempt
cap reached). Anything not in the table raises :class:`InvalidTransitionError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lti_tool.domain.errors import InvalidTransitionError


class SubmissionState(StrEnum):
    """Where a submission is. Review states come in pairs: waiting in the pool, then claimed."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    AWAITING_SECOND_REVIEW = "awaiting_second_review"
    IN_SECOND_REVIEW = "in_second_review"
    AWAITING_ADJUDICATION = "awaiting_adjudication"
    IN_ADJUDICATION = "in_adjudication"
    AWAITING_DECISION = "awaiting_decision"
    RETURNED = "returned"
    AWARDED = "awarded"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"


class Action(StrEnum):
    """What someone does to a submission."""

    EDIT = "edit"
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    CLAIM = "claim"
    RELEASE = "release"
    COMPLETE_REVIEW = "complete_review"
    AWARD = "award"
    RETURN = "return"
    DENY = "deny"
    START_RESUBMISSION = "start_resubmission"


S = SubmissionState
A = Action

TRANSITIONS: dict[tuple[SubmissionState, Action], tuple[SubmissionState, ...]] = {
    (S.DRAFT, A.EDIT): (S.DRAFT,),
    (S.DRAFT, A.SUBMIT): (S.SUBMITTED,),
    (S.DRAFT, A.WITHDRAW): (S.WITHDRAWN,),
    (S.SUBMITTED, A.WITHDRAW): (S.WITHDRAWN,),
    (S.SUBMITTED, A.CLAIM): (S.IN_REVIEW,),
    (S.IN_REVIEW, A.RELEASE): (S.SUBMITTED,),
    (S.IN_REVIEW, A.COMPLETE_REVIEW): (S.AWAITING_DECISION, S.AWAITING_SECOND_REVIEW),
    (S.AWAITING_SECOND_REVIEW, A.CLAIM): (S.IN_SECOND_REVIEW,),
    (S.IN_SECOND_REVIEW, A.RELEASE): (S.AWAITING_SECOND_REVIEW,),
    (S.IN_SECOND_REVIEW, A.COMPLETE_REVIEW): (S.AWAITING_DECISION, S.AWAITING_ADJUDICATION),
    (S.AWAITING_ADJUDICATION, A.CLAIM): (S.IN_ADJUDICATION,),
    (S.IN_ADJUDICATION, A.RELEASE): (S.AWAITING_ADJUDICATION,),
    (S.IN_ADJUDICATION, A.COMPLETE_REVIEW): (S.AWAITING_DECISION,),
    (S.AWAITING_DECISION, A.AWARD): (S.AWARDED,),
    (S.AWAITING_DECISION, A.RETURN): (S.RETURNED,),
    (S.AWAITING_DECISION, A.DENY): (S.DENIED,),
    (S.RETURNED, A.START_RESUBMISSION): (S.DRAFT,),
}

TERMINAL_STATES = frozenset({S.AWARDED, S.DENIED, S.WITHDRAWN})
POOL_STATES = frozenset({S.SUBMITTED, S.AWAITING_SECOND_REVIEW, S.AWAITING_ADJUDICATION})
"""States in which a submission waits in the assessor queue for someone to claim it."""
CLAIMED_STATES = frozenset({S.IN_REVIEW, S.IN_SECOND_REVIEW, S.IN_ADJUDICATION})
EDITABLE_STATES = frozenset({S.DRAFT})


@dataclass(frozen=True)
class TransitionContext:
    """The facts that choose between a transition's possible targets."""

    double_review: bool = False
    reviews_agree: bool = True
    attempt_number: int = 1
    attempt_cap: int = 3


def allowed_actions(state: SubmissionState) -> frozenset[Action]:
    """The actions that are legal in ``state`` (before any context-dependent guard)."""
    return frozenset(action for (from_state, action) in TRANSITIONS if from_state == state)


def next_state(
    state: SubmissionState, action: Action, context: TransitionContext | None = None
) -> SubmissionState:
    """Return the state that ``action`` leads to from ``state``.

    Raises:
        InvalidTransitionError: the action is not allowed in this state, or a guard refuses it
            (returning a submission for resubmission once the attempt cap is reached).
    """
    context = context or TransitionContext()
    targets = TRANSITIONS.get((state, action))
    if targets is None:
        raise InvalidTransitionError(state.value, action.value)
    if action is A.RETURN and context.attempt_number >= context.attempt_cap:
        raise InvalidTransitionError(
            state.value,
            action.value,
            f"This was attempt {context.attempt_number} of {context.attempt_cap}: it cannot be "
            "returned for another resubmission. Award or deny it.",
        )
    if state is S.IN_REVIEW and action is A.COMPLETE_REVIEW:
        return S.AWAITING_SECOND_REVIEW if context.double_review else S.AWAITING_DECISION
    if state is S.IN_SECOND_REVIEW and action is A.COMPLETE_REVIEW:
        return S.AWAITING_DECISION if context.reviews_agree else S.AWAITING_ADJUDICATION
    (target,) = targets
    return target
