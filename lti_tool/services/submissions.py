"""The educator's side: start a submission, write evidence, submit, resubmit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from lti_tool.domain.catalog import CredentialDefinition, EvidenceKind
from lti_tool.domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from lti_tool.domain.lifecycle import (
    EDITABLE_STATES,
    TERMINAL_STATES,
    Action,
    SubmissionState,
    TransitionContext,
    allowed_actions,
    next_state,
)
from lti_tool.domain.model import (
    CredentialVersion,
    Decision,
    EvidenceFile,
    Review,
    SectionResponse,
    Submission,
    new_id,
)
from lti_tool.domain.roles import Role
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lti_tool.services.common import Actor, ReviewPolicy, move, record

MAX_TEXT_CHARS = 50_000
MAX_LINKS = 20
MAX_LINK_CHARS = 2_000


@dataclass(frozen=True)
class AttemptFeedback:
    """What an educator is shown about a finished attempt: per-section feedback, no names."""

    attempt_number: int
    reviews: list[Review]
    decision: Decision | None


@dataclass(frozen=True)
class Workspace:
    """Everything the submission editor and the educator's status page show."""

    submission: Submission
    credential: CredentialVersion
    responses: dict[tuple[str, str], SectionResponse]
    evidence: list[EvidenceFile]
    feedback: list[AttemptFeedback] = field(default_factory=list)
    attempt_cap: int = 3

    @property
    def definition(self) -> CredentialDefinition:
        return self.credential.definition

    @property
    def editable(self) -> bool:
        return self.submission.state in EDITABLE_STATES

    @property
    def actions(self) -> frozenset[Action]:
        return allowed_actions(self.submission.state)

    def files_for(self, section_key: str, requirement_key: str) -> list[EvidenceFile]:
        return [
            item
            for item in self.evidence
            if item.section_key == section_key and item.requirement_key == requirement_key
        ]

    def response(self, section_key: str, requirement_key: str) -> SectionResponse | None:
        return self.responses.get((section_key, requirement_key))


def clean_links(raw: list[str]) -> list[str]:
    """Validate evidence links: http(s) only, deduplicated, in order.

    Raises:
        ValidationError: naming each bad link.
    """
    links: list[str] = []
    problems: list[str] = []
    for position, value in enumerate(raw, start=1):
        link = value.strip()
        if not link:
            continue
        parts = urlsplit(link)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            problems.append(f"Link {position}: {link[:80]!r} is not an http:// or https:// address")
        elif len(link) > MAX_LINK_CHARS:
            problems.append(f"Link {position}: longer than {MAX_LINK_CHARS} characters")
        elif link not in links:
            links.append(link)
    if len(links) > MAX_LINKS:
        problems.append(f"At most {MAX_LINKS} links per item")
    if problems:
        raise ValidationError("Some links are not valid", problems)
    return links


class SubmissionService:
    """Drafting and submitting evidence toward one credential."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, policy: ReviewPolicy) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._policy = policy

    @staticmethod
    def _owned(
        uow: UnitOfWork, actor: Actor, submission_id: str, *, lock: bool = False
    ) -> Submission:
        submission = uow.submissions.get(submission_id, for_update=lock)
        if submission.person_id != actor.person_id:
            raise PermissionDeniedError("This submission belongs to someone else.")
        return submission

    def start(
        self, actor: Actor, credential_slug: str, context_id: str | None = None
    ) -> Submission:
        """Begin (or reopen) the educator's submission for a credential's current version."""
        actor.require(Role.EDUCATOR)
        with self._uow() as uow:
            credential = uow.catalog.current_version(credential_slug)
            if credential is None:
                raise NotFoundError(f"There is no credential {credential_slug!r} in the catalog.")
            for existing in uow.submissions.for_person(actor.person_id):
                existing_slug = uow.catalog.version(existing.credential_version_id).slug
                if existing_slug != credential_slug:
                    continue
                if existing.state is SubmissionState.AWARDED:
                    raise ValidationError(f"You already hold {credential.definition.title}.")
                if existing.state not in TERMINAL_STATES:
                    return existing
            now = self._clock.now()
            submission = Submission(
                id=new_id(),
                person_id=actor.person_id,
                credential_version_id=credential.id,
                state=SubmissionState.DRAFT,
                attempt_number=1,
                created_at=now,
                updated_at=now,
                context_id=context_id,
            )
            uow.submissions.add(submission)
            record(
                uow,
                now,
                actor.person_id,
                "submission",
                submission.id,
                "start",
                None,
                SubmissionState.DRAFT.value,
                f"{credential.slug} v{credential.version}",
            )
            try:
                uow.commit()
            except ConflictError:
                winner = self._open_submission(actor, credential_slug)
                if winner is None:
                    raise
                return winner
            return submission

    def _open_submission(self, actor: Actor, credential_slug: str) -> Submission | None:
        with self._uow() as uow:
            for existing in uow.submissions.for_person(actor.person_id):
                if (
                    existing.state not in TERMINAL_STATES
                    and uow.catalog.version(existing.credential_version_id).slug == credential_slug
                ):
                    return existing
        return None

    def mine(self, actor: Actor) -> list[tuple[Submission, CredentialVersion]]:
        with self._uow() as uow:
            return [
                (submission, uow.catalog.version(submission.credential_version_id))
                for submission in sorted(
                    uow.submissions.for_person(actor.person_id),
                    key=lambda item: item.updated_at,
                    reverse=True,
                )
            ]

    def workspace(self, actor: Actor, submission_id: str) -> Workspace:
        """The owner's view of a submission, with feedback from earlier attempts."""
        with self._uow() as uow:
            submission = self._owned(uow, actor, submission_id)
            return self._workspace(uow, submission)

    def _workspace(self, uow: UnitOfWork, submission: Submission) -> Workspace:
        credential = uow.catalog.version(submission.credential_version_id)
        responses = {
            (item.section_key, item.requirement_key): item
            for item in uow.submissions.responses(submission.id, submission.attempt_number)
        }
        decisions = {
            item.attempt_number: item for item in uow.decisions.for_submission(submission.id)
        }
        feedback = []
        for attempt in sorted(decisions, reverse=True):
            reviews = [
                review
                for review in uow.reviews.for_attempt(submission.id, attempt)
                if review.completed_at is not None
            ]
            feedback.append(AttemptFeedback(attempt, reviews, decisions[attempt]))
        return Workspace(
            submission=submission,
            credential=credential,
            responses=responses,
            evidence=uow.submissions.evidence(submission.id, submission.attempt_number),
            feedback=feedback,
            attempt_cap=self._policy.cap_for(credential.definition),
        )

    def save_response(
        self,
        actor: Actor,
        submission_id: str,
        section_key: str,
        requirement_key: str,
        *,
        expected_version: int,
        text: str | None = None,
        links: list[str] | None = None,
    ) -> SectionResponse:
        """Save one reflection or list of links in the draft.

        ``expected_version`` is the version the editor last saw (0 for nothing saved yet). If
        someone else saved in between, :class:`ConflictError` is raised and nothing is overwritten.
        """
        with self._uow() as uow:
            submission = self._owned(uow, actor, submission_id, lock=True)
            next_state(submission.state, Action.EDIT)
            credential = uow.catalog.version(submission.credential_version_id)
            requirement = credential.definition.section(section_key).requirement(requirement_key)
            if requirement.kind is EvidenceKind.FILE:
                raise ValidationError(f"{requirement.label} takes files: upload them instead.")
            cleaned_text = ""
            cleaned_links: list[str] = []
            if requirement.kind is EvidenceKind.REFLECTION:
                cleaned_text = (text or "").replace("\r\n", "\n")
                if len(cleaned_text) > MAX_TEXT_CHARS:
                    raise ValidationError(
                        f"{requirement.label} is longer than {MAX_TEXT_CHARS:,} characters."
                    )
            else:
                cleaned_links = clean_links(links or [])
            now = self._clock.now()
            existing = uow.submissions.response(
                submission.id, submission.attempt_number, section_key, requirement_key
            )
            if existing is None:
                if expected_version != 0:
                    raise ConflictError(_CONFLICT)
                response = SectionResponse(
                    submission_id=submission.id,
                    attempt_number=submission.attempt_number,
                    section_key=section_key,
                    requirement_key=requirement_key,
                    text=cleaned_text,
                    links=cleaned_links,
                    version=1,
                    updated_at=now,
                )
                uow.submissions.add_response(response)
            else:
                if existing.version != expected_version:
                    raise ConflictError(_CONFLICT)
                existing.text = cleaned_text
                existing.links = cleaned_links
                existing.updated_at = now
                uow.submissions.save_response(existing)
                response = existing
            touch_draft(uow, submission, now)
            uow.commit()
            return response

    def submit(self, actor: Actor, submission_id: str) -> Submission:
        """Send the draft to the assessor queue once every required item is there.

        Raises:
            ValidationError: listing each missing item by section.
        """
        with self._uow() as uow:
            submission = self._owned(uow, actor, submission_id, lock=True)
            next_state(submission.state, Action.SUBMIT)
            workspace = self._workspace(uow, submission)
            missing = missing_items(workspace)
            if missing:
                raise ValidationError("Some required evidence is missing", missing)
            submission.submitted_at = self._clock.now()
            move(
                uow,
                self._clock,
                submission,
                Action.SUBMIT,
                actor.person_id,
                note=f"attempt {submission.attempt_number}",
            )
            uow.commit()
            return submission

    def withdraw(self, actor: Actor, submission_id: str) -> Submission:
        with self._uow() as uow:
            submission = self._owned(uow, actor, submission_id, lock=True)
            move(uow, self._clock, submission, Action.WITHDRAW, actor.person_id)
            uow.commit()
            return submission

    def start_resubmission(self, actor: Actor, submission_id: str) -> Submission:
        """Open the next attempt, carrying the earlier evidence forward until replaced."""
        with self._uow() as uow:
            submission = self._owned(uow, actor, submission_id, lock=True)
            credential = uow.catalog.version(submission.credential_version_id)
            cap = self._policy.cap_for(credential.definition)
            if submission.attempt_number >= cap:
                raise ValidationError(f"You have used all {cap} attempts for this credential.")
            previous = submission.attempt_number
            responses = uow.submissions.responses(submission.id, previous)
            files = uow.submissions.evidence(submission.id, previous)
            submission.attempt_number = previous + 1
            submission.submitted_at = None
            move(
                uow,
                self._clock,
                submission,
                Action.START_RESUBMISSION,
                actor.person_id,
                note=f"attempt {previous + 1} of {cap}",
                context=TransitionContext(attempt_number=previous, attempt_cap=cap),
            )
            now = self._clock.now()
            for response in responses:
                uow.submissions.add_response(
                    SectionResponse(
                        submission_id=submission.id,
                        attempt_number=submission.attempt_number,
                        section_key=response.section_key,
                        requirement_key=response.requirement_key,
                        text=response.text,
                        links=list(response.links),
                        version=1,
                        updated_at=now,
                    )
                )
            for item in files:
                uow.submissions.add_evidence(
                    EvidenceFile(
                        id=new_id(),
                        submission_id=submission.id,
                        attempt_number=submission.attempt_number,
                        section_key=item.section_key,
                        requirement_key=item.requirement_key,
                        filename=item.filename,
                        media_type=item.media_type,
                        size_bytes=item.size_bytes,
                        sha256=item.sha256,
                        storage_key=item.storage_key,
                        uploaded_at=item.uploaded_at,
                        uploaded_by=item.uploaded_by,
                        carried_from_attempt=item.carried_from_attempt or previous,
                    )
                )
            uow.commit()
            return submission


def touch_draft(uow: UnitOfWork, submission: Submission, now: datetime) -> None:
    """Record a draft change on the submission row itself.

    The version check in ``save`` makes a draft edit and a concurrent submit exclude each other:
    whichever commits second sees the other's version and is refused.
    """
    submission.updated_at = now
    uow.submissions.save(submission)


_CONFLICT = (
    "This draft was changed somewhere else (another tab or another person) after you opened it. "
    "Nothing was overwritten: your text is still in the editor. Reload to see the saved version, "
    "then add your changes again."
)


def missing_items(workspace: Workspace) -> list[str]:
    """Required evidence the draft does not have yet, located by section and item."""
    missing = []
    for section in workspace.definition.sections:
        for requirement in section.evidence:
            if not requirement.required:
                continue
            response = workspace.response(section.key, requirement.key)
            where = f"{section.title} › {requirement.label}"
            if requirement.kind is EvidenceKind.REFLECTION and not (
                response and response.text.strip()
            ):
                missing.append(f"{where}: write your reflection")
            elif requirement.kind is EvidenceKind.LINK and not (response and response.links):
                missing.append(f"{where}: add at least one link")
            elif requirement.kind is EvidenceKind.FILE and not workspace.files_for(
                section.key, requirement.key
            ):
                missing.append(f"{where}: upload at least one file")
    return missing
