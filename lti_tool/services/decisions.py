"""The issuer of record's side: see recommendations, then award, return or deny.

An award writes the Award row and its ``credential.awarded`` outbox event in the same
transaction, so a crash can never leave one without the other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from lti_tool.domain.catalog import CredentialDefinition
from lti_tool.domain.errors import PermissionDeniedError, ValidationError
from lti_tool.domain.lifecycle import Action, SubmissionState, TransitionContext
from lti_tool.domain.model import (
    Award,
    CredentialVersion,
    Decision,
    DecisionOutcome,
    EvidenceFile,
    OutboxEvent,
    Person,
    Review,
    SectionResponse,
    Submission,
    new_id,
)
from lti_tool.domain.review import final_recommendation
from lti_tool.domain.roles import Role
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lti_tool.services.common import Actor, Page, ReviewPolicy, move, page_bounds, record

AWARDED_TOPIC = "credential.awarded"
OUTCOME_ACTIONS = {
    DecisionOutcome.AWARD: Action.AWARD,
    DecisionOutcome.RETURN: Action.RETURN,
    DecisionOutcome.DENY: Action.DENY,
}
OUTCOME_FOR_RECOMMENDATION = {"award": DecisionOutcome.AWARD, "resubmit": DecisionOutcome.RETURN}


@dataclass(frozen=True)
class Decided:
    """What a decision just did, handed to :attr:`DecisionService.on_decided` hooks."""

    submission: Submission
    credential: CredentialVersion
    decision: Decision
    award: Award | None
    """Set when the outcome is an award."""
    actor_id: str
    at: datetime


DecisionHook = Callable[[UnitOfWork, Decided], None]
"""Runs inside the decision's transaction: outbox rows it adds commit (or roll back) with it."""


@dataclass(frozen=True)
class DecisionRow:
    submission_id: str
    educator_name: str
    credential_title: str
    attempt_number: int
    recommendation: str | None


@dataclass(frozen=True)
class DecisionWorkspace:
    submission: Submission
    educator: Person
    organization_name: str | None
    credential: CredentialVersion
    reviews: list[Review]
    recommendation: str | None
    responses: dict[tuple[str, str], SectionResponse]
    evidence: list[EvidenceFile]
    attempt_cap: int

    @property
    def definition(self) -> CredentialDefinition:
        return self.credential.definition

    @property
    def can_return(self) -> bool:
        return self.submission.attempt_number < self.attempt_cap


class DecisionService:
    """Final decisions by the issuer of record."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, policy: ReviewPolicy) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._policy = policy
        self.on_decided: list[DecisionHook] = []
        """Credit lines, stipend requests, grade passback and deliveries hook in here."""

    def queue(self, actor: Actor, page: int = 1, per_page: int = 25) -> Page[DecisionRow]:
        actor.require(Role.ISSUER)
        page, per_page, offset = page_bounds(page, per_page)
        with self._uow() as uow:
            state = SubmissionState.AWAITING_DECISION
            rows = []
            for item in uow.submissions.in_state(state, per_page, offset):
                submission = item.submission
                reviews = uow.reviews.for_attempt(submission.id, submission.attempt_number)
                rows.append(
                    DecisionRow(
                        submission_id=submission.id,
                        educator_name=uow.people.person(submission.person_id).display_name,
                        credential_title=item.credential_title,
                        attempt_number=submission.attempt_number,
                        recommendation=final_recommendation(reviews),
                    )
                )
            return Page(rows, uow.submissions.count_in_state(state), page, per_page)

    def workspace(self, actor: Actor, submission_id: str) -> DecisionWorkspace:
        actor.require(Role.ISSUER)
        with self._uow() as uow:
            submission = uow.submissions.get(submission_id)
            if submission.person_id == actor.person_id:
                raise PermissionDeniedError("You cannot decide on your own submission.")
            credential = uow.catalog.version(submission.credential_version_id)
            educator = uow.people.person(submission.person_id)
            organization_name = (
                uow.people.organization(educator.organization_id).name
                if educator.organization_id
                else None
            )
            reviews = [
                review
                for review in uow.reviews.for_attempt(submission.id, submission.attempt_number)
                if review.completed_at is not None
            ]
            return DecisionWorkspace(
                submission=submission,
                educator=educator,
                organization_name=organization_name,
                credential=credential,
                reviews=reviews,
                recommendation=final_recommendation(reviews),
                responses={
                    (item.section_key, item.requirement_key): item
                    for item in uow.submissions.responses(submission.id, submission.attempt_number)
                },
                evidence=uow.submissions.evidence(submission.id, submission.attempt_number),
                attempt_cap=self._policy.cap_for(credential.definition),
            )

    def decide(self, actor: Actor, submission_id: str, outcome: str, note: str = "") -> Decision:
        """Award, return for resubmission, or deny.

        Going against the assessors' recommendation needs a note that says why.
        """
        actor.require(Role.ISSUER)
        action = OUTCOME_ACTIONS.get(outcome)
        if action is None:
            raise ValidationError("Choose award, return for resubmission, or deny.")
        note = note.strip()
        with self._uow() as uow:
            submission = uow.submissions.get(submission_id, for_update=True)
            if submission.person_id == actor.person_id:
                raise PermissionDeniedError("You cannot decide on your own submission.")
            credential = uow.catalog.version(submission.credential_version_id)
            reviews = uow.reviews.for_attempt(submission.id, submission.attempt_number)
            recommended = OUTCOME_FOR_RECOMMENDATION.get(final_recommendation(reviews) or "")
            if (
                submission.state is SubmissionState.AWAITING_DECISION
                and recommended != outcome
                and not note
            ):
                raise ValidationError(
                    "Your decision differs from the assessors' recommendation: add a note that "
                    "says why (the educator and the audit trail will see it)."
                )
            now = self._clock.now()
            attempt = submission.attempt_number
            move(
                uow,
                self._clock,
                submission,
                action,
                actor.person_id,
                note=note,
                context=TransitionContext(
                    attempt_number=attempt, attempt_cap=self._policy.cap_for(credential.definition)
                ),
            )
            decision = Decision(
                new_id(), submission.id, attempt, actor.person_id, outcome, note, now
            )
            uow.decisions.add(decision)
            if outcome == DecisionOutcome.AWARD:
                award = Award(
                    id=new_id(),
                    submission_id=submission.id,
                    person_id=submission.person_id,
                    credential_version_id=credential.id,
                    decision_id=decision.id,
                    awarded_at=now,
                )
                uow.awards.add(award)
                uow.outbox.add(
                    OutboxEvent(
                        id=new_id(),
                        topic=AWARDED_TOPIC,
                        key=f"{AWARDED_TOPIC}:{submission.id}",
                        payload={
                            "award_id": award.id,
                            "submission_id": submission.id,
                            "person_id": submission.person_id,
                            "credential_id": credential.credential_id,
                            "credential_slug": credential.slug,
                            "credential_version": credential.version,
                            "credential_version_id": credential.id,
                            "decision_id": decision.id,
                            "issuer_id": actor.person_id,
                            "attempt_number": attempt,
                            "context_id": submission.context_id,
                            "awarded_at": now.isoformat(),
                        },
                        created_at=now,
                    )
                )
                record(
                    uow,
                    now,
                    actor.person_id,
                    "award",
                    award.id,
                    "create",
                    None,
                    "awarded",
                    credential.slug,
                )
            else:
                award = None
            decided = Decided(submission, credential, decision, award, actor.person_id, now)
            for hook in self.on_decided:
                hook(uow, decided)
            uow.commit()
            return decision

    def awards_of(self, actor: Actor) -> list[tuple[Award, CredentialVersion]]:
        """The educator's own awards with the credential version each was earned on."""
        with self._uow() as uow:
            return [
                (award, uow.catalog.version(award.credential_version_id))
                for award in uow.awards.for_person(actor.person_id)
            ]
