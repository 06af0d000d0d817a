"""Fast seeding: bulk Core inserts straight into the real (migrated) tables.

Only the catalog goes through a service (``CatalogService.import_document`` of the demo
catalog), so credential versions carry real definitions. Everything else is written in a few
``executemany`` batches: going through the services would take minutes for 10,000 rows.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, func, select, text

from bench.env import Backend, bench_settings
from lti_tool.bootstrap import Container, build
from lti_tool.db.migrate import upgrade
from lti_tool.db.models import Base
from lti_tool.demo import load_catalog_file
from lti_tool.domain.catalog import parse_catalog
from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.domain.model import ReviewKind
from lti_tool.domain.roles import OrganizationKind, Role

REPO = Path(__file__).resolve().parents[1]
DEMO_CATALOG = REPO / "config" / "catalog" / "demo.yaml"
BATCH = 2_000
S = SubmissionState

EDUCATORS = 3_000
OTHER_ASSESSORS = 11
SCHOOLS = 20
# The same rows in every queue database, so only the number of queued submissions differs.
OTHER_STATES: dict[SubmissionState, int] = {
    S.DRAFT: 1_500,
    S.IN_REVIEW: 200,
    S.AWAITING_DECISION: 300,
    S.AWARDED: 1_000,
    S.RETURNED: 100,
    S.WITHDRAWN: 100,
}
VIEWER_CLAIMED = 3
"""In review, claimed by the signed-in assessor: the page's "Claimed by you" list."""
VIEWER_REVIEWED_WAITING = 40
"""Waiting for a second review after the signed-in assessor's first review: in a pool state,
but not in that assessor's pool (nobody reviews an attempt twice)."""


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def insert(connection: Connection, name: str, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(table(name).insert(), list(rows[start : start + BATCH]))


def analyze(connection: Connection) -> None:
    """PostgreSQL: refresh planner statistics, as autovacuum would on a live database.

    SQLite is left as the application leaves it (it never runs ANALYZE).
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("ANALYZE"))


class Ids:
    """Deterministic UUID4 strings, so two runs seed the same rows."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def __call__(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))


def migrated_container(backend: Backend, label: str, instance: Path) -> Container:
    """A fresh migrated database with the demo catalog, wired by the composition root."""
    url = backend.fresh_database(label)
    upgrade(url)
    container = build(bench_settings(url, instance / label))
    container.catalog.import_document(parse_catalog(load_catalog_file(DEMO_CATALOG)))
    return container


def credential_versions(connection: Connection) -> dict[str, str]:
    """Credential version id -> credential id, for every imported version."""
    versions = table("credential_versions")
    rows = connection.execute(
        select(versions.c.id, versions.c.credential_id).order_by(versions.c.title)
    )
    return {str(version_id): str(credential_id) for version_id, credential_id in rows}


@dataclass
class District:
    """People and organisations written by :func:`seed_district`."""

    district_id: str
    school_ids: list[str]
    educator_ids: list[str]
    assessor_ids: list[str]
    """The first one is the assessor the benchmarks sign in as."""
    issuer_id: str

    @property
    def viewer_id(self) -> str:
        return self.assessor_ids[0]


def seed_district(
    connection: Connection, ids: Ids, *, educators: int, assessors: int, schools: int = SCHOOLS
) -> District:
    """An organisation tree and people with roles, in bulk."""
    district_id = ids()
    school_ids = [ids() for _ in range(schools)]
    organizations = [
        {
            "id": district_id,
            "name": "Benchmark Unified School District",
            "kind": OrganizationKind.DISTRICT.value,
            "slug": "bench-usd",
            "parent_id": None,
        },
    ] + [
        {
            "id": school,
            "name": f"Benchmark School {n:02d}",
            "kind": OrganizationKind.SCHOOL.value,
            "slug": f"bench-school-{n:02d}",
            "parent_id": district_id,
        }
        for n, school in enumerate(school_ids)
    ]
    insert(connection, "organizations", organizations)
    district = District(
        district_id=district_id,
        school_ids=school_ids,
        educator_ids=[ids() for _ in range(educators)],
        assessor_ids=[ids() for _ in range(assessors)],
        issuer_id=ids(),
    )
    people: list[dict[str, Any]] = []
    roles: list[dict[str, Any]] = []

    def person(person_id: str, name: str, organization: str, role: Role) -> None:
        email = name.lower().replace(" ", ".") + "@bench.example"
        people.append(
            {"id": person_id, "display_name": name, "email": email, "organization_id": organization}
        )
        roles.append(
            {
                "person_id": person_id,
                "role": role.value,
                "organization_id": organization,
                "context_id": None,
            }
        )

    for n, assessor in enumerate(district.assessor_ids):
        person(assessor, f"Assessor {n:02d}", district_id, Role.ASSESSOR)
    person(district.issuer_id, "Issuer 00", district_id, Role.ISSUER)
    for n, educator in enumerate(district.educator_ids):
        person(educator, f"Educator {n:05d}", school_ids[n % schools], Role.EDUCATOR)
    insert(connection, "people", people)
    insert(connection, "role_assignments", roles)
    return district


@dataclass
class QueueDatabase:
    """A database whose signed-in assessor sees exactly ``queued`` submissions in the pool."""

    container: Container
    district: District
    queued: int
    rows: dict[str, int] = field(default_factory=dict)
    """Rows per table and submissions per state, for the report."""

    @property
    def viewer_id(self) -> str:
        return self.district.viewer_id

    @property
    def expected_mine(self) -> int:
        return VIEWER_CLAIMED


def _scores(recommendation: str) -> list[dict[str, str]]:
    level = "proficient" if recommendation == "award" else "not_yet"
    return [
        {"section_key": key, "level_key": level, "feedback": "Seeded feedback."}
        for key in ("context", "practice", "reflection")
    ]


class _Rows:
    """Accumulates submission and review rows with distinct, increasing timestamps.

    Each submission gets its own (educator, credential) pair: the schema allows one open
    submission per educator and credential.
    """

    def __init__(
        self,
        ids: Ids,
        rng: random.Random,
        educators: list[str],
        versions: dict[str, str],
        start: datetime,
    ) -> None:
        self.ids = ids
        self.versions = versions
        pairs = [(educator, version) for version in versions for educator in educators]
        rng.shuffle(pairs)
        self.pairs = iter(pairs)
        self.clock = start
        self.submissions: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=47)
        return self.clock

    def submission(self, state: SubmissionState, attempt: int = 1) -> str:
        submission_id = self.ids()
        educator, version = next(self.pairs)
        submitted = None if state in {S.DRAFT, S.WITHDRAWN} else self.tick()
        created = (submitted or self.tick()) - timedelta(days=3)
        self.submissions.append(
            {
                "id": submission_id,
                "person_id": educator,
                "credential_id": self.versions[version],
                "credential_version_id": version,
                "state": state.value,
                "attempt_number": attempt,
                "version": 3,
                "created_at": created,
                "updated_at": submitted or created,
                "submitted_at": submitted,
                "context_id": None,
            }
        )
        return submission_id

    def review(
        self,
        submission_id: str,
        attempt: int,
        assessor: str,
        recommendation: str | None,
        kind: str = ReviewKind.PRIMARY,
    ) -> None:
        claimed = self.tick()
        done = recommendation is not None
        self.reviews.append(
            {
                "id": self.ids(),
                "submission_id": submission_id,
                "attempt_number": attempt,
                "assessor_id": assessor,
                "kind": kind,
                "claimed_at": claimed,
                "scores": _scores(recommendation) if recommendation else [],
                "recommendation": recommendation,
                "comment": "Seeded review." if done else "",
                "completed_at": claimed + timedelta(hours=2) if done else None,
            }
        )


def seed_queue_database(backend: Backend, label: str, queued: int, instance: Path) -> QueueDatabase:
    """A migrated database with ``queued`` submissions waiting for the viewer, and others around.

    Queued rows are in state ``submitted`` with distinct ``submitted_at``, spread over
    3,000 educators and the six demo credentials; about 1% are second attempts whose first
    attempt the viewer reviewed (still in the viewer's pool). The rows in other states are the
    same in every queue database.
    """
    container = migrated_container(backend, label, instance)
    ids = Ids(seed=20240501)
    rng = random.Random(7)
    with container.engine.begin() as connection:
        versions = credential_versions(connection)
        needed = queued + sum(OTHER_STATES.values()) + VIEWER_CLAIMED + VIEWER_REVIEWED_WAITING
        educators = max(EDUCATORS, math.ceil(needed / len(versions) * 1.2))
        district = seed_district(
            connection, ids, educators=educators, assessors=OTHER_ASSESSORS + 1
        )
        viewer, others = district.viewer_id, district.assessor_ids[1:]
        rows = _Rows(
            ids,
            rng,
            district.educator_ids,
            versions,
            datetime.now(UTC).replace(microsecond=0) - timedelta(days=90),
        )

        for state, count in OTHER_STATES.items():
            for _ in range(count):
                submission = rows.submission(state)
                if state is S.IN_REVIEW:
                    rows.review(submission, 1, rng.choice(others), None)
                elif state in {S.AWAITING_DECISION, S.AWARDED}:
                    rows.review(submission, 1, rng.choice(others), "award")
                elif state is S.RETURNED:
                    rows.review(submission, 1, rng.choice(others), "resubmit")
        for _ in range(VIEWER_CLAIMED):
            rows.review(rows.submission(S.IN_REVIEW), 1, viewer, None)
        for _ in range(VIEWER_REVIEWED_WAITING):
            submission = rows.submission(S.AWAITING_SECOND_REVIEW)
            rows.review(submission, 1, viewer, "award")

        second_attempts = max(2, queued // 100)
        for n in range(queued):
            if n < second_attempts:
                submission = rows.submission(S.SUBMITTED, attempt=2)
                rows.review(submission, 1, viewer, "resubmit")
            else:
                rows.submission(S.SUBMITTED)

        rng.shuffle(rows.submissions)  # insertion order unrelated to queue order
        insert(connection, "submissions", rows.submissions)
        insert(connection, "reviews", rows.reviews)
        analyze(connection)
        counts = _counts(connection)
    return QueueDatabase(container, district, queued, counts)


def _counts(connection: Connection) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name in ("people", "submissions", "reviews"):
        counts[name] = int(
            connection.execute(select(func.count()).select_from(table(name))).scalar_one()
        )
    submissions = table("submissions")
    for state, count in connection.execute(
        select(submissions.c.state, func.count()).group_by(submissions.c.state)
    ):
        counts[f"submissions.{state}"] = cast(int, count)
    return counts
