"""The educator's path: draft, evidence, submit, resubmit; and the transaction rules under it."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any

import pytest

from lti_tool.domain.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from lti_tool.domain.lifecycle import Action, SubmissionState
from lti_tool.domain.model import DecisionOutcome, Recommendation
from lti_tool.domain.roles import Role
from lti_tool.ports import AuditFilter
from lti_tool.services.common import ReviewPolicy
from lti_tool.services.evidence import EvidenceService
from lti_tool.services.submissions import SubmissionService
from tests.fakes.builders import (
    ARTIFACT,
    CREDENTIAL_SLUG,
    DEFAULT_MAX_UPLOAD_BYTES,
    LINKS,
    PDF_BYTES,
    PLANNING,
    PRACTICE,
    REFLECTION,
    World,
    build_world,
    review,
    scores,
    submitted,
    upload,
    write_draft,
)
from tests.fakes.memory import InMemoryUnitOfWork, MemoryDatabase

S = SubmissionState


@pytest.fixture
def world() -> World:
    return build_world()


def _audit(world: World, entity_id: str) -> list[tuple[str | None, str, str | None, str | None]]:
    """The submission's audit trail oldest first: (actor, action, from, to)."""
    page, _ = world.services.audit.page(
        world.admin, AuditFilter(entity_type="submission", entity_id=entity_id), per_page=200
    )
    return [(e.actor_id, e.action, e.from_state, e.to_state) for e in reversed(page.items)]


# -- the whole path ---------------------------------------------------------------------------


def test_draft_to_award(world: World) -> None:
    services, teacher = world.services, world.teacher
    draft = services.submissions.start(teacher, CREDENTIAL_SLUG, context_id="course-7")
    assert draft.state is S.DRAFT
    assert draft.attempt_number == 1
    assert draft.context_id == "course-7"

    write_draft(world, teacher, draft.id, text="I planned open questions.")
    evidence = upload(world, teacher, draft.id)
    workspace = services.submissions.workspace(teacher, draft.id)
    assert workspace.editable
    assert workspace.response(PLANNING, REFLECTION).text == "I planned open questions."
    assert workspace.response(PLANNING, LINKS).links == ["https://example.org/lesson"]
    assert [item.id for item in workspace.files_for(PRACTICE, ARTIFACT)] == [evidence.id]

    services.clock.advance(hours=1)
    sent = services.submissions.submit(teacher, draft.id)
    assert sent.state is S.SUBMITTED
    assert sent.submitted_at == services.clock.now()

    services.clock.advance(days=2)
    claimed = services.reviews.claim(world.assessor, draft.id)
    assert claimed.kind == "primary"
    services.clock.advance(hours=3)
    services.reviews.complete(world.assessor, draft.id, scores(), Recommendation.AWARD)
    services.clock.advance(days=1)
    decision = services.decisions.decide(world.issuer, draft.id, DecisionOutcome.AWARD)

    final = services.submissions.workspace(teacher, draft.id)
    assert final.submission.state is S.AWARDED
    assert not final.editable
    assert final.actions == frozenset()
    with services.uow_factory() as uow:
        award = uow.awards.for_submission(draft.id)
        events = uow.outbox.all()
    assert award is not None
    assert award.decision_id == decision.id
    assert award.person_id == teacher.person_id
    assert [event.topic for event in events] == ["credential.awarded"]
    assert events[0].payload["award_id"] == award.id

    assert _audit(world, draft.id) == [
        (teacher.person_id, "start", None, "draft"),
        (teacher.person_id, "submit", "draft", "submitted"),
        (world.assessor.person_id, "claim", "submitted", "in_review"),
        (world.assessor.person_id, "complete_review", "in_review", "awaiting_decision"),
        (world.issuer.person_id, "award", "awaiting_decision", "awarded"),
    ]


def test_the_audit_page_names_the_actors_newest_first(world: World) -> None:
    sub = submitted(world)
    review(world, world.assessor, sub.id)
    page, names = world.services.audit.page(
        world.admin, AuditFilter(entity_id=sub.id, entity_type="submission")
    )
    assert [entry.action for entry in page.items] == ["complete_review", "claim", "submit", "start"]
    assert page.total == 4
    assert names == {
        world.teacher.person_id: "Tess Teacher",
        world.assessor.person_id: "Ada Assessor",
    }
    with pytest.raises(PermissionDeniedError):
        world.services.audit.page(world.teacher, AuditFilter())


def test_the_audit_trail_filters_by_actor_action_and_time(world: World) -> None:
    clock = world.services.clock
    start = clock.now()
    sub = submitted(world)
    clock.advance(hours=1)
    middle = clock.now()
    world.services.reviews.claim(world.assessor, sub.id)
    clock.advance(hours=1)
    world.services.reviews.release(world.assessor, sub.id)

    def actions(**filters: Any) -> list[str]:
        page, _ = world.services.audit.page(
            world.admin, AuditFilter(entity_id=sub.id, **filters), per_page=200
        )
        assert page.total == len(page.items)
        return [entry.action for entry in page.items]

    assert actions() == ["release", "claim", "submit", "start"]
    assert actions(actor_id=world.assessor.person_id) == ["release", "claim"]
    assert actions(action="claim") == ["claim"]
    assert actions(since=middle) == ["release", "claim"]
    assert actions(until=middle) == ["submit", "start"]
    assert actions(since=start, until=middle) == ["submit", "start"]
    assert actions(entity_type="evidence") == []
    page, _ = world.services.audit.page(world.admin, AuditFilter(entity_id=sub.id), 2, per_page=1)
    assert [entry.action for entry in page.items] == ["claim"]
    assert (page.total, page.pages) == (4, 4)


def test_unknown_records_are_not_found(world: World) -> None:
    with world.services.uow_factory() as uow:
        for lookup in (
            uow.submissions.get,
            uow.submissions.evidence_file,
            uow.people.person,
            uow.people.organization,
            uow.catalog.version,
            uow.catalog.stack,
        ):
            with pytest.raises(NotFoundError):
                lookup("no-such-id")
        assert uow.catalog.current_version("no-such-slug") is None
        assert uow.people.organization_by_slug("no-such-slug") is None


# -- starting ---------------------------------------------------------------------------------


def test_start_reopens_the_open_submission(world: World) -> None:
    first = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    again = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    assert again.id == first.id
    mine = world.services.submissions.mine(world.teacher)
    assert [(sub.id, version.slug) for sub, version in mine] == [(first.id, CREDENTIAL_SLUG)]


def test_start_needs_a_known_credential_and_the_educator_role(world: World) -> None:
    with pytest.raises(NotFoundError):
        world.services.submissions.start(world.teacher, "no-such-credential")
    with pytest.raises(PermissionDeniedError):
        world.services.submissions.start(world.assessor, CREDENTIAL_SLUG)
    with world.services.uow_factory() as uow:
        assert uow.submissions.for_person(world.assessor.person_id) == []


def test_after_a_withdrawal_a_new_submission_starts(world: World) -> None:
    first = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    withdrawn = world.services.submissions.withdraw(world.teacher, first.id)
    assert withdrawn.state is S.WITHDRAWN
    second = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    assert second.id != first.id
    assert second.state is S.DRAFT


def test_an_awarded_credential_cannot_be_started_again(world: World) -> None:
    sub = submitted(world)
    review(world, world.assessor, sub.id)
    world.services.decisions.decide(world.issuer, sub.id, DecisionOutcome.AWARD)
    with pytest.raises(ValidationError, match="already hold"):
        world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)


# -- drafting ---------------------------------------------------------------------------------


def test_submit_lists_every_missing_item(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    with pytest.raises(ValidationError) as raised:
        world.services.submissions.submit(world.teacher, draft.id)
    assert raised.value.problems == [
        "Planning › Planning reflection: write your reflection",
        "Planning › Lesson resources: add at least one link",
        "Practice › Student work sample: upload at least one file",
    ]
    assert world.services.submissions.workspace(world.teacher, draft.id).submission.state is S.DRAFT


def test_submit_lists_only_what_is_still_missing(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    world.services.submissions.save_response(
        world.teacher, draft.id, PLANNING, REFLECTION, expected_version=0, text="   \n "
    )
    upload(world, world.teacher, draft.id)
    with pytest.raises(ValidationError) as raised:
        world.services.submissions.submit(world.teacher, draft.id)
    assert raised.value.problems == [
        "Planning › Planning reflection: write your reflection",
        "Planning › Lesson resources: add at least one link",
    ]


def test_bad_links_are_refused_and_named(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    with pytest.raises(ValidationError) as raised:
        world.services.submissions.save_response(
            world.teacher,
            draft.id,
            PLANNING,
            LINKS,
            expected_version=0,
            links=["https://ok.example/a", "javascript:alert(1)", "ftp://files.example/x"],
        )
    assert len(raised.value.problems) == 2
    assert raised.value.problems[0].startswith("Link 2:")
    assert raised.value.problems[1].startswith("Link 3:")
    assert world.services.submissions.workspace(world.teacher, draft.id).responses == {}


def test_links_are_trimmed_and_deduplicated(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    saved = world.services.submissions.save_response(
        world.teacher,
        draft.id,
        PLANNING,
        LINKS,
        expected_version=0,
        links=[" https://a.example/x ", "", "https://a.example/x", "https://b.example/"],
    )
    assert saved.links == ["https://a.example/x", "https://b.example/"]


def test_a_file_requirement_takes_no_text(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    with pytest.raises(ValidationError, match="upload them instead"):
        world.services.submissions.save_response(
            world.teacher, draft.id, PRACTICE, ARTIFACT, expected_version=0, text="hello"
        )


def test_nothing_can_be_edited_after_submitting(world: World) -> None:
    sub = submitted(world)
    response = world.services.submissions.workspace(world.teacher, sub.id).response(
        PLANNING, REFLECTION
    )
    assert response is not None
    with pytest.raises(InvalidTransitionError) as raised:
        world.services.submissions.save_response(
            world.teacher,
            sub.id,
            PLANNING,
            REFLECTION,
            expected_version=response.version,
            text="changed after submitting",
        )
    assert raised.value.action == Action.EDIT.value
    with pytest.raises(InvalidTransitionError):
        upload(world, world.teacher, sub.id, "late.pdf")
    after = world.services.submissions.workspace(world.teacher, sub.id)
    assert after.response(PLANNING, REFLECTION).text == "I planned."
    assert len(after.evidence) == 1


# -- permissions ------------------------------------------------------------------------------


def test_a_teacher_cannot_touch_another_teachers_submission(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    write_draft(world, world.teacher, draft.id, text="Mine.")
    intruder = world.other_teacher
    with pytest.raises(PermissionDeniedError):
        world.services.submissions.workspace(intruder, draft.id)
    with pytest.raises(PermissionDeniedError):
        world.services.submissions.save_response(
            intruder, draft.id, PLANNING, REFLECTION, expected_version=1, text="Overwritten."
        )
    with pytest.raises(PermissionDeniedError):
        world.services.submissions.submit(intruder, draft.id)
    with pytest.raises(PermissionDeniedError):
        world.services.submissions.withdraw(intruder, draft.id)
    workspace = world.services.submissions.workspace(world.teacher, draft.id)
    assert workspace.response(PLANNING, REFLECTION).text == "Mine."
    assert workspace.submission.state is S.DRAFT
    assert world.services.submissions.mine(intruder) == []


def test_an_unknown_submission_is_not_found(world: World) -> None:
    with pytest.raises(NotFoundError):
        world.services.submissions.workspace(world.teacher, "no-such-id")


# -- optimistic concurrency -------------------------------------------------------------------


def test_two_saves_from_the_same_version_the_second_is_refused(world: World) -> None:
    service = world.services.submissions
    draft = service.start(world.teacher, CREDENTIAL_SLUG)
    first = service.save_response(
        world.teacher, draft.id, PLANNING, REFLECTION, expected_version=0, text="Tab one."
    )
    assert first.version == 1
    with pytest.raises(ConflictError, match="Nothing was overwritten"):
        service.save_response(
            world.teacher, draft.id, PLANNING, REFLECTION, expected_version=0, text="Tab two."
        )
    kept = service.workspace(world.teacher, draft.id).response(PLANNING, REFLECTION)
    assert kept.text == "Tab one."
    assert kept.version == 1


def test_two_saves_of_an_existing_response_from_the_same_version(world: World) -> None:
    service = world.services.submissions
    draft = service.start(world.teacher, CREDENTIAL_SLUG)
    service.save_response(
        world.teacher, draft.id, PLANNING, REFLECTION, expected_version=0, text="v1"
    )
    second = service.save_response(
        world.teacher, draft.id, PLANNING, REFLECTION, expected_version=1, text="Tab one."
    )
    assert second.version == 2
    with pytest.raises(ConflictError):
        service.save_response(
            world.teacher, draft.id, PLANNING, REFLECTION, expected_version=1, text="Tab two."
        )
    kept = service.workspace(world.teacher, draft.id).response(PLANNING, REFLECTION)
    assert (kept.text, kept.version) == ("Tab one.", 2)


def test_a_submission_changed_by_another_transaction_is_not_overwritten(world: World) -> None:
    """Two transactions read the same submission; the second writer gets ConflictError."""
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    factory = world.services.uow_factory
    with factory() as first, factory() as second:
        mine = first.submissions.get(draft.id)
        theirs = second.submissions.get(draft.id)
        mine.context_id = "first"
        first.submissions.save(mine)
        first.commit()
        theirs.context_id = "second"
        with pytest.raises(ConflictError):
            second.submissions.save(theirs)
    with factory() as uow:
        stored = uow.submissions.get(draft.id)
    assert (stored.context_id, stored.version) == ("first", 2)


def test_a_race_between_saves_is_caught_at_commit(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    factory = world.services.uow_factory
    with factory() as first, factory() as second:
        mine = first.submissions.get(draft.id)
        theirs = second.submissions.get(draft.id)
        mine.context_id = "first"
        theirs.context_id = "second"
        first.submissions.save(mine)
        second.submissions.save(theirs)
        first.commit()
        with pytest.raises(ConflictError):
            second.commit()
    with factory() as uow:
        assert uow.submissions.get(draft.id).context_id == "first"


def test_writes_are_invisible_until_commit_and_lost_without_it(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    factory = world.services.uow_factory
    with factory() as writer:
        submission = writer.submissions.get(draft.id)
        submission.state = S.WITHDRAWN
        writer.submissions.save(submission)
        assert writer.submissions.get(draft.id).state is S.WITHDRAWN
        with factory() as reader:
            assert reader.submissions.get(draft.id).state is S.DRAFT
    with factory() as uow:
        stored = uow.submissions.get(draft.id)
        assert (stored.state, stored.version) == (S.DRAFT, 1)
        stored.state = S.SUBMITTED  # a returned object is a copy
        assert uow.submissions.get(draft.id).state is S.DRAFT


# -- resubmission -----------------------------------------------------------------------------


def _returned(world: World) -> str:
    sub = submitted(world)
    review(world, world.assessor, sub.id, Recommendation.RESUBMIT)
    world.services.decisions.decide(world.issuer, sub.id, DecisionOutcome.RETURN)
    return sub.id


def test_a_resubmission_carries_responses_and_files_forward(world: World) -> None:
    submission_id = _returned(world)
    first = world.services.submissions.workspace(world.teacher, submission_id)
    assert first.submission.state is S.RETURNED
    (original,) = first.evidence

    world.services.clock.advance(days=1)
    reopened = world.services.submissions.start_resubmission(world.teacher, submission_id)
    assert reopened.state is S.DRAFT
    assert reopened.attempt_number == 2
    assert reopened.submitted_at is None

    second = world.services.submissions.workspace(world.teacher, submission_id)
    assert second.editable
    assert {
        key: (r.text, r.links, r.attempt_number, r.version) for key, r in second.responses.items()
    } == {
        (PLANNING, REFLECTION): ("I planned.", [], 2, 1),
        (PLANNING, LINKS): ("", ["https://example.org/lesson"], 2, 1),
    }
    (carried,) = second.evidence
    assert carried.id != original.id
    assert carried.attempt_number == 2
    assert carried.carried_from_attempt == 1
    assert carried.storage_key == original.storage_key
    assert (carried.sha256, carried.filename) == (original.sha256, original.filename)

    with world.services.uow_factory() as uow:
        assert [item.id for item in uow.submissions.evidence(submission_id, 1)] == [original.id]
        assert uow.submissions.responses(submission_id, 1)[0].attempt_number == 1

    assert _audit(world, submission_id)[-1] == (
        world.teacher.person_id,
        "start_resubmission",
        "returned",
        "draft",
    )


def test_the_teacher_sees_attempt_one_feedback_per_section(world: World) -> None:
    submission_id = _returned(world)
    world.services.submissions.start_resubmission(world.teacher, submission_id)
    workspace = world.services.submissions.workspace(world.teacher, submission_id)
    (feedback,) = workspace.feedback
    assert feedback.attempt_number == 1
    assert feedback.decision is not None
    assert feedback.decision.outcome == DecisionOutcome.RETURN
    (assessment,) = feedback.reviews
    assert assessment.recommendation == Recommendation.RESUBMIT
    assert {score.section_key: score.feedback for score in assessment.scores} == {
        PLANNING: "Feedback from Ada Assessor on attempt.",
        PRACTICE: "Feedback from Ada Assessor on attempt.",
    }


def test_the_resubmitted_attempt_can_be_edited_and_submitted(world: World) -> None:
    submission_id = _returned(world)
    world.services.submissions.start_resubmission(world.teacher, submission_id)
    response = world.services.submissions.workspace(world.teacher, submission_id).response(
        PLANNING, REFLECTION
    )
    world.services.submissions.save_response(
        world.teacher,
        submission_id,
        PLANNING,
        REFLECTION,
        expected_version=response.version,
        text="Second try.",
    )
    resent = world.services.submissions.submit(world.teacher, submission_id)
    assert (resent.state, resent.attempt_number) == (S.SUBMITTED, 2)
    with world.services.uow_factory() as uow:
        first = uow.submissions.response(submission_id, 1, PLANNING, REFLECTION)
        second = uow.submissions.response(submission_id, 2, PLANNING, REFLECTION)
    assert first.text == "I planned."
    assert second.text == "Second try."


def test_removing_a_carried_file_keeps_the_earlier_attempts_file(world: World) -> None:
    submission_id = _returned(world)
    world.services.submissions.start_resubmission(world.teacher, submission_id)
    (carried,) = world.services.submissions.workspace(world.teacher, submission_id).evidence

    world.services.evidence.remove(world.teacher, carried.id)

    assert world.services.submissions.workspace(world.teacher, submission_id).evidence == []
    with world.services.uow_factory() as uow:
        (kept,) = uow.submissions.evidence(submission_id, 1)
    assert kept.storage_key == carried.storage_key
    assert world.services.store.objects[kept.storage_key] == PDF_BYTES
    _, stream = world.services.evidence.open(world.teacher, kept.id)
    assert stream.read() == PDF_BYTES
    with pytest.raises(ValidationError) as raised:
        world.services.submissions.submit(world.teacher, submission_id)
    assert raised.value.problems == ["Practice › Student work sample: upload at least one file"]


def test_files_of_a_submitted_attempt_cannot_be_removed(world: World) -> None:
    submission_id = _returned(world)
    world.services.submissions.start_resubmission(world.teacher, submission_id)
    with world.services.uow_factory() as uow:
        (earlier,) = uow.submissions.evidence(submission_id, 1)
    with pytest.raises(PermissionDeniedError):
        world.services.evidence.remove(world.teacher, earlier.id)
    with world.services.uow_factory() as uow:
        assert [item.id for item in uow.submissions.evidence(submission_id, 1)] == [earlier.id]


def test_a_file_carried_twice_still_names_its_first_attempt() -> None:
    world = build_world(ReviewPolicy(attempt_cap=3, max_upload_bytes=DEFAULT_MAX_UPLOAD_BYTES))
    submission_id = _returned(world)
    world.services.submissions.start_resubmission(world.teacher, submission_id)
    world.services.submissions.submit(world.teacher, submission_id)
    review(world, world.assessor, submission_id, Recommendation.RESUBMIT)
    world.services.decisions.decide(world.issuer, submission_id, DecisionOutcome.RETURN)
    third = world.services.submissions.start_resubmission(world.teacher, submission_id)
    assert third.attempt_number == 3
    (carried,) = world.services.submissions.workspace(world.teacher, submission_id).evidence
    assert carried.carried_from_attempt == 1


def test_resubmission_needs_a_returned_submission(world: World) -> None:
    sub = submitted(world)
    with pytest.raises(InvalidTransitionError):
        world.services.submissions.start_resubmission(world.teacher, sub.id)
    with world.services.uow_factory() as uow:
        stored = uow.submissions.get(sub.id)
        assert (stored.state, stored.attempt_number) == (S.SUBMITTED, 1)
        assert uow.submissions.responses(sub.id, 2) == []


def test_only_the_owner_can_resubmit(world: World) -> None:
    submission_id = _returned(world)
    with pytest.raises(PermissionDeniedError):
        world.services.submissions.start_resubmission(world.other_teacher, submission_id)


def test_an_educator_who_is_also_an_assessor_still_submits(world: World) -> None:
    sub = submitted(world, world.assessing_teacher)
    assert sub.state is S.SUBMITTED
    assert world.assessing_teacher.has(Role.ASSESSOR)


# -- races between transactions ---------------------------------------------------------------


class _RacingUnitOfWork(InMemoryUnitOfWork):
    """A unit of work that lets another transaction run right after it reads submissions.

    ``method`` names the submission-repository read; each call of it (in any unit of work of the
    factory) takes the next callable from ``races`` and runs it, in its own unit of work over the
    same database, as a concurrent request would between this read and this commit.
    """

    def __init__(
        self, database: MemoryDatabase, method: str, races: list[Callable[[], object]]
    ) -> None:
        super().__init__(database)
        self._method = method
        self._races = races

    def __enter__(self) -> _RacingUnitOfWork:
        super().__enter__()
        read = getattr(self.submissions, self._method)

        def read_then_race(*args: Any, **kwargs: Any) -> Any:
            found = read(*args, **kwargs)
            if self._races:
                self._races.pop(0)()
            return found

        setattr(self.submissions, self._method, read_then_race)
        return self


def _racing_factory(
    world: World, method: str, races: list[Callable[[], object]]
) -> Callable[[], _RacingUnitOfWork]:
    def factory() -> _RacingUnitOfWork:
        return _RacingUnitOfWork(world.services.database, method, races)

    return factory


def _racing_service(world: World, method: str, races: list[Callable[[], object]]) -> Any:
    factory = _racing_factory(world, method, races)
    return SubmissionService(factory, world.services.clock, world.services.policy)


def _racing_evidence(world: World, races: list[Callable[[], object]]) -> EvidenceService:
    services = world.services
    factory = _racing_factory(world, "get", races)
    return EvidenceService(
        factory, services.clock, services.store, services.sniffer, services.policy
    )


def test_the_racing_fake_really_interleaves(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    seen: list[SubmissionState] = []

    def peek() -> None:
        seen.append(world.services.submissions.workspace(world.teacher, draft.id).submission.state)

    racing = _racing_service(world, "get", [peek])
    racing.workspace(world.teacher, draft.id)
    assert seen == [S.DRAFT]


def test_a_submit_racing_with_a_submit_is_refused(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    write_draft(world, world.teacher, draft.id)
    upload(world, world.teacher, draft.id)
    races: list[Callable[[], object]] = [
        lambda: world.services.submissions.submit(world.teacher, draft.id)
    ]
    with pytest.raises((ConflictError, InvalidTransitionError)):
        _racing_service(world, "get", races).submit(world.teacher, draft.id)
    assert (
        _audit(world, draft.id).count((world.teacher.person_id, "submit", "draft", "submitted"))
        == 1
    )


def test_an_edit_racing_with_submit_does_not_change_the_submitted_attempt(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    write_draft(world, world.teacher, draft.id, text="As submitted.")
    upload(world, world.teacher, draft.id)
    races: list[Callable[[], object]] = [
        lambda: world.services.submissions.submit(world.teacher, draft.id)
    ]
    racing = _racing_service(world, "get", races)
    with contextlib.suppress(ConflictError, InvalidTransitionError):
        racing.save_response(
            world.teacher,
            draft.id,
            PLANNING,
            REFLECTION,
            expected_version=1,
            text="Changed while it was being submitted.",
        )
    with world.services.uow_factory() as uow:
        assert uow.submissions.get(draft.id).state is S.SUBMITTED
        stored = uow.submissions.response(draft.id, 1, PLANNING, REFLECTION)
    assert stored is not None
    assert stored.text == "As submitted."


def test_two_racing_starts_make_one_submission(world: World) -> None:
    races: list[Callable[[], object]] = [
        lambda: world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    ]
    with contextlib.suppress(ConflictError):
        _racing_service(world, "for_person", races).start(world.teacher, CREDENTIAL_SLUG)
    with world.services.uow_factory() as uow:
        assert len(uow.submissions.for_person(world.teacher.person_id)) == 1


def _no_race() -> None:
    return None


def test_an_upload_racing_with_submit_does_not_add_to_the_submitted_attempt(
    world: World,
) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    write_draft(world, world.teacher, draft.id)
    upload(world, world.teacher, draft.id, "first.pdf")
    races: list[Callable[[], object]] = [
        _no_race,  # the first transaction of upload (the checks) runs undisturbed
        lambda: world.services.submissions.submit(world.teacher, draft.id),
    ]
    with contextlib.suppress(ConflictError, InvalidTransitionError):
        _racing_evidence(world, races).upload(
            world.teacher, draft.id, PRACTICE, ARTIFACT, "late.pdf", io.BytesIO(PDF_BYTES)
        )
    with world.services.uow_factory() as uow:
        assert uow.submissions.get(draft.id).state is S.SUBMITTED
        files = uow.submissions.evidence(draft.id, 1)
    assert [item.filename for item in files] == ["first.pdf"]
    assert len(world.services.store.objects) == 1


def test_a_remove_racing_with_submit_keeps_the_submitted_file(world: World) -> None:
    draft = world.services.submissions.start(world.teacher, CREDENTIAL_SLUG)
    write_draft(world, world.teacher, draft.id)
    evidence = upload(world, world.teacher, draft.id)
    races: list[Callable[[], object]] = [
        lambda: world.services.submissions.submit(world.teacher, draft.id)
    ]
    with contextlib.suppress(ConflictError, InvalidTransitionError):
        _racing_evidence(world, races).remove(world.teacher, evidence.id)
    with world.services.uow_factory() as uow:
        assert uow.submissions.get(draft.id).state is S.SUBMITTED
        files = uow.submissions.evidence(draft.id, 1)
    assert [item.id for item in files] == [evidence.id]
    assert world.services.store.objects == {evidence.storage_key: PDF_BYTES}
