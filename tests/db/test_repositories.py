"""The SQL repositories and unit of work, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

Rows are written through the repositories in their own units of work, exactly as the services
write them, and read back in fresh ones, so every assertion is about what the database kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import StatementError

from lti_tool.bootstrap import Container, build
from lti_tool.demo import load_catalog_file
from lti_tool.domain.catalog import parse_catalog
from lti_tool.domain.errors import ConflictError, NotFoundError
from lti_tool.domain.lifecycle import CLAIMED_STATES, POOL_STATES, SubmissionState
from lti_tool.domain.model import (
    AuditEntry,
    Organization,
    OutboxEvent,
    Review,
    ReviewKind,
    SectionResponse,
    SectionScore,
    Stack,
    Submission,
    new_id,
)
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.ports import AuditFilter, QueueItem
from tests.web.conftest import DEMO_CATALOG, make_settings

S = SubmissionState
T0 = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)
ALL_POOL_STATES = sorted(POOL_STATES)


@pytest.fixture
def bare_container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    """Wired to an empty database: not even the audit trail has entries."""
    built = build(make_settings(database_url, tmp_path / "instance"))
    yield built
    built.engine.dispose()


@pytest.fixture
def container(bare_container: Container) -> Container:
    bare_container.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
    return bare_container


@dataclass
class Cast:
    viewer: str
    other_assessor: str
    third_assessor: str
    educator_a: str
    educator_b: str
    educator_c: str
    version_id: str
    """The current version of one credential, for tests that need a single submission."""
    titles: dict[str, str]
    """Current version id -> credential title, for every credential of the demo catalog."""
    _handed_out: dict[str, int] = field(default_factory=dict)

    def fresh_version(self, person_id: str) -> str:
        """A credential version this person has no submission of yet.

        An educator may hold only one open submission per credential, so a test world with
        several submissions per person gives each one a different credential.
        """
        position = self._handed_out.get(person_id, 0)
        self._handed_out[person_id] = position + 1
        return list(self.titles)[position]


@pytest.fixture
def cast(container: Container) -> Cast:
    people = container.people
    org = people.add_organization("Harbour District", OrganizationKind.DISTRICT, slug="harbour")

    def person(name: str, *roles: Role) -> str:
        return people.add_person(
            name, organization_id=org.id, roles=tuple((role, org.id) for role in roles)
        ).id

    _, first = container.catalog.credential("hinge-questions")
    titles = {
        version.id: version.definition.title
        for stack in container.catalog.browse()
        for version in stack.credentials
    }
    assert len(titles) == 6
    return Cast(
        # The viewer is an assessor who is also an educator with submissions of their own.
        viewer=person("Vera Viewer", Role.ASSESSOR, Role.EDUCATOR),
        other_assessor=person("Otto Other", Role.ASSESSOR),
        third_assessor=person("Thea Third", Role.ASSESSOR),
        educator_a=person("Ann Educator", Role.EDUCATOR),
        educator_b=person("Bob Educator", Role.EDUCATOR),
        educator_c=person("Cleo Educator", Role.EDUCATOR),
        version_id=first.id,
        titles=titles,
    )


def add_submission(
    container: Container,
    person_id: str,
    version_id: str,
    state: SubmissionState,
    submitted_at: datetime | None,
    *,
    attempt: int = 1,
    context_id: str | None = None,
) -> str:
    submission = Submission(
        id=new_id(),
        person_id=person_id,
        credential_version_id=version_id,
        state=state,
        attempt_number=attempt,
        created_at=T0 - timedelta(days=30),
        updated_at=submitted_at or T0 - timedelta(days=30),
        submitted_at=submitted_at,
        context_id=context_id,
    )
    with container.uow_factory() as uow:
        uow.submissions.add(submission)
        uow.commit()
    return submission.id


def add_review(
    container: Container,
    submission_id: str,
    attempt: int,
    assessor_id: str,
    *,
    completed: bool,
    claimed_at: datetime = T0,
    kind: str = ReviewKind.PRIMARY,
) -> str:
    review = Review(
        id=new_id(),
        submission_id=submission_id,
        attempt_number=attempt,
        assessor_id=assessor_id,
        kind=kind,
        claimed_at=claimed_at,
        scores=[SectionScore("design", "proficient", "ok")] if completed else [],
        recommendation="award" if completed else None,
        completed_at=claimed_at + timedelta(hours=1) if completed else None,
    )
    with container.uow_factory() as uow:
        uow.reviews.add(review)
        uow.commit()
    return review.id


def ids(items: list[QueueItem]) -> list[str]:
    return [item.submission.id for item in items]


# --- optimistic locking --------------------------------------------------------------------


def test_a_stale_submission_save_is_refused_and_the_first_save_stays(
    container: Container, cast: Cast
) -> None:
    submission_id = add_submission(container, cast.educator_a, cast.version_id, S.DRAFT, None)

    with container.uow_factory() as first, container.uow_factory() as second:
        mine = first.submissions.get(submission_id)
        theirs = second.submissions.get(submission_id)
        assert mine.version == theirs.version == 1

        mine.state = S.SUBMITTED
        mine.submitted_at = T0
        mine.context_id = "course-first"
        first.submissions.save(mine)
        first.commit()
        assert mine.version == 2

        theirs.state = S.WITHDRAWN
        theirs.context_id = "course-second"
        with pytest.raises(ConflictError):
            second.submissions.save(theirs)
        assert theirs.version == 1

    with container.uow_factory() as uow:
        stored = uow.submissions.get(submission_id)
    assert (stored.state, stored.context_id, stored.submitted_at, stored.version) == (
        S.SUBMITTED,
        "course-first",
        T0,
        2,
    )


def test_a_fresh_read_after_a_save_can_save_again(container: Container, cast: Cast) -> None:
    submission_id = add_submission(container, cast.educator_a, cast.version_id, S.DRAFT, None)
    for context in ("one", "two", "three"):
        with container.uow_factory() as uow:
            submission = uow.submissions.get(submission_id)
            submission.context_id = context
            uow.submissions.save(submission)
            uow.commit()
    with container.uow_factory() as uow:
        stored = uow.submissions.get(submission_id)
    assert (stored.context_id, stored.version) == ("three", 4)


def test_a_submission_save_that_is_not_committed_does_not_bump_the_stored_version(
    container: Container, cast: Cast
) -> None:
    submission_id = add_submission(container, cast.educator_a, cast.version_id, S.DRAFT, None)
    with container.uow_factory() as uow:
        submission = uow.submissions.get(submission_id)
        submission.state = S.WITHDRAWN
        uow.submissions.save(submission)
    with container.uow_factory() as uow:
        stored = uow.submissions.get(submission_id)
    assert (stored.state, stored.version) == (S.DRAFT, 1)


def test_a_stale_response_save_is_refused_and_the_first_save_stays(
    container: Container, cast: Cast
) -> None:
    submission_id = add_submission(container, cast.educator_a, cast.version_id, S.DRAFT, None)
    with container.uow_factory() as uow:
        uow.submissions.add_response(
            SectionResponse(submission_id, 1, "design", "rationale", text="v1", updated_at=T0)
        )
        uow.commit()

    with container.uow_factory() as first, container.uow_factory() as second:
        mine = first.submissions.response(submission_id, 1, "design", "rationale")
        theirs = second.submissions.response(submission_id, 1, "design", "rationale")
        assert mine is not None and theirs is not None
        assert mine.version == theirs.version == 1

        mine.text = "first writer"
        mine.links = ["https://example.org/first"]
        mine.updated_at = T0 + timedelta(minutes=1)
        first.submissions.save_response(mine)
        first.commit()
        assert mine.version == 2

        theirs.text = "second writer"
        theirs.updated_at = T0 + timedelta(minutes=2)
        with pytest.raises(ConflictError):
            second.submissions.save_response(theirs)

    with container.uow_factory() as uow:
        stored = uow.submissions.response(submission_id, 1, "design", "rationale")
        all_responses = uow.submissions.responses(submission_id, 1)
    assert stored is not None
    assert (stored.text, stored.links, stored.version, stored.updated_at) == (
        "first writer",
        ["https://example.org/first"],
        2,
        T0 + timedelta(minutes=1),
    )
    assert len(all_responses) == 1


def test_two_first_responses_for_the_same_item_conflict(container: Container, cast: Cast) -> None:
    """Both editors saw "nothing saved yet"; the unique key lets only one insert win."""
    submission_id = add_submission(container, cast.educator_a, cast.version_id, S.DRAFT, None)
    with container.uow_factory() as uow:
        uow.submissions.add_response(SectionResponse(submission_id, 1, "design", "rationale", "a"))
        uow.commit()
    with container.uow_factory() as uow:
        uow.submissions.add_response(SectionResponse(submission_id, 1, "design", "rationale", "b"))
        with pytest.raises(ConflictError):
            uow.commit()
    with container.uow_factory() as uow:
        assert [item.text for item in uow.submissions.responses(submission_id, 1)] == ["a"]


# --- outbox -------------------------------------------------------------------------------


def _event(key: str, created_at: datetime = T0, topic: str = "credential.awarded") -> OutboxEvent:
    return OutboxEvent(new_id(), topic, key, {"award_id": new_id(), "n": 1}, created_at)


def _audit(note: str, *, at: datetime = T0, **fields: str | None) -> AuditEntry:
    values: dict[str, str | None] = {
        "actor_id": None,
        "entity_type": "submission",
        "entity_id": "sub-1",
        "action": "submit",
        "from_state": "draft",
        "to_state": "submitted",
        **fields,
    }
    return AuditEntry(id=new_id(), at=at, note=note, **values)  # type: ignore[arg-type]


def test_two_outbox_events_with_one_key_refuse_the_whole_commit(container: Container) -> None:
    with container.uow_factory() as uow:
        uow.audit.append(_audit("written with the events"))
        uow.outbox.add(_event("credential.awarded:same"))
        uow.outbox.add(_event("credential.awarded:same"))
        with pytest.raises(ConflictError):
            uow.commit()

    with container.uow_factory() as uow:
        assert uow.outbox.all() == []
        notes = [entry.note for entry in uow.audit.page(AuditFilter(entity_id="sub-1"), 50, 0)]
    assert notes == []


def test_an_outbox_key_already_committed_refuses_the_second_transaction(
    container: Container,
) -> None:
    with container.uow_factory() as uow:
        uow.outbox.add(_event("credential.awarded:one"))
        uow.commit()
    with container.uow_factory() as uow:
        uow.outbox.add(_event("credential.awarded:one"))
        uow.outbox.add(_event("credential.awarded:two"))
        with pytest.raises(ConflictError):
            uow.commit()
    with container.uow_factory() as uow:
        assert [event.key for event in uow.outbox.all()] == ["credential.awarded:one"]


def test_outbox_events_are_listed_oldest_first_and_filtered_by_topic(
    container: Container,
) -> None:
    with container.uow_factory() as uow:
        uow.outbox.add(_event("b", T0 + timedelta(seconds=2)))
        uow.outbox.add(_event("a", T0 + timedelta(seconds=1), topic="other.topic"))
        uow.outbox.add(_event("c", T0 + timedelta(seconds=3)))
        uow.commit()
    with container.uow_factory() as uow:
        assert [event.key for event in uow.outbox.all()] == ["a", "b", "c"]
        assert [event.key for event in uow.outbox.all("credential.awarded")] == ["b", "c"]
        assert uow.outbox.all("credential.awarded")[0].payload["n"] == 1


# --- the assessor pool --------------------------------------------------------------------


@dataclass
class PoolWorld:
    oldest: str
    adjudication: str
    reviewed_by_viewer: str
    resubmitted: str
    second_reviewed_by_others: str
    newest: str
    own: str
    draft: str
    claimed: str
    claimed_by_other: str


@pytest.fixture
def pool_world(container: Container, cast: Cast) -> PoolWorld:
    day = timedelta(days=1)
    oldest = add_submission(
        container, cast.educator_a, cast.fresh_version(cast.educator_a), S.SUBMITTED, T0 - 9 * day
    )
    adjudication = add_submission(
        container,
        cast.educator_b,
        cast.fresh_version(cast.educator_b),
        S.AWAITING_ADJUDICATION,
        T0 - 8 * day,
    )
    add_review(container, adjudication, 1, cast.other_assessor, completed=True)
    add_review(
        container, adjudication, 1, cast.third_assessor, completed=True, kind=ReviewKind.SECOND
    )
    reviewed_by_viewer = add_submission(
        container,
        cast.educator_a,
        cast.fresh_version(cast.educator_a),
        S.AWAITING_SECOND_REVIEW,
        T0 - 7 * day,
    )
    add_review(container, reviewed_by_viewer, 1, cast.viewer, completed=True)
    # The viewer reviewed attempt 1; attempt 2 is a new piece of work they may review again.
    resubmitted = add_submission(
        container,
        cast.educator_b,
        cast.fresh_version(cast.educator_b),
        S.SUBMITTED,
        T0 - 6 * day,
        attempt=2,
    )
    add_review(container, resubmitted, 1, cast.viewer, completed=True)
    second_reviewed_by_others = add_submission(
        container,
        cast.educator_b,
        cast.fresh_version(cast.educator_b),
        S.AWAITING_SECOND_REVIEW,
        T0 - 5 * day,
    )
    add_review(container, second_reviewed_by_others, 1, cast.other_assessor, completed=True)
    newest = add_submission(
        container, cast.educator_a, cast.fresh_version(cast.educator_a), S.SUBMITTED, T0 - 1 * day
    )
    own = add_submission(
        container, cast.viewer, cast.fresh_version(cast.viewer), S.SUBMITTED, T0 - 10 * day
    )
    draft = add_submission(
        container, cast.educator_b, cast.fresh_version(cast.educator_b), S.DRAFT, None
    )
    claimed = add_submission(
        container, cast.educator_b, cast.fresh_version(cast.educator_b), S.IN_REVIEW, T0 - 4 * day
    )
    add_review(container, claimed, 1, cast.viewer, completed=False)
    claimed_by_other = add_submission(
        container,
        cast.educator_a,
        cast.fresh_version(cast.educator_a),
        S.IN_SECOND_REVIEW,
        T0 - 3 * day,
    )
    add_review(container, claimed_by_other, 1, cast.viewer, completed=True)
    add_review(
        container, claimed_by_other, 1, cast.other_assessor, completed=False, kind=ReviewKind.SECOND
    )
    return PoolWorld(
        oldest,
        adjudication,
        reviewed_by_viewer,
        resubmitted,
        second_reviewed_by_others,
        newest,
        own,
        draft,
        claimed,
        claimed_by_other,
    )


def test_the_pool_is_oldest_first_without_own_or_already_reviewed_work(
    container: Container, cast: Cast, pool_world: PoolWorld
) -> None:
    w = pool_world
    with container.uow_factory() as uow:
        pool = uow.submissions.pool(ALL_POOL_STATES, cast.viewer, 100, 0)
    assert ids(pool) == [
        w.oldest,
        w.adjudication,
        w.resubmitted,
        w.second_reviewed_by_others,
        w.newest,
    ]
    submitted_at = [item.submission.submitted_at for item in pool]
    assert submitted_at == sorted(submitted_at)  # type: ignore[type-var]
    assert all(
        item.credential_title == cast.titles[item.submission.credential_version_id] for item in pool
    )


def test_the_pool_for_another_viewer_differs(
    container: Container, cast: Cast, pool_world: PoolWorld
) -> None:
    w = pool_world
    with container.uow_factory() as uow:
        for_other = ids(uow.submissions.pool(ALL_POOL_STATES, cast.other_assessor, 100, 0))
        for_educator_a = ids(uow.submissions.pool(ALL_POOL_STATES, cast.educator_a, 100, 0))
    # The other assessor reviewed the adjudication and the second-review candidate, but not the
    # viewer's own submission or the one the viewer reviewed.
    assert for_other == [w.own, w.oldest, w.reviewed_by_viewer, w.resubmitted, w.newest]
    # Educator A's own submissions (oldest, reviewed_by_viewer, newest) are not offered to them.
    assert for_educator_a == [w.own, w.adjudication, w.resubmitted, w.second_reviewed_by_others]


def test_the_pool_filters_by_state_and_pages(
    container: Container, cast: Cast, pool_world: PoolWorld
) -> None:
    w = pool_world
    with container.uow_factory() as uow:
        first_reviews = ids(uow.submissions.pool([S.SUBMITTED], cast.viewer, 100, 0))
        seconds = ids(uow.submissions.pool([S.AWAITING_SECOND_REVIEW], cast.viewer, 100, 0))
        page_one = ids(uow.submissions.pool(ALL_POOL_STATES, cast.viewer, 2, 0))
        page_two = ids(uow.submissions.pool(ALL_POOL_STATES, cast.viewer, 2, 2))
        page_three = ids(uow.submissions.pool(ALL_POOL_STATES, cast.viewer, 2, 4))
        past_the_end = ids(uow.submissions.pool(ALL_POOL_STATES, cast.viewer, 2, 6))
    assert first_reviews == [w.oldest, w.resubmitted, w.newest]
    assert seconds == [w.second_reviewed_by_others]
    assert page_one + page_two + page_three == [
        w.oldest,
        w.adjudication,
        w.resubmitted,
        w.second_reviewed_by_others,
        w.newest,
    ]
    assert past_the_end == []


@pytest.mark.parametrize(
    "states",
    [
        ALL_POOL_STATES,
        [S.SUBMITTED],
        [S.AWAITING_SECOND_REVIEW],
        [S.AWAITING_ADJUDICATION],
        [S.AWAITING_SECOND_REVIEW, S.AWAITING_ADJUDICATION],
        sorted(CLAIMED_STATES),
        [S.DRAFT],
        list(S),
    ],
    ids=lambda states: "+".join(state.value for state in states),
)
def test_pool_count_equals_the_length_of_the_whole_pool(
    container: Container, cast: Cast, pool_world: PoolWorld, states: list[SubmissionState]
) -> None:
    viewers = [
        cast.viewer,
        cast.other_assessor,
        cast.third_assessor,
        cast.educator_a,
        cast.educator_b,
        cast.educator_c,
        "nobody-at-all",
    ]
    with container.uow_factory() as uow:
        counted = {viewer: uow.submissions.pool_count(states, viewer) for viewer in viewers}
        listed = {
            viewer: len(uow.submissions.pool(states, viewer, 10_000, 0)) for viewer in viewers
        }
    assert counted == listed


def test_pool_count_when_the_viewer_reviewed_one_attempt_twice(
    container: Container, cast: Cast
) -> None:
    """Two review rows of the viewer on one attempt still remove that submission only once."""
    submission_id = add_submission(
        container, cast.educator_a, cast.version_id, S.AWAITING_ADJUDICATION, T0
    )
    add_review(container, submission_id, 1, cast.viewer, completed=True)
    add_review(container, submission_id, 1, cast.viewer, completed=True, kind=ReviewKind.SECOND)
    keep = add_submission(container, cast.educator_b, cast.version_id, S.SUBMITTED, T0)
    with container.uow_factory() as uow:
        assert ids(uow.submissions.pool(ALL_POOL_STATES, cast.viewer, 100, 0)) == [keep]
        assert uow.submissions.pool_count(ALL_POOL_STATES, cast.viewer) == 1


def test_an_empty_pool_counts_zero(container: Container, cast: Cast) -> None:
    with container.uow_factory() as uow:
        assert uow.submissions.pool(ALL_POOL_STATES, cast.viewer, 10, 0) == []
        assert uow.submissions.pool_count(ALL_POOL_STATES, cast.viewer) == 0


def test_claimed_by_lists_only_open_reviews_of_the_current_attempt(
    container: Container, cast: Cast, pool_world: PoolWorld
) -> None:
    w = pool_world
    day = timedelta(days=1)
    # An older claim of the viewer's, so the order is visible.
    older_claim = add_submission(
        container,
        cast.educator_a,
        cast.fresh_version(cast.educator_a),
        S.IN_ADJUDICATION,
        T0 - 20 * day,
    )
    add_review(
        container, older_claim, 1, cast.viewer, completed=False, kind=ReviewKind.ADJUDICATION
    )
    # An open review row left on attempt 1 does not make attempt 2 the viewer's.
    moved_on = add_submission(
        container,
        cast.educator_b,
        cast.fresh_version(cast.educator_b),
        S.IN_REVIEW,
        T0 - 30 * day,
        attempt=2,
    )
    add_review(container, moved_on, 1, cast.viewer, completed=False)
    add_review(container, moved_on, 2, cast.other_assessor, completed=False)
    # An open review on a submission no longer in a claimed state does not count.
    decided = add_submission(
        container,
        cast.educator_c,
        cast.fresh_version(cast.educator_c),
        S.AWAITING_DECISION,
        T0 - 40 * day,
    )
    add_review(container, decided, 1, cast.viewer, completed=False)

    with container.uow_factory() as uow:
        mine = ids(uow.submissions.claimed_by(cast.viewer))
        others = ids(uow.submissions.claimed_by(cast.other_assessor))
        thirds = ids(uow.submissions.claimed_by(cast.third_assessor))
    assert mine == [older_claim, w.claimed]
    assert others == [moved_on, w.claimed_by_other]
    assert thirds == []


def test_in_state_and_count_in_state(
    container: Container, cast: Cast, pool_world: PoolWorld
) -> None:
    w = pool_world
    with container.uow_factory() as uow:
        submitted = ids(uow.submissions.in_state(S.SUBMITTED, 100, 0))
        assert uow.submissions.count_in_state(S.SUBMITTED) == len(submitted) == 4
        assert uow.submissions.count_in_state(S.AWARDED) == 0
    assert set(submitted) == {w.oldest, w.resubmitted, w.newest, w.own}


# --- audit trail --------------------------------------------------------------------------


def test_the_audit_page_is_newest_first_and_every_filter_narrows_it(
    bare_container: Container,
) -> None:
    viewer, other = new_id(), new_id()
    minute = timedelta(minutes=1)
    entries = [
        _audit(
            "e0", at=T0, actor_id=viewer, entity_type="submission", entity_id="s-1", action="submit"
        ),
        _audit(
            "e1",
            at=T0 + minute,
            actor_id=other,
            entity_type="submission",
            entity_id="s-1",
            action="claim",
        ),
        _audit(
            "e2",
            at=T0 + 2 * minute,
            actor_id=viewer,
            entity_type="submission",
            entity_id="s-2",
            action="claim",
        ),
        _audit(
            "e3",
            at=T0 + 3 * minute,
            actor_id=None,
            entity_type="person",
            entity_id="p-1",
            action="create",
        ),
        _audit(
            "e4",
            at=T0 + 4 * minute,
            actor_id=other,
            entity_type="award",
            entity_id="a-1",
            action="create",
        ),
    ]
    with bare_container.uow_factory() as uow:
        assert uow.audit.count(AuditFilter()) == 0
        for entry in entries:
            uow.audit.append(entry)
        uow.commit()

    def notes(filters: AuditFilter, limit: int = 100, offset: int = 0) -> list[str]:
        with bare_container.uow_factory() as uow:
            page = [entry.note for entry in uow.audit.page(filters, limit, offset)]
            count = uow.audit.count(filters)
        if limit == 100 and offset == 0:
            assert count == len(page), filters
        return page

    assert notes(AuditFilter()) == ["e4", "e3", "e2", "e1", "e0"]
    assert notes(AuditFilter(entity_type="submission")) == ["e2", "e1", "e0"]
    assert notes(AuditFilter(entity_id="s-1")) == ["e1", "e0"]
    assert notes(AuditFilter(actor_id=viewer)) == ["e2", "e0"]
    assert notes(AuditFilter(action="claim")) == ["e2", "e1"]
    assert notes(AuditFilter(since=T0 + 2 * minute)) == ["e4", "e3", "e2"]
    assert notes(AuditFilter(until=T0 + 2 * minute)) == ["e1", "e0"]
    assert notes(AuditFilter(since=T0 + minute, until=T0 + 3 * minute)) == ["e2", "e1"]
    assert notes(AuditFilter(entity_type="submission", actor_id=viewer, action="claim")) == ["e2"]
    assert notes(AuditFilter(action="no-such-action")) == []
    # Bounds given in another zone mean the same instants.
    plus_two = timezone(timedelta(hours=2))
    minus_seven = timezone(timedelta(hours=-7))
    assert notes(AuditFilter(since=(T0 + 3 * minute).astimezone(plus_two))) == ["e4", "e3"]
    assert notes(AuditFilter(until=(T0 + minute).astimezone(minus_seven))) == ["e0"]
    # Paging keeps the order.
    assert notes(AuditFilter(entity_type="submission"), limit=2) == ["e2", "e1"]
    assert notes(AuditFilter(entity_type="submission"), limit=2, offset=2) == ["e0"]


def test_the_audit_page_reads_back_every_field(container: Container, cast: Cast) -> None:
    entry = AuditEntry(
        new_id(),
        T0,
        cast.viewer,
        "submission",
        "s-9",
        "complete_review",
        "in_review",
        "awaiting_decision",
        "primary: recommends award",
    )
    with container.uow_factory() as uow:
        uow.audit.append(entry)
        uow.commit()
    with container.uow_factory() as uow:
        (stored,) = uow.audit.page(AuditFilter(entity_id="s-9"), 10, 0)
    assert stored == entry


def test_entries_written_in_the_same_instant_keep_their_insertion_order(
    container: Container,
) -> None:
    with container.uow_factory() as uow:
        for number in range(5):
            uow.audit.append(_audit(f"same-{number}", at=T0, entity_id="same"))
        uow.commit()
    with container.uow_factory() as uow:
        page = uow.audit.page(AuditFilter(entity_id="same"), 10, 0)
    assert [entry.note for entry in page] == [f"same-{number}" for number in (4, 3, 2, 1, 0)]


def test_entries_appended_together_keep_their_order_and_every_field(
    container: Container,
) -> None:
    """``append_many`` (one INSERT for a batch) writes what ``append`` writes, in order."""
    entries = [_audit(f"many-{number}", at=T0, entity_id="many") for number in range(3)]
    with container.uow_factory() as uow:
        uow.audit.append_many(entries)
        uow.audit.append_many([])
        uow.commit()
    with container.uow_factory() as uow:
        page = uow.audit.page(AuditFilter(entity_id="many"), 10, 0)
    assert page == list(reversed(entries))


# --- time zones ---------------------------------------------------------------------------


def _is_utc(value: datetime | None) -> bool:
    return value is not None and value.tzinfo is UTC


@pytest.fixture
def far_from_utc(container: Container) -> Iterator[Container]:
    """The same database read through sessions whose own time zone is not UTC.

    PostgreSQL hands ``timestamptz`` values back in the session's zone, so this proves the
    column type converts them (the CI server's zone is UTC, which would hide a missing
    conversion). SQLite keeps no zone at all, so its container is the usual one.
    """
    if container.engine.dialect.name != "postgresql":
        yield container
        return
    engine = create_engine(
        container.engine.url, connect_args={"options": "-c timezone=Asia/Kathmandu"}
    )
    built = build(container.settings, engine=engine)
    with engine.connect() as connection:
        assert connection.scalar(text("SHOW timezone")) == "Asia/Kathmandu"
    yield built
    engine.dispose()


def test_datetimes_come_back_timezone_aware_utc(
    container: Container, cast: Cast, far_from_utc: Container
) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    pacific = timezone(timedelta(hours=-8))
    created = datetime(2026, 6, 30, 23, 59, 58, 654321, tzinfo=india)
    submitted = datetime(2026, 1, 1, 0, 0, 1, 1, tzinfo=pacific)
    submission = Submission(
        new_id(),
        cast.educator_a,
        cast.version_id,
        S.SUBMITTED,
        1,
        created_at=created,
        updated_at=created,
        submitted_at=submitted,
    )
    with container.uow_factory() as uow:
        uow.submissions.add(submission)
        uow.audit.append(_audit("tz", at=created, entity_id=submission.id))
        uow.outbox.add(_event("tz", created_at=submitted))
        uow.commit()
    review_id = add_review(
        container, submission.id, 1, cast.viewer, completed=True, claimed_at=created
    )

    with far_from_utc.uow_factory() as uow:
        stored = uow.submissions.get(submission.id)
        (entry,) = uow.audit.page(AuditFilter(entity_id=submission.id), 10, 0)
        (event,) = uow.outbox.all()
        (review,) = uow.reviews.for_submission(submission.id)
        version = uow.catalog.version(cast.version_id)
        (queued,) = uow.submissions.pool(ALL_POOL_STATES, cast.other_assessor, 10, 0)

    assert review.id == review_id
    values = {
        "created_at": stored.created_at,
        "updated_at": stored.updated_at,
        "submitted_at": stored.submitted_at,
        "audit.at": entry.at,
        "outbox.created_at": event.created_at,
        "review.claimed_at": review.claimed_at,
        "review.completed_at": review.completed_at,
        "credential_version.created_at": version.created_at,
        "queue.submitted_at": queued.submission.submitted_at,
    }
    assert {name: _is_utc(value) for name, value in values.items()} == dict.fromkeys(values, True)
    # Same instants, to the microsecond.
    assert stored.created_at == created
    assert stored.created_at.hour == 18 and stored.created_at.minute == 29
    assert stored.submitted_at == submitted == queued.submission.submitted_at
    assert entry.at == created
    assert event.created_at == submitted
    assert review.completed_at == created + timedelta(hours=1)


def test_a_naive_datetime_is_refused(container: Container, cast: Cast) -> None:
    naive = datetime(2026, 1, 1, 12, 0)  # deliberately naive
    submission = Submission(
        new_id(), cast.educator_a, cast.version_id, S.DRAFT, 1, created_at=naive, updated_at=naive
    )
    with container.uow_factory() as uow, pytest.raises(StatementError, match="naive datetime"):
        uow.submissions.add(submission)
    with container.uow_factory() as uow:
        assert uow.submissions.for_person(cast.educator_a) == []


# --- not found and rollback ---------------------------------------------------------------


def test_unknown_ids_raise_not_found(container: Container, cast: Cast) -> None:
    missing = new_id()
    with container.uow_factory() as uow:
        with pytest.raises(NotFoundError):
            uow.submissions.get(missing)
        with pytest.raises(NotFoundError):
            uow.submissions.get(missing, for_update=True)
        with pytest.raises(NotFoundError):
            uow.submissions.evidence_file(missing)
        with pytest.raises(NotFoundError):
            uow.catalog.version(missing)
        with pytest.raises(NotFoundError):
            uow.catalog.stack(missing)
        with pytest.raises(NotFoundError):
            uow.people.person(missing)
        with pytest.raises(NotFoundError):
            uow.people.organization(missing)
        with pytest.raises(NotFoundError):
            uow.reviews.save(Review(missing, missing, 1, cast.viewer, ReviewKind.PRIMARY, T0))
        assert uow.submissions.response(missing, 1, "design", "rationale") is None
        assert uow.awards.for_submission(missing) is None
        assert uow.catalog.current_version("no-such-credential") is None
        assert uow.people.organization_by_slug("no-such-org") is None


def test_leaving_without_commit_keeps_nothing(container: Container, cast: Cast) -> None:
    submission = Submission(new_id(), cast.educator_a, cast.version_id, S.DRAFT, 1, T0, T0)
    with container.uow_factory() as uow:
        before = uow.audit.count(AuditFilter())
        stack_count = len(uow.catalog.stacks())
    with container.uow_factory() as uow:
        uow.submissions.add(submission)  # flushed, so really sent to the database
        uow.submissions.add_response(SectionResponse(submission.id, 1, "design", "rationale", "x"))
        uow.audit.append(_audit("never", entity_id=submission.id))
        uow.outbox.add(_event("never"))
        uow.catalog.save_stack(Stack(new_id(), "never-stack", "Never", ""))
        assert uow.submissions.get(submission.id).id == submission.id
    with container.uow_factory() as uow:
        assert uow.submissions.for_person(cast.educator_a) == []
        assert uow.submissions.responses(submission.id, 1) == []
        assert uow.audit.count(AuditFilter()) == before
        assert uow.outbox.all() == []
        assert len(uow.catalog.stacks()) == stack_count
        assert uow.catalog.stack_by_slug("never-stack") is None


def test_an_error_inside_the_block_rolls_back_and_propagates(
    container: Container, cast: Cast
) -> None:
    submission = Submission(new_id(), cast.educator_a, cast.version_id, S.DRAFT, 1, T0, T0)
    with pytest.raises(RuntimeError, match="boom"), container.uow_factory() as uow:
        uow.submissions.add(submission)
        uow.outbox.add(_event("boom"))
        raise RuntimeError("boom")
    with container.uow_factory() as uow:
        assert uow.submissions.for_person(cast.educator_a) == []
        assert uow.outbox.all() == []


def test_explicit_rollback_forgets_earlier_work_and_later_work_commits(
    container: Container, cast: Cast
) -> None:
    with container.uow_factory() as uow:
        uow.outbox.add(_event("rolled-back"))
        uow.rollback()
        uow.outbox.add(_event("kept"))
        uow.commit()
    with container.uow_factory() as uow:
        assert [event.key for event in uow.outbox.all()] == ["kept"]


def test_a_unique_clash_flushed_inside_the_block_becomes_a_conflict(
    container: Container, cast: Cast
) -> None:
    with pytest.raises(ConflictError), container.uow_factory() as uow:
        uow.people.add_organization(
            Organization(new_id(), "Second Harbour", OrganizationKind.DISTRICT, slug="harbour")
        )
    with container.uow_factory() as uow:
        assert [org.name for org in uow.people.organizations()] == ["Harbour District"]
