"""The assessor's side: the queue, claiming, blind review, scoring, and adjudication."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lti_tool.domain.catalog import CredentialDefinition
from lti_tool.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from lti_tool.domain.lifecycle import (
    CLAIMED_STATES,
    POOL_STATES,
    Action,
    SubmissionState,
    TransitionContext,
)
from lti_tool.domain.model import (
    EvidenceFile,
    Review,
    ReviewKind,
    SectionResponse,
    SectionScore,
    Submission,
    new_id,
)
from lti_tool.domain.review import check_scores, pseudonym, reviews_agree
from lti_tool.domain.roles import Role
from lti_tool.ports import Clock, QueueItem, UnitOfWork, UnitOfWorkFactory
from lti_tool.services.common import Actor, Page, ReviewPolicy, move, page_bounds

REVIEW_KIND_FOR_POOL_STATE = {
    SubmissionState.SUBMITTED: ReviewKind.PRIMARY,
    SubmissionState.AWAITING_SECOND_REVIEW: ReviewKind.SECOND,
    SubmissionState.AWAITING_ADJUDICATION: ReviewKind.ADJUDICATION,
}
STAGE_LABELS = {
    SubmissionState.SUBMITTED: "First review",
    SubmissionState.AWAITING_SECOND_REVIEW: "Second review",
    SubmissionState.AWAITING_ADJUDICATION: "Adjudication",
    SubmissionState.IN_REVIEW: "First review",
    SubmissionState.IN_SECOND_REVIEW: "Second review",
    SubmissionState.IN_ADJUDICATION: "Adjudication",
}


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue: never the educator's name, school or district."""

    submission_id: str
    label: str
    credential_title: str
    stage: str
    attempt_number: int
    waiting_since: datetime | None
    age: timedelta


@dataclass(frozen=True)
class ReviewQueue:
    mine: list[QueueRow]
    pool: Page[QueueRow]


@dataclass(frozen=True)
class ReviewWorkspace:
    """What an assigned assessor sees. ``educator_name``/``organization_name`` stay ``None``
    under blind review."""

    submission: Submission
    label: str
    definition: CredentialDefinition
    credential_version: int
    responses: dict[tuple[str, str], SectionResponse]
    evidence: list[EvidenceFile]
    my_review: Review
    other_reviews: list[Review]
    """Shown only to an adjudicator; empty for independent first and second reviews."""
    blind: bool
    educator_name: str | None
    organization_name: str | None


class ReviewService:
    """Assessors claim work from a shared pool and score it section by section."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, policy: ReviewPolicy) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._policy = policy

    def _row(self, item: QueueItem, now: datetime) -> QueueRow:
        submission = item.submission
        since = submission.submitted_at
        return QueueRow(
            submission_id=submission.id,
            label=pseudonym(submission.id),
            credential_title=item.credential_title,
            stage=STAGE_LABELS.get(submission.state, submission.state.value),
            attempt_number=submission.attempt_number,
            waiting_since=since,
            age=(now - since) if since else timedelta(0),
        )

    def queue(self, actor: Actor, page: int = 1, per_page: int = 25) -> ReviewQueue:
        """The assessor's claimed work and one page of the pool, oldest first."""
        actor.require(Role.ASSESSOR)
        page, per_page, offset = page_bounds(page, per_page)
        states = sorted(POOL_STATES)
        now = self._clock.now()
        with self._uow() as uow:
            mine = [self._row(item, now) for item in uow.submissions.claimed_by(actor.person_id)]
            total = uow.submissions.pool_count(states, actor.person_id)
            rows = [
                self._row(item, now)
                for item in uow.submissions.pool(states, actor.person_id, per_page, offset)
            ]
        return ReviewQueue(mine=mine, pool=Page(rows, total, page, per_page))

    def claim(self, actor: Actor, submission_id: str) -> Review:
        """Take a waiting submission for review; it leaves the pool for everyone else."""
        actor.require(Role.ASSESSOR)
        with self._uow() as uow:
            submission = uow.submissions.get(submission_id, for_update=True)
            if submission.person_id == actor.person_id:
                raise PermissionDeniedError("You cannot review your own submission.")
            earlier = uow.reviews.for_attempt(submission.id, submission.attempt_number)
            if any(review.assessor_id == actor.person_id for review in earlier):
                raise PermissionDeniedError(
                    "You already reviewed this attempt; another assessor must take this step."
                )
            kind = REVIEW_KIND_FOR_POOL_STATE.get(submission.state, ReviewKind.PRIMARY)
            now = self._clock.now()
            move(uow, self._clock, submission, Action.CLAIM, actor.person_id, note=kind)
            review = Review(
                id=new_id(),
                submission_id=submission.id,
                attempt_number=submission.attempt_number,
                assessor_id=actor.person_id,
                kind=kind,
                claimed_at=now,
            )
            uow.reviews.add(review)
            uow.commit()
            return review

    @staticmethod
    def _open_review(uow: UnitOfWork, actor: Actor, submission: Submission) -> Review:
        for review in uow.reviews.for_attempt(submission.id, submission.attempt_number):
            if review.assessor_id == actor.person_id and review.completed_at is None:
                return review
        raise PermissionDeniedError("This submission is not assigned to you for review.")

    def release(self, actor: Actor, submission_id: str) -> None:
        """Give a claimed submission back to the pool without reviewing it."""
        actor.require(Role.ASSESSOR)
        with self._uow() as uow:
            submission = uow.submissions.get(submission_id, for_update=True)
            review = self._open_review(uow, actor, submission)
            uow.reviews.remove(review.id)
            move(uow, self._clock, submission, Action.RELEASE, actor.person_id)
            uow.commit()

    def workspace(self, actor: Actor, submission_id: str) -> ReviewWorkspace:
        """The review form's content, for the assessor the submission is assigned to."""
        actor.require(Role.ASSESSOR)
        with self._uow() as uow:
            try:
                submission = uow.submissions.get(submission_id)
            except NotFoundError as exc:
                raise PermissionDeniedError("This submission is not assigned to you.") from exc
            mine = [
                review
                for review in uow.reviews.for_submission(submission.id)
                if review.assessor_id == actor.person_id
            ]
            if not mine:
                raise PermissionDeniedError("This submission is not assigned to you.")
            my_review = max(mine, key=lambda review: (review.attempt_number, review.claimed_at))
            attempt = my_review.attempt_number
            credential = uow.catalog.version(submission.credential_version_id)
            others: list[Review] = []
            if my_review.kind == ReviewKind.ADJUDICATION:
                others = [
                    review
                    for review in uow.reviews.for_attempt(submission.id, attempt)
                    if review.id != my_review.id and review.completed_at is not None
                ]
            blind = self._policy.blind_for(credential.definition)
            educator_name = organization_name = None
            if not blind:
                person = uow.people.person(submission.person_id)
                educator_name = person.display_name
                if person.organization_id:
                    organization_name = uow.people.organization(person.organization_id).name
            return ReviewWorkspace(
                submission=submission,
                label=pseudonym(submission.id),
                definition=credential.definition,
                credential_version=credential.version,
                responses={
                    (item.section_key, item.requirement_key): item
                    for item in uow.submissions.responses(submission.id, attempt)
                },
                evidence=uow.submissions.evidence(submission.id, attempt),
                my_review=my_review,
                other_reviews=others,
                blind=blind,
                educator_name=educator_name,
                organization_name=organization_name,
            )

    def complete(
        self,
        actor: Actor,
        submission_id: str,
        scores: list[SectionScore],
        recommendation: str,
        comment: str = "",
    ) -> Submission:
        """Record the assessor's scores and recommendation, and move the submission on.

        After a first review it goes to the issuer, or to a second assessor when double review
        is on; two reviews that disagree go to adjudication.
        """
        actor.require(Role.ASSESSOR)
        with self._uow() as uow:
            submission = uow.submissions.get(submission_id, for_update=True)
            if submission.state not in CLAIMED_STATES:
                raise ValidationError("This submission is not waiting for your review.")
            review = self._open_review(uow, actor, submission)
            credential = uow.catalog.version(submission.credential_version_id)
            check_scores(credential.definition, scores, recommendation)
            review.scores = list(scores)
            review.recommendation = recommendation
            review.comment = comment.strip()
            review.completed_at = self._clock.now()
            uow.reviews.save(review)
            agree = True
            if review.kind == ReviewKind.SECOND:
                primary = next(
                    item
                    for item in uow.reviews.for_attempt(submission.id, submission.attempt_number)
                    if item.kind == ReviewKind.PRIMARY and item.completed_at is not None
                )
                agree = reviews_agree(primary, review)
            move(
                uow,
                self._clock,
                submission,
                Action.COMPLETE_REVIEW,
                actor.person_id,
                note=f"{review.kind}: recommends {recommendation}",
                context=TransitionContext(
                    double_review=self._policy.double_for(credential.definition),
                    reviews_agree=agree,
                ),
            )
            uow.commit()
            return submission
