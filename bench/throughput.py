"""Benchmark: submissions taken from submit to award through the services, per second.

Measured against the same number of bare ORM inserts of submission rows (one ``session.add``
and one commit per row, so one transaction each) on the same database in the same run. The
ratio ``services / bare inserts`` says how many bare single-row transactions the whole
submit -> claim -> review -> award path costs, whatever the machine.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.env import Backend
from bench.measure import SqlLog, Summary, ratio, record_sql
from bench.seed import Ids, migrated_container, seed_district
from lti_tool.bootstrap import Container
from lti_tool.db.engine import make_session_factory
from lti_tool.db.models import AwardRow, OutboxEventRow, SubmissionRow
from lti_tool.demo import fill_draft as fill_demo_draft
from lti_tool.domain.catalog import CredentialDefinition
from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.domain.model import SectionScore, new_id
from lti_tool.services.common import Actor

CREDENTIAL = "actionable-feedback"
"""Two reflections and one required file: the demo credential with the least to upload."""
BARE_CREDENTIAL = "hinge-questions"
"""The bare rows' credential: another one, as each educator may hold one open submission per
credential."""
WARMUP = 5
STEPS = ("submit", "claim", "complete review", "decide award")


@dataclass(frozen=True)
class ThroughputResult:
    backend: str
    submissions: int
    services_seconds: float
    bare_seconds: float
    transactions_per_submission: float
    statements_per_submission: float
    bare_transactions_per_row: float
    steps: dict[str, Summary]
    """Time of each service call, per submission."""
    step_statements: dict[str, float]
    """SQL statements each service call runs, per submission."""
    setup_seconds: float

    @property
    def services_per_second(self) -> float:
        return ratio(self.submissions, self.services_seconds)

    @property
    def bare_per_second(self) -> float:
        return ratio(self.submissions, self.bare_seconds)

    @property
    def ratio(self) -> float:
        return ratio(self.services_per_second, self.bare_per_second)


def fill_draft(
    container: Container, educator: Actor, submission_id: str, definition: CredentialDefinition
) -> None:
    """Every required item: reflections and links saved, files uploaded (a small real file)."""
    fill_demo_draft(container, educator, submission_id, definition, required_only=True)


def award_scores(definition: CredentialDefinition) -> list[SectionScore]:
    return [
        SectionScore(section.key, section.required_level, f"{section.title}: well evidenced.")
        for section in definition.sections
    ]


def run(backend: Backend, instance: Path, *, submissions: int) -> ThroughputResult:
    print(f"[{backend.name}] throughput: preparing {submissions} drafts")
    started = time.perf_counter()
    container = migrated_container(backend, "throughput", instance)
    try:
        return _run(backend, container, submissions, started)
    finally:
        container.engine.dispose()


def _run(backend: Backend, container: Container, count: int, started: float) -> ThroughputResult:
    total = count + WARMUP
    with container.engine.begin() as connection:
        district = seed_district(connection, Ids(seed=99), educators=total, assessors=1)
    assessor = container.people.actor(district.viewer_id)
    issuer = container.people.actor(district.issuer_id)
    educators = [container.people.actor(person) for person in district.educator_ids]
    credential = container.catalog.credential(CREDENTIAL)[1]
    definition = credential.definition
    scores = award_scores(definition)
    drafts = []
    for educator in educators:
        draft = container.submissions.start(educator, CREDENTIAL)
        fill_draft(container, educator, draft.id, definition)
        drafts.append((educator, draft.id))
    setup_seconds = time.perf_counter() - started

    def take_to_award(
        educator: Actor,
        submission_id: str,
        times: list[list[float]],
        statements: list[int],
        log: SqlLog | None = None,
    ) -> None:
        steps: tuple[Callable[[], object], ...] = (
            lambda: container.submissions.submit(educator, submission_id),
            lambda: container.reviews.claim(assessor, submission_id),
            lambda: container.reviews.complete(
                assessor, submission_id, scores, "award", "Well done."
            ),
            lambda: container.decisions.decide(issuer, submission_id, "award"),
        )
        for position, step in enumerate(steps):
            before = len(log.statements) if log else 0
            started = time.perf_counter()
            step()
            times[position].append(time.perf_counter() - started)
            statements[position] += (len(log.statements) - before) if log else 0

    bare_version = container.catalog.credential(BARE_CREDENTIAL)[1]
    session_factory = make_session_factory(container.engine)

    def bare_insert(person_id: str) -> None:
        now = datetime.now(UTC)
        with session_factory() as session:
            session.add(
                SubmissionRow(
                    id=new_id(),
                    person_id=person_id,
                    credential_id=bare_version.credential_id,
                    credential_version_id=bare_version.id,
                    state=SubmissionState.DRAFT.value,
                    attempt_number=1,
                    version=1,
                    created_at=now,
                    updated_at=now,
                    submitted_at=None,
                    context_id=None,
                )
            )
            session.commit()

    print(f"[{backend.name}] throughput: drafts ready in {setup_seconds:.1f} s; timing")
    step_times: list[list[float]] = [[] for _ in STEPS]
    step_statements = [0 for _ in STEPS]
    for educator, submission_id in drafts[:WARMUP]:
        take_to_award(educator, submission_id, [[] for _ in STEPS], [0 for _ in STEPS])
        bare_insert(educator.person_id)
    gc.collect()
    with record_sql(container.engine) as log:
        bare_started = time.perf_counter()
        for educator, _submission_id in drafts[WARMUP:]:
            bare_insert(educator.person_id)
        bare_seconds = time.perf_counter() - bare_started
        bare_commits = log.commits
        log.clear()

        services_started = time.perf_counter()
        for educator, submission_id in drafts[WARMUP:]:
            take_to_award(educator, submission_id, step_times, step_statements, log)
        services_seconds = time.perf_counter() - services_started
        commits, statements = log.commits, len(log.statements)

    _check_awarded(container, total)
    result = ThroughputResult(
        backend=backend.name,
        submissions=count,
        services_seconds=services_seconds,
        bare_seconds=bare_seconds,
        transactions_per_submission=commits / count,
        statements_per_submission=statements / count,
        bare_transactions_per_row=bare_commits / count,
        steps={name: Summary.of(times) for name, times in zip(STEPS, step_times, strict=True)},
        step_statements={
            name: total / count for name, total in zip(STEPS, step_statements, strict=True)
        },
        setup_seconds=setup_seconds,
    )
    print(
        f"[{backend.name}] throughput: {result.services_per_second:.1f} submissions/s through "
        f"the services vs {result.bare_per_second:.1f} bare inserts/s: ratio {result.ratio:.3f}; "
        f"{result.transactions_per_submission:g} transactions per submission"
    )
    return result


def _check_awarded(container: Container, expected: int) -> None:
    """Every timed submission really ended awarded, with its award and outbox event."""
    with container.engine.connect() as connection:
        awarded = connection.scalar(
            select(func.count())
            .select_from(SubmissionRow)
            .where(SubmissionRow.state == SubmissionState.AWARDED.value)
        )
        awards = connection.scalar(select(func.count()).select_from(AwardRow))
        events = connection.scalar(select(func.count()).select_from(OutboxEventRow))
    if not awarded == awards == events == expected:
        raise AssertionError(
            f"expected {expected} awarded submissions, awards and outbox events; "
            f"got {awarded}, {awards}, {events}"
        )
