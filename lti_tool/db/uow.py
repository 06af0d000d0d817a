"""Unit of work over one SQLAlchemy session: every repository shares its transaction."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from lti_tool.db.repositories.badges import (
    SqlIssuedCredentialRepository,
    SqlIssuerRepository,
    SqlStackAwardRepository,
)
from lti_tool.db.repositories.catalog import SqlCatalogRepository
from lti_tool.db.repositories.credit import SqlCreditRepository
from lti_tool.db.repositories.delivery import SqlDeliveryRepository, SqlDeliveryTargetRepository
from lti_tool.db.repositories.events import (
    SqlAuditRepository,
    SqlAwardRepository,
    SqlDecisionRepository,
    SqlOutboxRepository,
    SqlReviewRepository,
)
from lti_tool.db.repositories.lti import (
    SqlLaunchStateRepository,
    SqlPlatformRepository,
    SqlToolKeyRepository,
)
from lti_tool.db.repositories.lti_services import SqlLtiServiceRepository
from lti_tool.db.repositories.people import SqlPeopleRepository
from lti_tool.db.repositories.role_overrides import SqlRoleOverrideRepository
from lti_tool.db.repositories.stipends import SqlStipendRepository
from lti_tool.db.repositories.submissions import SqlSubmissionRepository
from lti_tool.domain.errors import ConflictError
from lti_tool.ports import (
    AuditRepository,
    AwardRepository,
    CatalogRepository,
    DecisionRepository,
    LaunchStateRepository,
    OutboxRepository,
    PeopleRepository,
    PlatformRepository,
    ReviewRepository,
    RoleOverrideRepository,
    SubmissionRepository,
    ToolKeyRepository,
)
from lti_tool.ports_badges import (
    IssuedCredentialRepository,
    IssuerRepository,
    StackAwardRepository,
)
from lti_tool.ports_credit import CreditRepository, StipendRepository
from lti_tool.ports_delivery import DeliveryRepository, DeliveryTargetRepository
from lti_tool.ports_lti import LtiServiceRepository

CONCURRENT_WRITE = (
    "Another change was saved at the same moment, so this one was not. Nothing was lost: "
    "reload the page and try again."
)


def is_lock_conflict(error: BaseException) -> bool:
    """SQLite's busy/snapshot errors and PostgreSQL's deadlock or serialization failures (a
    driver's error, or SQLAlchemy's wrapping of one)."""
    text = str(getattr(error, "orig", None) or error).lower()
    return any(word in text for word in ("locked", "deadlock", "could not serialize", "busy"))


class SqlUnitOfWork:
    """``with uow: ...; uow.commit()``. Leaving the block without commit rolls back."""

    session: Session
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

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self._session_factory()
        self.catalog = SqlCatalogRepository(self.session)
        self.people = SqlPeopleRepository(self.session)
        self.submissions = SqlSubmissionRepository(self.session)
        self.reviews = SqlReviewRepository(self.session)
        self.decisions = SqlDecisionRepository(self.session)
        self.awards = SqlAwardRepository(self.session)
        self.outbox = SqlOutboxRepository(self.session)
        self.audit = SqlAuditRepository(self.session)
        self.platforms = SqlPlatformRepository(self.session)
        self.tool_keys = SqlToolKeyRepository(self.session)
        self.launch_states = SqlLaunchStateRepository(self.session)
        self.issuers = SqlIssuerRepository(self.session)
        self.credentials = SqlIssuedCredentialRepository(self.session)
        self.stack_awards = SqlStackAwardRepository(self.session)
        self.role_overrides = SqlRoleOverrideRepository(self.session)
        self.credit = SqlCreditRepository(self.session)
        self.stipends = SqlStipendRepository(self.session)
        self.delivery_targets = SqlDeliveryTargetRepository(self.session)
        self.deliveries = SqlDeliveryRepository(self.session)
        self.lti_services = SqlLtiServiceRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.session.close()  # rolls back whatever was not committed
        if isinstance(exc, IntegrityError) or (
            isinstance(exc, OperationalError) and is_lock_conflict(exc)
        ):
            raise ConflictError(CONCURRENT_WRITE) from exc

    def commit(self) -> None:
        try:
            self.session.commit()
        except IntegrityError as error:
            self.session.rollback()
            raise ConflictError(CONCURRENT_WRITE) from error
        except OperationalError as error:
            self.session.rollback()
            if is_lock_conflict(error):
                raise ConflictError(CONCURRENT_WRITE) from error
            raise

    def rollback(self) -> None:
        self.session.rollback()


class SqlUnitOfWorkFactory:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._session_factory)
