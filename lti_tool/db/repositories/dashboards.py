"""Read-only queries behind the dashboards (``ports_dashboards.DashboardQueries``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import Session

from lti_tool.db.models import (
    AwardRow,
    CredentialVersionRow,
    CreditLineRow,
    DecisionRow,
    DeliveryRow,
    DeliveryTargetRow,
    OrganizationRow,
    PersonRow,
    StipendEntryRow,
    StipendRow,
    SubmissionRow,
)
from lti_tool.domain.roles import OrganizationKind
from lti_tool.ports_dashboards import (
    AwardFact,
    CreditFact,
    DeliveryFact,
    FirstAttemptFact,
    StipendFact,
    WaitingFact,
)

_VERSION = CredentialVersionRow.id == SubmissionRow.credential_version_id


class SqlDashboardQueries:
    """Each method runs in its own short read-only session on ``engine``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def awards(self, since: datetime) -> list[AwardFact]:
        school = and_(
            OrganizationRow.id == PersonRow.organization_id,
            OrganizationRow.kind == OrganizationKind.SCHOOL.value,
        )
        query = (
            select(AwardRow.awarded_at, OrganizationRow.name)
            .join(PersonRow, PersonRow.id == AwardRow.person_id)
            .outerjoin(OrganizationRow, school)
            .where(AwardRow.awarded_at >= since)
            .order_by(AwardRow.awarded_at)
        )
        with Session(self._engine) as session:
            return [AwardFact(at, name) for at, name in session.execute(query)]

    def waiting(self, states: Sequence[str]) -> list[WaitingFact]:
        query = (
            select(CredentialVersionRow.title, SubmissionRow.submitted_at)
            .join(
                CredentialVersionRow, CredentialVersionRow.id == SubmissionRow.credential_version_id
            )
            .where(SubmissionRow.state.in_(list(states)), SubmissionRow.submitted_at.is_not(None))
        )
        with Session(self._engine) as session:
            return [WaitingFact(title, at) for title, at in session.execute(query) if at]

    def first_attempts(self, since: datetime) -> list[FirstAttemptFact]:
        query = (
            select(CredentialVersionRow.title, DecisionRow.outcome)
            .join(SubmissionRow, SubmissionRow.id == DecisionRow.submission_id)
            .join(
                CredentialVersionRow, CredentialVersionRow.id == SubmissionRow.credential_version_id
            )
            .where(DecisionRow.attempt_number == 1, DecisionRow.decided_at >= since)
        )
        with Session(self._engine) as session:
            return [FirstAttemptFact(title, outcome) for title, outcome in session.execute(query)]

    def credit_granted(self, since: date) -> list[CreditFact]:
        line = CreditLineRow
        query = select(line.jurisdiction, line.unit, line.amount, line.clock_hours).where(
            line.superseded_at.is_(None), line.revoked_at.is_(None), line.earned_on >= since
        )
        with Session(self._engine) as session:
            return [CreditFact(*row) for row in session.execute(query)]

    def stipends(self, since: datetime) -> list[StipendFact]:
        latest = (
            select(StipendEntryRow.stipend_id, func.max(StipendEntryRow.seq).label("seq"))
            .group_by(StipendEntryRow.stipend_id)
            .subquery()
        )
        query = (
            select(
                StipendEntryRow.state,
                StipendRow.funding_source,
                StipendRow.currency,
                StipendRow.amount,
            )
            .join(latest, latest.c.stipend_id == StipendRow.id)
            .join(
                StipendEntryRow,
                (StipendEntryRow.stipend_id == StipendRow.id)
                & (StipendEntryRow.seq == latest.c.seq),
            )
            .where(StipendRow.requested_at >= since)
        )
        with Session(self._engine) as session:
            return [StipendFact(*row) for row in session.execute(query)]

    def deliveries(self) -> list[DeliveryFact]:
        target, delivery = DeliveryTargetRow, DeliveryRow
        query = (
            select(
                target.name,
                target.active,
                delivery.status,
                func.count(delivery.id),
                func.min(delivery.created_at),
            )
            .outerjoin(delivery, delivery.target_id == target.id)
            .group_by(target.id, target.name, target.active, delivery.status)
            .order_by(target.name)
        )
        with Session(self._engine) as session:
            return [DeliveryFact(*row) for row in session.execute(query)]
