"""In-memory fakes of the ports: every repository, the unit of work, a clock and an evidence store.

They keep the semantics of the SQL adapter (``lti_tool.db``) so service tests can assert on state:

* A :class:`MemoryDatabase` holds the committed tables. Entering an :class:`InMemoryUnitOfWork`
  takes a deep copy as the working set; reads and writes go to it; :meth:`commit` merges the rows
  this unit of work touched into the committed tables in one step; leaving without commit (or
  :meth:`rollback`) throws the working set away.
* Optimistic versions (submissions, section responses) are checked against the working set AND
  the committed tables, on save and again on commit, and bumped on the caller's object.
* Unique indexes and foreign keys of the SQL schema are checked on commit; a violation rolls the
  unit of work back and raises :class:`ConflictError`, as ``SqlUnitOfWork.commit`` does.
* Every object handed out is a copy: mutating it changes nothing until it is saved.
* :meth:`MemoryDatabase.before_next_commit` runs a callback just before the next commit merges,
  so a test can let "another request" commit first and prove the race is handled.
"""

from __future__ import annotations

import copy
import hashlib
import io
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, BinaryIO, Self

from lti_tool.domain.errors import ConflictError, NotFoundError, UploadRejectedError
from lti_tool.domain.lifecycle import CLAIMED_STATES, SubmissionState
from lti_tool.domain.lti import Deployment, DeploymentStatus, PlatformRegistration, ToolKey
from lti_tool.domain.lti_services import CourseSync, GradeLink, GradeLinkKind
from lti_tool.domain.model import (
    AuditEntry,
    Award,
    CredentialVersion,
    Decision,
    EvidenceFile,
    ExternalIdentity,
    Organization,
    OutboxEvent,
    Person,
    Review,
    RoleAssignment,
    SectionResponse,
    Stack,
    Submission,
)
from lti_tool.domain.role_overrides import RoleOverride
from lti_tool.domain.roles import IdentityKind, Role
from lti_tool.ports import AuditFilter, PendingLogin, QueueItem, StoredObject
from lti_tool.storage.local import check_key
from tests.fakes.memory_badges import (
    InMemoryIssuedCredentialRepository,
    InMemoryIssuerRepository,
    InMemoryStackAwardRepository,
)

STALE = (
    "Someone else changed this submission at the same time. Nothing of yours was lost: "
    "reload the page and try again."
)
CONCURRENT_WRITE = (
    "Another change was saved at the same moment, so this one was not. Nothing was lost: "
    "reload the page and try again."
)

Row = Any
Table = dict[Any, Row]


@dataclass(frozen=True)
class CredentialRecord:
    """The stable identity of a credential across versions (the ``credentials`` table)."""

    id: str
    slug: str
    stack_id: str
    current_version: int


@dataclass(frozen=True)
class LaunchStateRecord:
    """A row of ``lti_launch_states``: a pending login and when it was made."""

    login: PendingLogin
    created_at: datetime

    @property
    def nonce(self) -> str:
        return self.login.nonce

    @property
    def expires_at(self) -> datetime:
        return self.login.expires_at


@dataclass(frozen=True)
class UsedNonceRecord:
    """A row of ``lti_used_nonces``."""

    issuer: str
    nonce: str
    used_at: datetime
    expires_at: datetime


TABLE_NAMES = (
    "stacks",
    "credentials",
    "versions",
    "organizations",
    "people",
    "identities",
    "roles",
    "submissions",
    "responses",
    "evidence",
    "reviews",
    "decisions",
    "awards",
    "outbox",
    "audit",
    "platforms",
    "deployments",
    "tool_keys",
    "launch_states",
    "used_nonces",
    "issuers",
    "issuer_keys",
    "issued_credentials",
    "stack_awards",
    "role_overrides",
    "grade_links",
    "course_syncs",
)

UNIQUE: tuple[tuple[str, Callable[[Row], tuple[Any, ...]]], ...] = (
    ("stacks", lambda row: (row.slug,)),
    ("credentials", lambda row: (row.slug,)),
    ("versions", lambda row: (row.credential_id, row.version)),
    ("organizations", lambda row: (row.slug,)),
    ("identities", lambda row: (row.kind, row.namespace, row.value)),
    ("roles", lambda row: (row.person_id, row.role, row.organization_id, row.context_id)),
    (
        "responses",
        lambda row: (row.submission_id, row.attempt_number, row.section_key, row.requirement_key),
    ),
    ("awards", lambda row: (row.submission_id,)),
    ("outbox", lambda row: (row.key,)),
    ("platforms", lambda row: (row.issuer, row.client_id)),
    ("deployments", lambda row: (row.registration_id, row.deployment_id)),
    ("launch_states", lambda row: (row.nonce,)),
    ("used_nonces", lambda row: (row.issuer, row.nonce)),
    ("issuers", lambda row: (row.organization_id,)),
    ("issued_credentials", lambda row: (row.award_id,)),
    ("issued_credentials", lambda row: (row.stack_award_id,)),
    ("stack_awards", lambda row: (row.person_id, row.stack_id)),
    ("role_overrides", lambda row: (row.person_id, row.role)),
    ("grade_links", lambda row: (row.registration_id, row.resource_link_id, row.person_id)),
)
"""Unique indexes of the schema. As in SQL, a key holding NULL never collides."""

FOREIGN_KEYS: tuple[tuple[str, str, str], ...] = (
    ("credentials", "stack_id", "stacks"),
    ("versions", "credential_id", "credentials"),
    ("versions", "stack_id", "stacks"),
    ("organizations", "parent_id", "organizations"),
    ("people", "organization_id", "organizations"),
    ("identities", "person_id", "people"),
    ("roles", "person_id", "people"),
    ("roles", "organization_id", "organizations"),
    ("submissions", "person_id", "people"),
    ("submissions", "credential_version_id", "versions"),
    ("responses", "submission_id", "submissions"),
    ("evidence", "submission_id", "submissions"),
    ("evidence", "uploaded_by", "people"),
    ("reviews", "submission_id", "submissions"),
    ("reviews", "assessor_id", "people"),
    ("decisions", "submission_id", "submissions"),
    ("decisions", "issuer_id", "people"),
    ("awards", "submission_id", "submissions"),
    ("awards", "person_id", "people"),
    ("awards", "credential_version_id", "versions"),
    ("awards", "decision_id", "decisions"),
    ("deployments", "registration_id", "platforms"),
    ("issuer_keys", "issuer_id", "issuers"),
    ("issued_credentials", "issuer_id", "issuers"),
    ("issued_credentials", "person_id", "people"),
    ("issued_credentials", "award_id", "awards"),
    ("issued_credentials", "stack_award_id", "stack_awards"),
    ("stack_awards", "person_id", "people"),
    ("stack_awards", "stack_id", "stacks"),
    ("stack_awards", "issuer_id", "issuers"),
    ("role_overrides", "person_id", "people"),
    ("grade_links", "person_id", "people"),
    ("grade_links", "registration_id", "platforms"),
    ("course_syncs", "registration_id", "platforms"),
)
"""Foreign keys of the schema (SQLite runs with ``PRAGMA foreign_keys=ON``). NULL is allowed."""


def _empty_tables() -> dict[str, Table]:
    return {name: {} for name in TABLE_NAMES}


def integrity_problems(tables: dict[str, Table]) -> list[str]:
    """Every unique-index and foreign-key violation in ``tables``."""
    problems: list[str] = []
    for name, key_of in UNIQUE:
        seen: set[tuple[Any, ...]] = set()
        for row in tables[name].values():
            key = key_of(row)
            if any(part is None for part in key):
                continue
            if key in seen:
                problems.append(f"{name}: duplicate {key!r}")
            seen.add(key)
    open_keys: set[tuple[Any, ...]] = set()
    for row in tables["submissions"].values():
        if row.state.value in ("denied", "withdrawn"):
            continue
        version = tables["versions"].get(row.credential_version_id)
        key = (row.person_id, version.credential_id if version else None)
        if key in open_keys:
            problems.append(f"submissions: a second open submission {key!r}")
        open_keys.add(key)
    for name, column, target in FOREIGN_KEYS:
        for row in tables[name].values():
            value = getattr(row, column)
            if value is not None and value not in tables[target]:
                problems.append(f"{name}.{column}: {value!r} is not in {target}")
    return problems


class MemoryDatabase:
    """The committed state that every unit of work of one factory shares."""

    def __init__(self) -> None:
        self.tables: dict[str, Table] = _empty_tables()
        self._sequence = itertools.count(1)
        self.outbox_available: dict[str, datetime] = {}
        """Outbox leases; kept beside the tables (a simplification: not transactional)."""
        self.commits = 0
        self._before_commit: list[Callable[[], None]] = []

    def next_id(self) -> int:
        """An autoincrement value; like a database sequence it is never given back."""
        return next(self._sequence)

    def before_next_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once, just before the next unit of work's commit is merged.

        The callback may use units of work of its own (they commit first): this is how a test
        plays a concurrent request that wins a race.
        """
        self._before_commit.append(callback)

    def run_before_commit(self) -> None:
        callbacks, self._before_commit = self._before_commit, []
        for callback in callbacks:
            callback()


class Session:
    """The working set of one unit of work, shared by its repositories."""

    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database
        self.reset()

    def reset(self) -> None:
        self.rows: dict[str, Table] = copy.deepcopy(self.database.tables)
        self.dirty: dict[str, dict[Any, None]] = {name: {} for name in TABLE_NAMES}
        self.inserted: dict[tuple[str, Any], None] = {}
        self.expected_versions: dict[tuple[str, Any], int] = {}
        self.problems: list[str] = []

    # -- reading ------------------------------------------------------------------------------

    def table(self, name: str) -> Table:
        return self.rows[name]

    def values(self, name: str) -> list[Row]:
        """Copies of every row of a table in insertion order."""
        return [copy.deepcopy(row) for row in self.rows[name].values()]

    def select(self, name: str, where: Callable[[Row], bool]) -> list[Row]:
        return [copy.deepcopy(row) for row in self.rows[name].values() if where(row)]

    def find(self, name: str, where: Callable[[Row], bool]) -> Row | None:
        for row in self.rows[name].values():
            if where(row):
                return copy.deepcopy(row)
        return None

    def get(self, name: str, key: Any) -> Row | None:
        row = self.rows[name].get(key)
        return None if row is None else copy.deepcopy(row)

    # -- writing ------------------------------------------------------------------------------

    def insert(self, name: str, key: Any, row: Row) -> None:
        if key in self.rows[name]:
            self.problems.append(f"{name}: duplicate primary key {key!r}")
            return
        self.rows[name][key] = copy.deepcopy(row)
        self.dirty[name][key] = None
        self.inserted[(name, key)] = None

    def update(self, name: str, key: Any, row: Row) -> None:
        self.rows[name][key] = copy.deepcopy(row)
        self.dirty[name][key] = None

    def delete(self, name: str, key: Any) -> None:
        if self.rows[name].pop(key, None) is not None:
            self.dirty[name][key] = None

    def check_version(self, name: str, key: Any, version: int) -> None:
        """Optimistic lock: the working and the committed row must both be at ``version``.

        Raises:
            ConflictError: someone changed the row first (or it does not exist).
        """
        working = self.rows[name].get(key)
        if working is None or working.version != version:
            raise ConflictError(STALE)
        committed = self.database.tables[name].get(key)
        if committed is None:
            if (name, key) not in self.inserted:
                raise ConflictError(STALE)
            return
        base = self.expected_versions.setdefault((name, key), version)
        if committed.version != base:
            raise ConflictError(STALE)

    # -- committing ---------------------------------------------------------------------------

    def merged(self) -> tuple[dict[str, Table], list[str]]:
        """The committed tables with this unit of work's changes applied, and what is wrong."""
        committed = self.database.tables
        problems = list(self.problems)
        for (name, key), base in self.expected_versions.items():
            row = committed[name].get(key)
            if row is None or row.version != base:
                problems.append(f"{name}: {key!r} changed since it was read")
        for name, key in self.inserted:
            if key in committed[name]:
                problems.append(f"{name}: duplicate primary key {key!r}")
        result = {name: dict(rows) for name, rows in committed.items()}
        for name, keys in self.dirty.items():
            for key in keys:
                if key in self.rows[name]:
                    result[name][key] = self.rows[name][key]
                else:
                    result[name].pop(key, None)
        problems.extend(integrity_problems(result))
        return result, problems


def _copy(obj: Row) -> Row:
    return copy.deepcopy(obj)


# ---------------------------------------------------------------------------------------------
# Catalog
# ---------------------------------------------------------------------------------------------


class InMemoryCatalogRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def stack_by_slug(self, slug: str) -> Stack | None:
        found: Stack | None = self._s.find("stacks", lambda row: row.slug == slug)
        return found

    def stack(self, stack_id: str) -> Stack:
        found: Stack | None = self._s.get("stacks", stack_id)
        if found is None:
            raise NotFoundError("That stack does not exist.")
        return found

    def save_stack(self, stack: Stack) -> None:
        if stack.id in self._s.table("stacks"):
            self._s.update("stacks", stack.id, stack)
        else:
            self._s.insert("stacks", stack.id, stack)

    def stacks(self) -> list[Stack]:
        return sorted(self._s.values("stacks"), key=lambda row: row.title)

    def _with_slug(self, row: CredentialVersion) -> CredentialVersion:
        credential: CredentialRecord = self._s.table("credentials")[row.credential_id]
        return replace(_copy(row), slug=credential.slug)

    def _current(self, credential: CredentialRecord) -> CredentialVersion | None:
        for row in self._s.table("versions").values():
            if row.credential_id == credential.id and row.version == credential.current_version:
                return self._with_slug(row)
        return None

    def current_version(self, slug: str) -> CredentialVersion | None:
        for credential in self._s.table("credentials").values():
            if credential.slug == slug:
                return self._current(credential)
        return None

    def version(self, version_id: str) -> CredentialVersion:
        row = self._s.table("versions").get(version_id)
        if row is None or row.credential_id not in self._s.table("credentials"):
            raise NotFoundError("That credential version does not exist.")
        return self._with_slug(row)

    def add_version(self, version: CredentialVersion) -> None:
        credential = self._s.table("credentials").get(version.credential_id)
        if credential is None:
            credential = CredentialRecord(
                version.credential_id, version.slug, version.stack_id, version.version
            )
            self._s.insert("credentials", credential.id, credential)
        self._s.insert("versions", version.id, version)
        self._s.update(
            "credentials",
            credential.id,
            replace(credential, current_version=version.version, stack_id=version.stack_id),
        )

    def current_versions(self, stack_id: str | None = None) -> list[CredentialVersion]:
        found = []
        credentials = sorted(self._s.table("credentials").values(), key=lambda row: row.slug)
        for credential in credentials:
            if stack_id is not None and credential.stack_id != stack_id:
                continue
            current = self._current(credential)
            if current is not None:
                found.append(current)
        return found

    def versions_of(self, slug: str) -> list[CredentialVersion]:
        ids = {row.id for row in self._s.table("credentials").values() if row.slug == slug}
        rows = [row for row in self._s.table("versions").values() if row.credential_id in ids]
        return [self._with_slug(row) for row in sorted(rows, key=lambda row: row.version)]


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------


class InMemoryPeopleRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add_organization(self, organization: Organization) -> None:
        self._s.insert("organizations", organization.id, organization)

    def organization(self, organization_id: str) -> Organization:
        found: Organization | None = self._s.get("organizations", organization_id)
        if found is None:
            raise NotFoundError("That organisation does not exist.")
        return found

    def organization_by_slug(self, slug: str) -> Organization | None:
        found: Organization | None = self._s.find("organizations", lambda row: row.slug == slug)
        return found

    def organizations(self) -> list[Organization]:
        return sorted(self._s.values("organizations"), key=lambda row: row.name)

    def add_person(self, person: Person) -> None:
        self._s.insert("people", person.id, person)

    def person(self, person_id: str) -> Person:
        found: Person | None = self._s.get("people", person_id)
        if found is None:
            raise NotFoundError("That person does not exist.")
        return found

    def people(self, limit: int = 100, offset: int = 0) -> list[Person]:
        ordered = sorted(self._s.values("people"), key=lambda row: (row.display_name, row.id))
        return ordered[offset : offset + limit]

    def add_identity(self, identity: ExternalIdentity) -> None:
        self._s.insert("identities", self._s.database.next_id(), identity)

    def identities_of(self, person_id: str) -> list[ExternalIdentity]:
        return self._s.select("identities", lambda row: row.person_id == person_id)

    def find_by_identity(self, kind: IdentityKind, namespace: str, value: str) -> Person | None:
        identity = self._s.find(
            "identities",
            lambda row: row.kind == kind and row.namespace == namespace and row.value == value,
        )
        if identity is None:
            return None
        found: Person | None = self._s.get("people", identity.person_id)
        return found

    def add_role(self, assignment: RoleAssignment) -> None:
        self._s.insert("roles", self._s.database.next_id(), assignment)

    def roles_of(self, person_id: str) -> list[RoleAssignment]:
        return self._s.select("roles", lambda row: row.person_id == person_id)

    def roles_in_context(self, organization_id: str, context_id: str) -> list[RoleAssignment]:
        return self._s.select(
            "roles",
            lambda row: row.organization_id == organization_id and row.context_id == context_id,
        )

    def people_with_role(self, role: Role) -> list[Person]:
        holders = {row.person_id for row in self._s.table("roles").values() if row.role == role}
        found = self._s.select("people", lambda row: row.id in holders)
        return sorted(found, key=lambda row: row.display_name)


# ---------------------------------------------------------------------------------------------
# Submissions, responses, evidence
# ---------------------------------------------------------------------------------------------


def _queue_order(submission: Submission) -> tuple[bool, datetime | None, str]:
    # SQLite sorts NULL first in ascending order.
    return (submission.submitted_at is not None, submission.submitted_at, submission.id)


class InMemorySubmissionRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, submission: Submission) -> None:
        self._s.insert("submissions", submission.id, submission)

    def get(self, submission_id: str, *, for_update: bool = False) -> Submission:
        found: Submission | None = self._s.get("submissions", submission_id)
        if found is None:
            raise NotFoundError("That submission does not exist.")
        return found

    def save(self, submission: Submission) -> None:
        self._s.check_version("submissions", submission.id, submission.version)
        stored = replace(submission, version=submission.version + 1)
        self._s.update("submissions", submission.id, stored)
        submission.version += 1

    def for_person(self, person_id: str) -> list[Submission]:
        return self._s.select("submissions", lambda row: row.person_id == person_id)

    def _item(self, submission: Submission) -> QueueItem:
        version = self._s.table("versions")[submission.credential_version_id]
        return QueueItem(_copy(submission), version.definition.title)

    def _reviewed_by(self, submission: Submission, assessor_id: str) -> bool:
        return any(
            review.submission_id == submission.id
            and review.attempt_number == submission.attempt_number
            and review.assessor_id == assessor_id
            for review in self._s.table("reviews").values()
        )

    def _pool(self, states: Sequence[SubmissionState], viewer_id: str) -> list[Submission]:
        wanted = set(states)
        found = [
            row
            for row in self._s.table("submissions").values()
            if row.state in wanted
            and row.person_id != viewer_id
            and not self._reviewed_by(row, viewer_id)
        ]
        return sorted(found, key=_queue_order)

    def pool(
        self, states: Sequence[SubmissionState], viewer_id: str, limit: int, offset: int
    ) -> list[QueueItem]:
        rows = self._pool(states, viewer_id)[offset : offset + limit]
        return [self._item(row) for row in rows]

    def pool_count(self, states: Sequence[SubmissionState], viewer_id: str) -> int:
        return len(self._pool(states, viewer_id))

    def claimed_by(self, assessor_id: str) -> list[QueueItem]:
        def open_review(submission: Submission) -> bool:
            return any(
                review.submission_id == submission.id
                and review.attempt_number == submission.attempt_number
                and review.assessor_id == assessor_id
                and review.completed_at is None
                for review in self._s.table("reviews").values()
            )

        found = [
            row
            for row in self._s.table("submissions").values()
            if row.state in CLAIMED_STATES and open_review(row)
        ]
        return [self._item(row) for row in sorted(found, key=_queue_order)]

    def in_state(self, state: SubmissionState, limit: int, offset: int) -> list[QueueItem]:
        found = [row for row in self._s.table("submissions").values() if row.state == state]
        found.sort(key=lambda row: (row.updated_at, row.id))
        return [self._item(row) for row in found[offset : offset + limit]]

    def count_in_state(self, state: SubmissionState) -> int:
        return sum(1 for row in self._s.table("submissions").values() if row.state == state)

    def _response_key(
        self, submission_id: str, attempt_number: int, section_key: str, requirement_key: str
    ) -> int | None:
        for key, row in self._s.table("responses").items():
            if (row.submission_id, row.attempt_number, row.section_key, row.requirement_key) == (
                submission_id,
                attempt_number,
                section_key,
                requirement_key,
            ):
                found: int = key
                return found
        return None

    def responses(self, submission_id: str, attempt_number: int) -> list[SectionResponse]:
        return self._s.select(
            "responses",
            lambda row: row.submission_id == submission_id and row.attempt_number == attempt_number,
        )

    def response(
        self, submission_id: str, attempt_number: int, section_key: str, requirement_key: str
    ) -> SectionResponse | None:
        key = self._response_key(submission_id, attempt_number, section_key, requirement_key)
        if key is None:
            return None
        found: SectionResponse | None = self._s.get("responses", key)
        return found

    def add_response(self, response: SectionResponse) -> None:
        self._s.insert("responses", self._s.database.next_id(), response)

    def save_response(self, response: SectionResponse) -> None:
        key = self._response_key(
            response.submission_id,
            response.attempt_number,
            response.section_key,
            response.requirement_key,
        )
        if key is None:
            raise ConflictError(STALE)
        self._s.check_version("responses", key, response.version)
        stored: SectionResponse = self._s.table("responses")[key]
        self._s.update(
            "responses",
            key,
            replace(
                stored,
                text=response.text,
                links=list(response.links),
                updated_at=response.updated_at,
                version=response.version + 1,
            ),
        )
        response.version += 1

    def add_evidence(self, evidence: EvidenceFile) -> None:
        self._s.insert("evidence", evidence.id, evidence)

    def evidence(self, submission_id: str, attempt_number: int) -> list[EvidenceFile]:
        found = self._s.select(
            "evidence",
            lambda row: row.submission_id == submission_id and row.attempt_number == attempt_number,
        )
        return sorted(found, key=lambda row: (row.uploaded_at, row.id))

    def evidence_file(self, evidence_id: str) -> EvidenceFile:
        found: EvidenceFile | None = self._s.get("evidence", evidence_id)
        if found is None:
            raise NotFoundError("That evidence file does not exist.")
        return found

    def remove_evidence(self, evidence_id: str) -> None:
        self._s.delete("evidence", evidence_id)

    def storage_key_in_use(self, storage_key: str) -> bool:
        return any(row.storage_key == storage_key for row in self._s.table("evidence").values())


# ---------------------------------------------------------------------------------------------
# Reviews, decisions, awards, outbox, audit
# ---------------------------------------------------------------------------------------------


class InMemoryReviewRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, review: Review) -> None:
        self._s.insert("reviews", review.id, review)

    def save(self, review: Review) -> None:
        stored: Review | None = self._s.table("reviews").get(review.id)
        if stored is None:
            raise NotFoundError("That review does not exist.")
        # Like the SQL adapter, only the scoring columns are written.
        self._s.update(
            "reviews",
            review.id,
            replace(
                stored,
                scores=list(review.scores),
                recommendation=review.recommendation,
                comment=review.comment,
                completed_at=review.completed_at,
            ),
        )

    def remove(self, review_id: str) -> None:
        self._s.delete("reviews", review_id)

    def for_submission(self, submission_id: str) -> list[Review]:
        found = self._s.select("reviews", lambda row: row.submission_id == submission_id)
        return sorted(found, key=lambda row: (row.attempt_number, row.claimed_at))

    def for_attempt(self, submission_id: str, attempt_number: int) -> list[Review]:
        found = self._s.select(
            "reviews",
            lambda row: row.submission_id == submission_id and row.attempt_number == attempt_number,
        )
        return sorted(found, key=lambda row: row.claimed_at)


class InMemoryDecisionRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, decision: Decision) -> None:
        self._s.insert("decisions", decision.id, decision)

    def for_submission(self, submission_id: str) -> list[Decision]:
        found = self._s.select("decisions", lambda row: row.submission_id == submission_id)
        return sorted(found, key=lambda row: row.attempt_number)


class InMemoryAwardRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, award: Award) -> None:
        self._s.insert("awards", award.id, award)

    def get(self, award_id: str) -> Award:
        found: Award | None = self._s.get("awards", award_id)
        if found is None:
            raise NotFoundError("That award does not exist.")
        return found

    def for_person(self, person_id: str) -> list[Award]:
        found = self._s.select("awards", lambda row: row.person_id == person_id)
        return sorted(found, key=lambda row: row.awarded_at)

    def for_submission(self, submission_id: str) -> Award | None:
        found: Award | None = self._s.find("awards", lambda row: row.submission_id == submission_id)
        return found


class InMemoryOutboxRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, event: OutboxEvent) -> None:
        """A second event with the same key makes :meth:`InMemoryUnitOfWork.commit` fail."""
        self._s.insert("outbox", event.id, event)

    def all(self, topic: str | None = None) -> list[OutboxEvent]:
        found = self._s.select("outbox", lambda row: topic is None or row.topic == topic)
        return sorted(found, key=lambda row: (row.created_at, row.id))

    # The lease lives in ``available`` (rows are frozen dataclasses without that field).

    def claim_due(
        self, now: datetime, lease_until: datetime, worker: str, topics: Sequence[str], limit: int
    ) -> list[OutboxEvent]:
        due = [
            row
            for row in self._s.values("outbox")
            if row.delivered_at is None
            and row.dead_at is None
            and row.topic in topics
            and self._available(row) <= now
        ]
        due.sort(key=lambda row: (self._available(row), row.created_at))
        claimed = []
        for row in due[:limit]:
            leased = replace(row, attempts=row.attempts + 1)
            self._s.update("outbox", row.id, leased)
            self._s.database.outbox_available[row.id] = lease_until
            claimed.append(leased)
        return claimed

    def _available(self, row: OutboxEvent) -> datetime:
        return self._s.database.outbox_available.get(row.id, row.created_at)

    def _row(self, event_id: str) -> OutboxEvent:
        row: OutboxEvent | None = self._s.get("outbox", event_id)
        if row is None:
            raise NotFoundError("That outbox event does not exist.")
        return row

    def get(self, event_id: str) -> OutboxEvent:
        return self._row(event_id)

    def mark_delivered(self, event_id: str, now: datetime) -> None:
        self._s.update("outbox", event_id, replace(self._row(event_id), delivered_at=now))

    def mark_delivered_many(self, event_ids: Sequence[str], now: datetime) -> None:
        for event_id in event_ids:
            self.mark_delivered(event_id, now)

    def retry_at(self, event_id: str, when: datetime, error: str) -> None:
        self._s.update("outbox", event_id, replace(self._row(event_id), last_error=error))
        self._s.database.outbox_available[event_id] = when

    def mark_dead(self, event_id: str, now: datetime, error: str) -> None:
        row = replace(self._row(event_id), dead_at=now, last_error=error)
        self._s.update("outbox", event_id, row)

    def status_counts(self, topics: Sequence[str] | None = None) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for row in self._s.values("outbox"):
            if topics is not None and row.topic not in topics:
                continue
            status = "delivered" if row.delivered_at else "dead" if row.dead_at else "pending"
            topic = counts.setdefault(row.topic, {"delivered": 0, "dead": 0, "pending": 0})
            topic[status] += 1
        return counts


def _matches(entry: AuditEntry, filters: AuditFilter) -> bool:
    return not (
        (filters.entity_type and entry.entity_type != filters.entity_type)
        or (filters.entity_id and entry.entity_id != filters.entity_id)
        or (filters.actor_id and entry.actor_id != filters.actor_id)
        or (filters.action and entry.action != filters.action)
        or (filters.since and entry.at < filters.since)
        or (filters.until and entry.at >= filters.until)
    )


class InMemoryAuditRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def append(self, entry: AuditEntry) -> None:
        self._s.insert("audit", entry.id, entry)

    def append_many(self, entries: Sequence[AuditEntry]) -> None:
        for entry in entries:
            self.append(entry)

    def page(self, filters: AuditFilter, limit: int, offset: int) -> list[AuditEntry]:
        """Newest first: the reverse of the order entries were appended (and committed)."""
        found = self._s.select("audit", lambda row: _matches(row, filters))
        found.reverse()
        return found[offset : offset + limit]

    def count(self, filters: AuditFilter) -> int:
        return sum(1 for row in self._s.table("audit").values() if _matches(row, filters))


# ---------------------------------------------------------------------------------------------
# LTI: platform registrations, deployments, tool keys, launch state
# ---------------------------------------------------------------------------------------------


class InMemoryPlatformRepository:
    """Like ``SqlPlatformRepository``: unique (issuer, client_id) and (registration_id,
    deployment_id), checked on commit; deployments need an existing registration."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, registration: PlatformRegistration) -> None:
        self._s.insert("platforms", registration.id, registration)

    def save(self, registration: PlatformRegistration) -> None:
        if registration.id not in self._s.table("platforms"):
            raise NotFoundError("That platform registration does not exist.")
        self._s.update("platforms", registration.id, registration)

    def get(self, registration_id: str) -> PlatformRegistration:
        found: PlatformRegistration | None = self._s.get("platforms", registration_id)
        if found is None:
            raise NotFoundError("That platform registration does not exist.")
        return found

    def find(self, issuer: str, client_id: str) -> PlatformRegistration | None:
        found: PlatformRegistration | None = self._s.find(
            "platforms", lambda row: row.issuer == issuer and row.client_id == client_id
        )
        return found

    def for_issuer(self, issuer: str) -> list[PlatformRegistration]:
        found = self._s.select("platforms", lambda row: row.issuer == issuer)
        return sorted(found, key=lambda row: row.created_at)

    def all(self) -> list[PlatformRegistration]:
        return sorted(self._s.values("platforms"), key=lambda row: row.name)

    def _deployment_key(self, registration_id: str, deployment_id: str) -> int | None:
        for key, row in self._s.table("deployments").items():
            if (row.registration_id, row.deployment_id) == (registration_id, deployment_id):
                found: int = key
                return found
        return None

    def deployment(self, registration_id: str, deployment_id: str) -> Deployment | None:
        key = self._deployment_key(registration_id, deployment_id)
        if key is None:
            return None
        found: Deployment | None = self._s.get("deployments", key)
        return found

    def add_deployment(self, deployment: Deployment) -> None:
        self._s.insert("deployments", self._s.database.next_id(), deployment)

    def save_deployment(self, deployment: Deployment) -> None:
        key = self._deployment_key(deployment.registration_id, deployment.deployment_id)
        if key is None:
            raise NotFoundError("That deployment does not exist.")
        stored: Deployment = self._s.table("deployments")[key]
        # Like the SQL adapter, only the decision columns are written.
        self._s.update(
            "deployments",
            key,
            replace(
                stored,
                status=deployment.status,
                decided_at=deployment.decided_at,
                decided_by=deployment.decided_by,
            ),
        )

    def deployments(
        self, registration_id: str | None = None, status: DeploymentStatus | None = None
    ) -> list[Deployment]:
        """Oldest first (then in insertion order, like the SQL adapter's autoincrement id)."""
        found = [
            (key, _copy(row))
            for key, row in self._s.table("deployments").items()
            if (registration_id is None or row.registration_id == registration_id)
            and (status is None or row.status == status)
        ]
        found.sort(key=lambda pair: (pair[1].first_seen_at, pair[0]))
        return [row for _, row in found]


class InMemoryToolKeyRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add(self, key: ToolKey) -> None:
        self._s.insert("tool_keys", key.kid, key)

    def save(self, key: ToolKey) -> None:
        stored: ToolKey | None = self._s.table("tool_keys").get(key.kid)
        if stored is None:
            raise NotFoundError("That tool key does not exist.")
        # Like the SQL adapter, only the state and its timestamps change.
        self._s.update(
            "tool_keys",
            key.kid,
            replace(
                stored, state=key.state, activated_at=key.activated_at, retired_at=key.retired_at
            ),
        )

    def all(self) -> list[ToolKey]:
        """Every key, oldest first."""
        return sorted(self._s.values("tool_keys"), key=lambda row: row.created_at)


class InMemoryLaunchStateRepository:
    """Like ``SqlLaunchStateRepository``: a login is taken once; a nonce is consumed once."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def add_login(self, login: PendingLogin, created_at: datetime) -> None:
        self._s.insert("launch_states", login.state, LaunchStateRecord(login, created_at))

    def take_login(self, state: str, now: datetime) -> PendingLogin | None:
        """Remove the login whatever its age; return it only while it has not expired."""
        record: LaunchStateRecord | None = self._s.get("launch_states", state)
        if record is None:
            return None
        self._s.delete("launch_states", state)
        return record.login if record.login.expires_at > now else None

    def consume_nonce(self, issuer: str, nonce: str, now: datetime, expires_at: datetime) -> bool:
        """``False`` when the nonce was used in this unit of work or by a committed one (where
        the SQL unique index refuses the insert)."""

        def same(row: UsedNonceRecord) -> bool:
            return row.issuer == issuer and row.nonce == nonce

        committed = self._s.database.tables["used_nonces"].values()
        if any(same(row) for row in self._s.table("used_nonces").values()) or any(
            same(row) for row in committed
        ):
            return False
        self._s.insert(
            "used_nonces",
            self._s.database.next_id(),
            UsedNonceRecord(issuer, nonce, now, expires_at),
        )
        return True

    def purge_expired(self, now: datetime) -> int:
        purged = 0
        for name in ("launch_states", "used_nonces"):
            expired = [key for key, row in self._s.table(name).items() if row.expires_at <= now]
            for key in expired:
                self._s.delete(name, key)
            purged += len(expired)
        return purged


class InMemoryRoleOverrideRepository:
    """Like ``SqlRoleOverrideRepository``: one override per (person, role)."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def of(self, person_id: str) -> list[RoleOverride]:
        rows = self._s.select("role_overrides", lambda row: row.person_id == person_id)
        return sorted(rows, key=lambda row: row.role.value)

    def of_people(self, person_ids: list[str]) -> list[RoleOverride]:
        wanted = set(person_ids)
        return self._s.select("role_overrides", lambda row: row.person_id in wanted)

    def put(self, override: RoleOverride) -> None:
        key = (override.person_id, override.role)
        if self._s.get("role_overrides", key) is None:
            self._s.insert("role_overrides", key, override)
        else:
            self._s.update("role_overrides", key, override)

    def remove(self, person_id: str, role: Role) -> bool:
        key = (person_id, role)
        if self._s.get("role_overrides", key) is None:
            return False
        self._s.delete("role_overrides", key)
        return True


class InMemoryLtiServiceRepository:
    """Like ``SqlLtiServiceRepository``: grade links by id, one course sync per course."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def grade_link(self, link_id: str) -> GradeLink:
        link = self._s.get("grade_links", link_id)
        if link is None:
            raise NotFoundError(f"There is no grade link {link_id!r}.")
        return link

    def find_grade_link(
        self, registration_id: str, resource_link_id: str, person_id: str
    ) -> GradeLink | None:
        found = self._s.find(
            "grade_links",
            lambda row: (
                (row.registration_id, row.resource_link_id, row.person_id)
                == (registration_id, resource_link_id, person_id)
            ),
        )
        return found

    def put_grade_link(self, link: GradeLink) -> None:
        if self._s.get("grade_links", link.id) is None:
            self._s.insert("grade_links", link.id, link)
        else:
            self._s.update("grade_links", link.id, link)

    def grade_links_for(
        self, person_id: str, credential_slug: str, kind: GradeLinkKind = "credential"
    ) -> list[GradeLink]:
        return self._s.select(
            "grade_links",
            lambda row: (
                (row.person_id, row.credential_slug, row.kind) == (person_id, credential_slug, kind)
            ),
        )

    def grade_links_of(self, person_id: str, kind: GradeLinkKind) -> list[GradeLink]:
        return self._s.select(
            "grade_links", lambda row: (row.person_id, row.kind) == (person_id, kind)
        )

    def grade_links_in(self, registration_id: str, context_id: str) -> list[GradeLink]:
        return self._s.select(
            "grade_links",
            lambda row: row.registration_id == registration_id and row.context_id == context_id,
        )

    def course_sync(self, registration_id: str, context_id: str) -> CourseSync | None:
        return self._s.get("course_syncs", (registration_id, context_id))

    def put_course_sync(self, sync: CourseSync) -> None:
        key = (sync.registration_id, sync.context_id)
        if self._s.get("course_syncs", key) is None:
            self._s.insert("course_syncs", key, sync)
        else:
            self._s.update("course_syncs", key, sync)


# ---------------------------------------------------------------------------------------------
# Unit of work
# ---------------------------------------------------------------------------------------------


class InMemoryUnitOfWork:
    """``with uow: ...; uow.commit()``. Leaving the block without commit discards every write."""

    catalog: InMemoryCatalogRepository
    people: InMemoryPeopleRepository
    submissions: InMemorySubmissionRepository
    reviews: InMemoryReviewRepository
    decisions: InMemoryDecisionRepository
    awards: InMemoryAwardRepository
    outbox: InMemoryOutboxRepository
    audit: InMemoryAuditRepository
    platforms: InMemoryPlatformRepository
    tool_keys: InMemoryToolKeyRepository
    launch_states: InMemoryLaunchStateRepository
    issuers: InMemoryIssuerRepository
    credentials: InMemoryIssuedCredentialRepository
    stack_awards: InMemoryStackAwardRepository
    role_overrides: InMemoryRoleOverrideRepository
    lti_services: InMemoryLtiServiceRepository

    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database
        self.committed = False

    def __enter__(self) -> Self:
        self._session = Session(self.database)
        self.catalog = InMemoryCatalogRepository(self._session)
        self.people = InMemoryPeopleRepository(self._session)
        self.submissions = InMemorySubmissionRepository(self._session)
        self.reviews = InMemoryReviewRepository(self._session)
        self.decisions = InMemoryDecisionRepository(self._session)
        self.awards = InMemoryAwardRepository(self._session)
        self.outbox = InMemoryOutboxRepository(self._session)
        self.audit = InMemoryAuditRepository(self._session)
        self.platforms = InMemoryPlatformRepository(self._session)
        self.tool_keys = InMemoryToolKeyRepository(self._session)
        self.launch_states = InMemoryLaunchStateRepository(self._session)
        self.issuers = InMemoryIssuerRepository(self._session)
        self.credentials = InMemoryIssuedCredentialRepository(self._session)
        self.stack_awards = InMemoryStackAwardRepository(self._session)
        self.role_overrides = InMemoryRoleOverrideRepository(self._session)
        self.lti_services = InMemoryLtiServiceRepository(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._session.reset()

    def commit(self) -> None:
        """Apply every change at once, or none.

        Raises:
            ConflictError: a unique index, a foreign key or an optimistic version refuses it.
        """
        self.database.run_before_commit()
        merged, problems = self._session.merged()
        if problems:
            self._session.reset()
            raise ConflictError(CONCURRENT_WRITE + " (" + "; ".join(problems) + ")")
        self.database.tables = merged
        self.database.commits += 1
        self.committed = True
        self._session.reset()

    def rollback(self) -> None:
        self._session.reset()


class InMemoryUnitOfWorkFactory:
    """Makes units of work over one shared :class:`MemoryDatabase`."""

    def __init__(self, database: MemoryDatabase | None = None) -> None:
        self.database = database or MemoryDatabase()

    def __call__(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.database)


# ---------------------------------------------------------------------------------------------
# Clock and evidence store
# ---------------------------------------------------------------------------------------------


class FakeClock:
    """A clock that only moves when told to. Always timezone-aware UTC."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
        if start is not None:
            self.set(start)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None or when.utcoffset() is None:
            raise ValueError("FakeClock needs a timezone-aware datetime")
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**parts)``; returns the new time."""
        step = delta if delta is not None else timedelta(**parts)
        if step < timedelta(0):
            raise ValueError("FakeClock only moves forward")
        self._now += step
        return self._now


class FakeEvidenceStore:
    """Evidence bytes in a dict. Streams in chunks, enforces the size limit, never overwrites."""

    def __init__(self, chunk_size: int = 16 * 1024) -> None:
        self.objects: dict[str, bytes] = {}
        self.chunk_size = chunk_size

    def put(self, key: str, stream: BinaryIO, max_bytes: int) -> StoredObject:
        """Like ``LocalEvidenceStore.put``: ValueError for an unsafe key, FileExistsError for a
        key in use, UploadRejectedError(too_large=True) past ``max_bytes`` (nothing kept)."""
        check_key(key)
        if key in self.objects:
            raise FileExistsError(f"Evidence object {key!r} exists and is never overwritten")
        digest = hashlib.sha256()
        parts: list[bytes] = []
        size = 0
        while True:
            chunk = stream.read(self.chunk_size)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise UploadRejectedError(
                    f"The file is larger than the limit of {max_bytes:,} bytes.", too_large=True
                )
            digest.update(chunk)
            parts.append(chunk)
        self.objects[key] = b"".join(parts)
        return StoredObject(key=key, size_bytes=size, sha256=digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        if key not in self.objects:
            raise FileNotFoundError(key)
        return io.BytesIO(self.objects[key])

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def exists(self, key: str) -> bool:
        return key in self.objects

    def keys(self) -> Iterable[str]:
        return list(self.objects)
