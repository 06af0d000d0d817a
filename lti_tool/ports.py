"""Ports: what the services need from the outside world, as Protocols.

Adapters implement them (``lti_tool.db``, ``lti_tool.storage``, ``connectors``); tests implement
them with in-memory fakes. Services import nothing else from outside the domain.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import BinaryIO, Protocol, Self

from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.domain.lti import Deployment, DeploymentStatus, PlatformRegistration, ToolKey
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
from lti_tool.domain.roster.entities import Entity, RosterRecord
from lti_tool.domain.roster.report import ImportReport, Problem
from lti_tool.ports_badges import (
    IssuedCredentialRepository,
    IssuerRepository,
    StackAwardRepository,
)
from lti_tool.ports_credit import CreditRepository, StipendRepository
from lti_tool.ports_delivery import DeliveryRepository, DeliveryTargetRepository
from lti_tool.ports_lti import LtiServiceRepository


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


@dataclass(frozen=True)
class StoredObject:
    """What an evidence store reports after writing a stream."""

    key: str
    size_bytes: int
    sha256: str


class EvidenceStore(Protocol):
    """Where evidence bytes live. Objects are written once and never overwritten."""

    def put(self, key: str, stream: BinaryIO, max_bytes: int) -> StoredObject:
        """Stream ``stream`` into a new object, hashing it on the way.

        Raises:
            UploadRejectedError: the stream is longer than ``max_bytes``; nothing is kept.
        """
        ...

    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object's bytes."""
        ...

    def delete(self, key: str) -> None:
        """Remove an object; removing a missing one is not an error."""
        ...

    def exists(self, key: str) -> bool: ...


class ContentSniffer(Protocol):
    def sniff(self, head: bytes) -> str | None:
        """The MIME type the first bytes of a file reveal, or ``None`` when unknown."""
        ...


class CatalogRepository(Protocol):
    def stack_by_slug(self, slug: str) -> Stack | None: ...
    def stack(self, stack_id: str) -> Stack: ...
    def save_stack(self, stack: Stack) -> None:
        """Insert or update a stack (by id)."""
        ...

    def stacks(self) -> list[Stack]: ...
    def current_version(self, slug: str) -> CredentialVersion | None: ...
    def version(self, version_id: str) -> CredentialVersion:
        """Raises NotFoundError."""
        ...

    def add_version(self, version: CredentialVersion) -> None:
        """Store a new version and make it the credential's current one."""
        ...

    def current_versions(self, stack_id: str | None = None) -> list[CredentialVersion]: ...
    def versions_of(self, slug: str) -> list[CredentialVersion]: ...


class PeopleRepository(Protocol):
    def add_organization(self, organization: Organization) -> None: ...
    def organization(self, organization_id: str) -> Organization:
        """Raises NotFoundError."""
        ...

    def organization_by_slug(self, slug: str) -> Organization | None: ...
    def organizations(self) -> list[Organization]: ...
    def add_person(self, person: Person) -> None: ...
    def person(self, person_id: str) -> Person:
        """Raises NotFoundError."""
        ...

    def people(self, limit: int = 100, offset: int = 0) -> list[Person]: ...
    def add_identity(self, identity: ExternalIdentity) -> None: ...
    def identities_of(self, person_id: str) -> list[ExternalIdentity]: ...
    def find_by_identity(self, kind: IdentityKind, namespace: str, value: str) -> Person | None: ...
    def add_role(self, assignment: RoleAssignment) -> None: ...
    def roles_of(self, person_id: str) -> list[RoleAssignment]: ...
    def people_with_role(self, role: Role) -> list[Person]: ...
    def roles_in_context(self, organization_id: str, context_id: str) -> list[RoleAssignment]:
        """Every role held in one LMS course (``context_id``) of an organisation."""
        ...


@dataclass(frozen=True)
class QueueItem:
    submission: Submission
    credential_title: str


class SubmissionRepository(Protocol):
    def add(self, submission: Submission) -> None: ...
    def get(self, submission_id: str, *, for_update: bool = False) -> Submission:
        """Raises NotFoundError. ``for_update`` locks the row until commit where the DB can."""
        ...

    def save(self, submission: Submission) -> None:
        """Write changes if nobody else did first; bumps ``version``.

        Raises:
            ConflictError: the stored version is not ``submission.version``.
        """
        ...

    def for_person(self, person_id: str) -> list[Submission]: ...
    def pool(
        self, states: Sequence[SubmissionState], viewer_id: str, limit: int, offset: int
    ) -> list[QueueItem]:
        """Submissions waiting to be claimed, oldest first, that ``viewer_id`` may review."""
        ...

    def pool_count(self, states: Sequence[SubmissionState], viewer_id: str) -> int: ...
    def claimed_by(self, assessor_id: str) -> list[QueueItem]:
        """Submissions the assessor has claimed and not finished reviewing."""
        ...

    def in_state(self, state: SubmissionState, limit: int, offset: int) -> list[QueueItem]: ...
    def count_in_state(self, state: SubmissionState) -> int: ...
    def responses(self, submission_id: str, attempt_number: int) -> list[SectionResponse]: ...
    def response(
        self, submission_id: str, attempt_number: int, section_key: str, requirement_key: str
    ) -> SectionResponse | None: ...
    def add_response(self, response: SectionResponse) -> None: ...
    def save_response(self, response: SectionResponse) -> None:
        """Raises ConflictError when the stored version is not ``response.version``."""
        ...

    def add_evidence(self, evidence: EvidenceFile) -> None: ...
    def evidence(self, submission_id: str, attempt_number: int) -> list[EvidenceFile]: ...
    def evidence_file(self, evidence_id: str) -> EvidenceFile:
        """Raises NotFoundError."""
        ...

    def remove_evidence(self, evidence_id: str) -> None: ...
    def storage_key_in_use(self, storage_key: str) -> bool: ...


class ReviewRepository(Protocol):
    def add(self, review: Review) -> None: ...
    def save(self, review: Review) -> None: ...
    def remove(self, review_id: str) -> None: ...
    def for_submission(self, submission_id: str) -> list[Review]: ...
    def for_attempt(self, submission_id: str, attempt_number: int) -> list[Review]: ...


class DecisionRepository(Protocol):
    def add(self, decision: Decision) -> None: ...
    def for_submission(self, submission_id: str) -> list[Decision]: ...


class AwardRepository(Protocol):
    def add(self, award: Award) -> None: ...
    def get(self, award_id: str) -> Award:
        """Raises NotFoundError."""
        ...

    def for_person(self, person_id: str) -> list[Award]: ...
    def for_submission(self, submission_id: str) -> Award | None: ...


class OutboxRepository(Protocol):
    def add(self, event: OutboxEvent) -> None:
        """Raises ConflictError (after rollback) if an event with the same key exists."""
        ...

    def all(self, topic: str | None = None) -> list[OutboxEvent]: ...
    def claim_due(
        self, now: datetime, lease_until: datetime, worker: str, topics: Sequence[str], limit: int
    ) -> list[OutboxEvent]:
        """Lease up to ``limit`` due rows of ``topics`` to ``worker`` (their ``available_at`` moves
        to ``lease_until``; ``attempts`` goes up by one). Rows another worker is claiming at the
        same moment are skipped (``FOR UPDATE SKIP LOCKED`` on PostgreSQL)."""
        ...

    def mark_delivered(self, event_id: str, now: datetime) -> None: ...
    def mark_delivered_many(self, event_ids: Sequence[str], now: datetime) -> None:
        """:meth:`mark_delivered` for several rows in one statement (a settled batch)."""
        ...

    def retry_at(self, event_id: str, when: datetime, error: str) -> None: ...
    def mark_dead(self, event_id: str, now: datetime, error: str) -> None: ...
    def get(self, event_id: str) -> OutboxEvent:
        """Raises NotFoundError."""
        ...

    def status_counts(self, topics: Sequence[str] | None = None) -> dict[str, dict[str, int]]:
        """Per topic: how many rows are ``pending``, ``delivered`` and ``dead``."""
        ...


@dataclass(frozen=True)
class AuditFilter:
    entity_type: str | None = None
    entity_id: str | None = None
    actor_id: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditRepository(Protocol):
    def append(self, entry: AuditEntry) -> None: ...
    def append_many(self, entries: Sequence[AuditEntry]) -> None:
        """:meth:`append` of several in one statement executed for all, in their order."""
        ...

    def page(self, filters: AuditFilter, limit: int, offset: int) -> list[AuditEntry]:
        """Newest first."""
        ...

    def count(self, filters: AuditFilter) -> int: ...


class PlatformRepository(Protocol):
    """LTI platform registrations and their deployments."""

    def add(self, registration: PlatformRegistration) -> None: ...
    def save(self, registration: PlatformRegistration) -> None: ...
    def get(self, registration_id: str) -> PlatformRegistration:
        """Raises NotFoundError."""
        ...

    def find(self, issuer: str, client_id: str) -> PlatformRegistration | None: ...
    def for_issuer(self, issuer: str) -> list[PlatformRegistration]: ...
    def all(self) -> list[PlatformRegistration]: ...
    def deployment(self, registration_id: str, deployment_id: str) -> Deployment | None: ...
    def add_deployment(self, deployment: Deployment) -> None: ...
    def save_deployment(self, deployment: Deployment) -> None: ...
    def deployments(
        self, registration_id: str | None = None, status: DeploymentStatus | None = None
    ) -> list[Deployment]: ...


class ToolKeyRepository(Protocol):
    """The tool's signing keys (private halves encrypted)."""

    def add(self, key: ToolKey) -> None: ...
    def save(self, key: ToolKey) -> None: ...
    def all(self) -> list[ToolKey]:
        """Every key, oldest first."""
        ...


@dataclass(frozen=True)
class PendingLogin:
    """What the tool remembers between OIDC login and launch."""

    state: str
    nonce: str
    registration_id: str | None
    expires_at: datetime


class LaunchStateConsumer(Protocol):
    """What a login and its launch need of the launch state: remember the login, then take it
    and spend the nonce (a unit of work's repository, or a lean transaction of its own)."""

    def add_login(self, login: PendingLogin, created_at: datetime) -> None: ...
    def take_login(self, state: str, now: datetime) -> PendingLogin | None:
        """Remove and return an unexpired login; ``None`` if unknown, used or expired."""
        ...

    def consume_nonce(self, issuer: str, nonce: str, now: datetime, expires_at: datetime) -> bool:
        """Record a nonce as used; ``False`` when it was used before (a replay)."""
        ...


class LaunchStateRepository(LaunchStateConsumer, Protocol):
    """One-time OIDC state and consumed nonces, shared by every web worker."""

    def purge_expired(self, now: datetime) -> int: ...


class Transactional(Protocol):
    """One transaction per ``with`` block: :meth:`commit` commits (and goes on in a new one);
    leaving the block rolls back whatever was not committed."""

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...


class HasLaunchStates(Protocol):
    """A transaction that can consume launch state: a whole :class:`UnitOfWork`, or a
    :class:`LaunchStateTransaction` that can do nothing else."""

    @property
    def launch_states(self) -> LaunchStateConsumer: ...


class LaunchStateTransaction(HasLaunchStates, Transactional, Protocol):
    """One transaction of its own for taking a login state and spending its nonce, without a
    whole unit of work: the launch's only write when nothing else is done with it. Leaving the
    block without :meth:`commit` rolls back."""

    def commit(self) -> None:
        """Raises ConflictError when a concurrent change refuses the write."""
        ...


class LaunchStateTransactionFactory(Protocol):
    def __call__(self) -> LaunchStateTransaction: ...


class RoleOverrideRepository(Protocol):
    """Roles an admin forced on or off for a person, one per (person, role)."""

    def of(self, person_id: str) -> list[RoleOverride]: ...
    def of_people(self, person_ids: list[str]) -> list[RoleOverride]: ...
    def put(self, override: RoleOverride) -> None:
        """Add the override, or replace the one for the same person and role."""
        ...

    def remove(self, person_id: str, role: Role) -> bool:
        """Drop the override; ``False`` when there was none."""
        ...


class UnitOfWork(Transactional, Protocol):
    """One transaction across all repositories. Nothing is written until :meth:`commit`."""

    catalog: CatalogRepository
    people: PeopleRepository
    submissions: SubmissionRepository
    reviews: ReviewRepository
    decisions: DecisionRepository
    awards: AwardRepository
    outbox: OutboxRepository
    audit: AuditRepository
    platforms: PlatformRepository
    tool_keys: ToolKeyRepository
    launch_states: LaunchStateRepository
    issuers: IssuerRepository
    credentials: IssuedCredentialRepository
    stack_awards: StackAwardRepository
    role_overrides: RoleOverrideRepository
    credit: CreditRepository
    stipends: StipendRepository
    delivery_targets: DeliveryTargetRepository
    deliveries: DeliveryRepository
    lti_services: LtiServiceRepository

    def commit(self) -> None:
        """Raises ConflictError when a unique rule or a concurrent change refuses the write."""
        ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


# --- Rosters (OneRoster CSV and REST; LMS rosters later) -------------------------------------


@dataclass(slots=True)
class RawRow:
    """One row from a roster source, shaped like a CSV row of the feed's header. Read-only by
    convention (not frozen: one is made per row, and a frozen dataclass is slower to make)."""

    line: int
    cells: Sequence[str]
    bookmark: str | None = None
    """Set on the last row of a provider's page: where to resume once this row is committed."""


@dataclass
class RosterFeed:
    """One entity's rows from a source. ``problems`` grows while ``rows`` is read."""

    entity: Entity
    mode: str
    """``bulk`` or ``delta``."""
    header: Sequence[str]
    rows: Iterator[RawRow]
    problems: list[Problem]
    name: str = ""
    """Where the rows come from, for problem locations; default ``<entity>.csv``."""
    complete: bool | None = None
    """Whether the rows are the whole truth (records not seen are deactivated per policy);
    ``None`` means: when ``mode`` is ``bulk``."""
    done_bookmark: str | None = None
    """Set by the source once ``rows`` is exhausted: the bookmark for the next sync."""
    within: tuple[str, str] | None = None
    """``(attr, value)``: the rows are the whole truth only for records with that value (an LMS
    course roster: the enrollments of one class); ``None`` means the whole district."""


class RosterSource(Protocol):
    """Where roster data comes from: a OneRoster CSV package, a OneRoster REST provider, an LMS.

    Raises:
        PackageError: from :meth:`version` when the source cannot be read at all.
    """

    def describe(self) -> str:
        """A short name for reports (a file name, a provider name)."""
        ...

    def version(self) -> str:
        """The OneRoster version: ``1.0``, ``1.1`` or ``1.2``."""
        ...

    def problems(self) -> list[Problem]:
        """Package-level warnings found so far (nested folder, manifest dirt)."""
        ...

    def feed(self, entity: Entity) -> RosterFeed | None:
        """The entity's rows, or ``None`` when the source has none (``absent``)."""
        ...

    def estimate_rows(self) -> int | None:
        """About how many rows the source holds, for a progress bar; ``None`` if unknown."""
        ...


@dataclass(frozen=True)
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    duplicates: tuple[RosterRecord, ...] = ()
    """Records whose sourcedId was already written in this run; not stored."""
    unknown_deletes: tuple[RosterRecord, ...] = ()
    """``tobedeleted`` rows for records never stored; nothing to do."""


@dataclass(frozen=True)
class RosterUser:
    """A stored roster user, as identity matching sees it."""

    sourced_id: str
    values: dict[str, str | None]
    extra: dict[str, str]
    role: str | None
    person_id: str | None
    employee_id: str | None


@dataclass(frozen=True)
class MatchQuestion:
    """An ambiguous identity match waiting for an admin."""

    id: int
    scope_id: str
    sourced_id: str
    display_name: str
    candidates: list[dict[str, str]]
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class RosterProvider:
    """A OneRoster REST provider credbridge syncs from."""

    name: str
    scope_id: str
    version: str
    base_url: str
    client_id: str
    secret: str = field(repr=False)
    """Encrypted with the :class:`SecretCipher`; never the plain secret."""
    token_url: str | None
    scopes: str | None
    signature_method: str
    created_at: datetime


class SecretCipher(Protocol):
    """Encrypts secrets at rest (connector credentials) under rotatable keys."""

    def encrypt(self, plain: str) -> str: ...
    def decrypt(self, token: str) -> str: ...


class RosterSourceFactory(Protocol):
    def __call__(
        self,
        provider: RosterProvider,
        secret: str,
        bookmarks: dict[Entity, str | None],
        full: bool,
    ) -> RosterSource:
        """A source reading ``provider`` with its plain ``secret``, resuming at ``bookmarks``."""
        ...


class RosterStore(Transactional, Protocol):
    """Bulk storage of roster records, per district (``scope_id``), in one transaction per
    ``with`` block like the unit of work. Built for batches of thousands of rows."""

    server_side: bool
    """The database works in another process (a server): storing one batch while the next is
    read overlaps the two. ``False`` for SQLite, whose work happens in this process."""

    def upsert(self, scope_id: str, run_id: str, records: Sequence[RosterRecord]) -> UpsertCounts:
        """Insert or update records of one entity; mark them seen by ``run_id``."""
        ...

    def known(self, scope_id: str, entity: Entity, sourced_ids: Collection[str]) -> set[str]:
        """Which of ``sourced_ids`` are stored (active or not)."""
        ...

    def count_active(self, scope_id: str, entity: Entity) -> int: ...
    def count_absent(
        self, scope_id: str, entity: Entity, run_id: str, within: tuple[str, str] | None = None
    ) -> int:
        """Active records ``run_id`` did not see (only those whose ``attr == value`` when
        ``within`` is given)."""
        ...

    def deactivate_absent(
        self, scope_id: str, entity: Entity, run_id: str, within: tuple[str, str] | None = None
    ) -> int: ...
    def apply_primary_roles(self, scope_id: str) -> None:
        """OneRoster 1.2: copy each user's active primary role from roles onto the user."""
        ...

    def unlinked_staff(
        self, scope_id: str, roles: Collection[str], after: str, limit: int
    ) -> list[RosterUser]:
        """Active users with a staff role and no person, ordered by sourcedId after ``after``."""
        ...

    def link(
        self, scope_id: str, sourced_id: str, person_id: str, employee_id: str | None
    ) -> None: ...

    def people_with_identity(self, kind: str, value: str, namespace: str | None) -> set[str]:
        """Person ids holding the identity (any namespace when ``namespace`` is None)."""
        ...

    def sourced_ids_of(self, scope_id: str, person_ids: Collection[str]) -> dict[str, str]:
        """Person id to the roster user of this district it is linked to."""
        ...

    def ask(
        self,
        scope_id: str,
        sourced_id: str,
        display_name: str,
        candidates: list[dict[str, str]],
        reason: str,
        at: datetime,
    ) -> None:
        """Queue (or refresh) an ambiguous match for an admin."""
        ...

    def questions(
        self, scope_id: str | None = None, limit: int | None = None, offset: int = 0
    ) -> list[MatchQuestion]:
        """Open questions, oldest first; ``limit``/``offset`` cut one page of them."""
        ...

    def count_questions(self, scope_id: str | None = None) -> int: ...
    def close_question(self, question_id: int, at: datetime) -> MatchQuestion:
        """Raises NotFoundError."""
        ...

    def set_employee_id(self, scope_id: str, sourced_id: str, employee_id: str | None) -> None:
        """Raises NotFoundError."""
        ...

    def users(self, scope_id: str, query: str, limit: int) -> list[RosterUser]: ...
    def save_report(self, report: ImportReport, keep: int) -> None:
        """Store the report and drop all but the newest ``keep``."""
        ...

    def reports(self, limit: int) -> list[ImportReport]:
        """Newest first."""
        ...

    def report(self, report_id: str) -> ImportReport:
        """Raises NotFoundError."""
        ...

    def bookmark(self, provider: str, entity: Entity) -> str | None: ...
    def save_bookmark(self, provider: str, entity: Entity, value: str | None) -> None: ...
    def add_provider(self, provider: RosterProvider) -> None:
        """Raises ConflictError when the name is taken."""
        ...

    def provider(self, name: str) -> RosterProvider:
        """Raises NotFoundError."""
        ...

    def providers(self) -> list[RosterProvider]: ...


class RosterStoreFactory(Protocol):
    def __call__(self) -> RosterStore: ...
