"""Grades back to the LMS (Assignment and Grade Services) through the outbox.

A decision on a submission whose educator launched the credential from a course resource link
adds one ``lti.ags.score`` outbox row per grade link, in the decision's own transaction (a
:data:`~lti_tool.services.decisions.DecisionHook`): an award posts a completed, fully graded
score (on Canvas with the badge's URL as the submission), a return for resubmission posts a
pending one. The consumer runs later in the worker:

* the badge is issued by the ``credential.awarded`` consumer; until it exists the score waits
  (:class:`RetryLater`), so the LMS always gets a URL that opens;
* a platform that is down or busy (5xx, 429) is retried by the worker; any other refusal is a
  dead letter with the platform's answer;
* a score refused because the person is not a student there (Canvas: 422) is recorded on the
  grade link and in the audit trail (the cohort page shows it) and never retried.

A stack placed in a course as one resource link has grade links of kind ``stack``. Inside the
transaction that stores a credential (a :attr:`CredentialService.on_stored` hook):

* a member credential of the stack queues a score in progress: when it is posted, the fraction of
  the stack's credentials the person holds then (``InProgress``, ``Pending``); it is dropped once
  the stack credential exists, so it never overwrites the completed score;
* the stack credential itself (issued at once, or when the issuer approves the stack) queues a
  completed, fully graded score with the stack badge's URL.

Posting the same score again is harmless (AGS keeps the latest score per user), so a repeated
delivery after a crash does no damage.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast, get_args

from lti_tool.domain.badges import CredentialKind, IssuedCredential
from lti_tool.domain.errors import DeliveryRefused, RetryLater
from lti_tool.domain.lti_services import (
    SCOPE_LINEITEM,
    GradeLink,
    ScoreOutcome,
    line_item_tag,
)
from lti_tool.domain.model import DecisionOutcome, OutboxEvent, new_id
from lti_tool.domain.ob3 import credential_url
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lti_tool.ports_lti import GradePoster
from lti_tool.services.common import record
from lti_tool.services.decisions import Decided
from lti_tool.services.lti_links import SCORE_TOPIC
from lti_tool.services.stacks import stack_progress

AFTER_THE_AWARD = timedelta(milliseconds=1)
OUTCOMES: dict[str, ScoreOutcome] = {
    DecisionOutcome.AWARD: "awarded",
    DecisionOutcome.RETURN: "pending",
}


class GradePassbackService:
    """Queues scores for decided submissions and posts them (the ``lti.ags.score`` consumer)."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, poster: GradePoster, base_url: str
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._poster = poster
        self._base_url = base_url

    def on_decided(self, uow: UnitOfWork, decided: Decided) -> None:
        """The decision hook: one score row per grade link of the educator and credential."""
        outcome = OUTCOMES.get(decided.decision.outcome)
        if outcome is None:
            return
        links = uow.lti_services.grade_links_for(
            decided.submission.person_id, decided.credential.slug
        )
        for link in links:
            _queue(
                uow,
                link,
                decided.decision.id,
                # Just after the award's own event: the worker claims in that order, so the
                # badge is usually issued before the score looks for it.
                decided.at + AFTER_THE_AWARD,
                outcome=outcome,
                award_id=decided.award.id if decided.award else None,
                decision_id=decided.decision.id,
                submission_id=decided.submission.id,
                label=decided.credential.definition.title,
            )

    def on_stored(self, uow: UnitOfWork, issued: IssuedCredential) -> None:
        """The :attr:`CredentialService.on_stored` hook: scores for the person's stack links.

        A stack credential queues the completed score (with its badge); a member credential of
        a stack queues a score in progress. Someone with no stack link costs one read."""
        links = uow.lti_services.grade_links_of(issued.person_id, "stack")
        if not links:
            return
        if issued.kind is CredentialKind.STACK:
            if issued.stack_award_id is None:
                return
            stack = uow.catalog.stack(uow.stack_awards.get(issued.stack_award_id).stack_id)
            outcome: ScoreOutcome = "awarded"
            extra: dict[str, Any] = {"credential_id": issued.id}
        else:
            stack = uow.catalog.stack(uow.catalog.version(issued.achievement_id).stack_id)
            outcome, extra = "in_progress", {}
        for link in (link for link in links if link.credential_slug == stack.slug):
            _queue(
                uow, link, issued.id, issued.issued_at, outcome=outcome, stack_id=stack.id,
                label=stack.title, **extra,
            )  # fmt: skip

    def consume_score(self, event: OutboxEvent) -> None:
        """The ``lti.ags.score`` consumer.

        Raises:
            RetryLater: the badge is not issued yet, or the platform is down or busy.
            DeliveryRefused: the platform refused for good, or the link cannot take scores.
        """
        payload = event.payload
        asked = str(payload["outcome"])
        outcome = cast(ScoreOutcome, asked if asked in get_args(ScoreOutcome) else "pending")
        progress: tuple[int, int] | None = None
        with self._uow() as uow:
            link = uow.lti_services.grade_link(str(payload["grade_link_id"]))
            registration = uow.platforms.get(link.registration_id)
            badge_url = None
            if outcome == "awarded" and payload.get("award_id"):
                issued = uow.credentials.for_award(str(payload["award_id"]))
                if issued is None:
                    raise RetryLater("The badge for this award is not issued yet.")
                badge_url = credential_url(self._base_url, issued.id)
            elif outcome == "awarded" and payload.get("credential_id"):
                badge_url = credential_url(self._base_url, str(payload["credential_id"]))
            elif outcome == "in_progress":
                stack_id = str(payload["stack_id"])
                if _stack_issued(uow, link, stack_id):
                    return  # the completed score is the last word: never post over it
                progress = stack_progress(uow, link.person_id, stack_id)
        line_item_url = link.line_item_url or link.endpoint.lineitem
        if line_item_url is None:
            if link.endpoint.lineitems is None or SCOPE_LINEITEM not in link.endpoint.scopes:
                raise DeliveryRefused(
                    "The LMS gave no line item for this link and does not let the tool make one "
                    "(no lineitem scope): add a gradebook column for it in the LMS."
                )
            line_item_url = self._poster.line_item(
                registration,
                link.endpoint.lineitems,
                resource_link_id=link.resource_link_id,
                resource_id=link.resource_id,
                label=str(payload.get("label") or link.credential_slug),
                tag=line_item_tag(link.kind),
            )
        rescoring = link.last_outcome == "awarded" and link.last_status == "posted"
        answer = self._poster.post_score(
            registration,
            line_item_url,
            user_id=link.subject,
            outcome=outcome,
            badge_url=badge_url,
            new_submission=not rescoring,
            progress=progress,
        )
        self._remember(link.id, line_item_url, outcome, answer.status, answer.detail)

    def _remember(
        self, link_id: str, line_item_url: str, outcome: str, status: str, detail: str | None
    ) -> None:
        now = self._clock.now()
        with self._uow() as uow:
            link: GradeLink = uow.lti_services.grade_link(link_id)
            link.line_item_url = line_item_url
            link.last_outcome, link.last_status, link.last_detail = outcome, status, detail
            link.last_posted_at = now
            uow.lti_services.put_grade_link(link)
            if status == "not_a_student":
                record(
                    uow, now, None, "person", link.person_id, "grade_refused", None, None,
                    f"The LMS refused the {outcome} score in course {link.context_id or '-'}: "
                    f"{detail or 'not a student there'}",
                )  # fmt: skip
            uow.commit()


def _queue(uow: UnitOfWork, link: GradeLink, cause_id: str, at: datetime, **payload: Any) -> None:
    """One ``lti.ags.score`` row for ``link``, keyed by what caused it (a decision or an issued
    credential), so the same cause never queues twice."""
    uow.outbox.add(
        OutboxEvent(
            id=new_id(),
            topic=SCORE_TOPIC,
            key=f"{SCORE_TOPIC}:{link.id}:{cause_id}",
            payload={"grade_link_id": link.id, **payload},
            created_at=at,
        )
    )


def _stack_issued(uow: UnitOfWork, link: GradeLink, stack_id: str) -> bool:
    """Whether the completed score of a stack link is posted or on its way."""
    if link.last_outcome == "awarded" and link.last_status == "posted":
        return True
    award = uow.stack_awards.find(link.person_id, stack_id)
    return award is not None and uow.credentials.for_stack_award(award.id) is not None
