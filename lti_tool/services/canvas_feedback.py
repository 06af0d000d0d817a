"""The assessors' per-section feedback, posted back to the Canvas assignment the educator
launched from as a submission comment, once per decision.

:meth:`CanvasFeedback.on_decided` runs inside the decision's transaction and adds the outbox
row there (so a decision and its comment-to-be commit together); the worker's consumer posts
it. Reposting is harmless: the comment carries a marker with the decision id, and the consumer
looks for it before posting.
"""

from __future__ import annotations

from lti_tool.domain.catalog import CredentialDefinition
from lti_tool.domain.model import OutboxEvent, Review, new_id
from lti_tool.ports import UnitOfWork, UnitOfWorkFactory
from lti_tool.ports_canvas import CanvasGateway, CanvasLink
from lti_tool.services.canvas import CanvasService
from lti_tool.services.decisions import Decided

COMMENT_TOPIC = "canvas.submission_comment"
OUTCOME_WORDS = {
    "award": "Awarded",
    "return": "Returned for resubmission",
    "deny": "Not awarded",
}


def marker(decision_id: str) -> str:
    """What identifies our comment for one decision (checked before posting again)."""
    return f"[credbridge decision {decision_id}]"


def comment_text(
    definition: CredentialDefinition,
    outcome: str,
    note: str,
    reviews: list[Review],
    decision_id: str,
) -> str:
    """The comment: outcome, each section's level and feedback (no assessor names: reviews
    may be blind), the issuer's note, and the marker."""
    lines = [f"{definition.title}: {OUTCOME_WORDS.get(outcome, outcome)}", ""]
    for section in definition.sections:
        scores = [
            score
            for review in reviews
            for score in review.scores
            if score.section_key == section.key
        ]
        if not scores:
            continue
        levels = ", ".join(dict.fromkeys(section.level(s.level_key).label for s in scores))
        lines.append(f"{section.title} ({levels})")
        lines += [f"- {score.feedback.strip()}" for score in scores if score.feedback.strip()]
        lines.append("")
    overall = [review.comment.strip() for review in reviews if review.comment.strip()]
    if overall:
        lines += ["Overall", *(f"- {text}" for text in overall), ""]
    if note.strip():
        lines += [f"Note from the issuer: {note.strip()}", ""]
    lines.append(marker(decision_id))
    return "\n".join(lines)


class CanvasFeedback:
    """The decision hook and the outbox consumer."""

    def __init__(
        self, canvas: CanvasService, gateway: CanvasGateway, uow_factory: UnitOfWorkFactory
    ) -> None:
        self._canvas = canvas
        self._gateway = gateway
        self._uow = uow_factory

    def on_decided(self, uow: UnitOfWork, decided: Decided) -> None:
        """A :data:`~lti_tool.services.decisions.DecisionHook`: queue the comment when the
        educator launched this credential from a Canvas assignment."""
        submission = decided.submission
        link = self._canvas.link_for(submission.person_id, decided.credential.slug)
        if link is None or link.assignment_id is None:
            return
        decision = decided.decision
        uow.outbox.add(
            OutboxEvent(
                id=new_id(),
                topic=COMMENT_TOPIC,
                key=f"{COMMENT_TOPIC}:{decision.id}",
                payload={
                    "decision_id": decision.id,
                    "submission_id": submission.id,
                    "attempt_number": decision.attempt_number,
                    "outcome": decision.outcome,
                    "base_url": link.base_url,
                    "course_id": link.course_id,
                    "assignment_id": link.assignment_id,
                    "canvas_user_id": link.canvas_user_id,
                },
                created_at=decided.at,
            )
        )

    def consume(self, event: OutboxEvent) -> None:
        """Outbox consumer of :data:`COMMENT_TOPIC`: post the comment unless it is there."""
        payload = event.payload
        decision_id = str(payload["decision_id"])
        with self._uow() as uow:
            submission = uow.submissions.get(str(payload["submission_id"]))
            definition = uow.catalog.version(submission.credential_version_id).definition
            attempt = int(payload["attempt_number"])
            reviews = [
                review
                for review in uow.reviews.for_attempt(submission.id, attempt)
                if review.completed_at is not None
            ]
            decision = next(
                item
                for item in uow.decisions.for_submission(submission.id)
                if item.id == decision_id
            )
        text = comment_text(definition, decision.outcome, decision.note, reviews, decision_id)
        connection = self._canvas.plain(str(payload["base_url"]))
        link = CanvasLink(
            submission.person_id,
            "",
            connection.base_url,
            str(payload["course_id"]),
            str(payload["assignment_id"]),
            str(payload["canvas_user_id"]),
            None,
            event.created_at,
        )
        self._gateway.post_comment(connection, link, text, marker(decision_id))
