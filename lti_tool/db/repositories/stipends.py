"""The stipend ledger and budgets over SQLAlchemy (entries are append-only: ADR 0010)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.db.models import StipendBudgetRow, StipendEntryRow, StipendRow
from lti_tool.domain.errors import NotFoundError
from lti_tool.domain.stipends import Stipend, StipendEntry, StipendState
from lti_tool.ports_credit import LedgerRow


def _stipend(row: StipendRow) -> Stipend:
    return Stipend(
        id=row.id,
        award_id=row.award_id,
        person_id=row.person_id,
        district_id=row.district_id,
        school_id=row.school_id,
        credential_slug=row.credential_slug,
        amount=row.amount,
        currency=row.currency,
        funding_source=row.funding_source,
        requested_at=row.requested_at,
    )


def _entry(row: StipendEntryRow) -> StipendEntry:
    return StipendEntry(
        row.stipend_id, row.seq, StipendState(row.state), row.at, row.actor_id, row.note, row.batch
    )


class SqlStipendRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, stipend: Stipend) -> None:
        self._session.add(
            StipendRow(
                id=stipend.id,
                award_id=stipend.award_id,
                person_id=stipend.person_id,
                district_id=stipend.district_id,
                school_id=stipend.school_id,
                credential_slug=stipend.credential_slug,
                amount=stipend.amount,
                currency=stipend.currency,
                funding_source=stipend.funding_source,
                requested_at=stipend.requested_at,
            )
        )
        self._session.flush()

    def get(self, stipend_id: str, *, for_update: bool = False) -> Stipend:
        query = select(StipendRow).where(StipendRow.id == stipend_id)
        if for_update:
            query = query.with_for_update()
        row = self._session.scalar(query)
        if row is None:
            raise NotFoundError(f"No stipend {stipend_id!r}.")
        return _stipend(row)

    def for_award(self, award_id: str) -> Stipend | None:
        row = self._session.scalar(select(StipendRow).where(StipendRow.award_id == award_id))
        return None if row is None else _stipend(row)

    def for_awards(self, award_ids: list[str]) -> dict[str, Stipend]:
        if not award_ids:
            return {}
        rows = self._session.scalars(select(StipendRow).where(StipendRow.award_id.in_(award_ids)))
        return {row.award_id: _stipend(row) for row in rows}

    def append(self, entry: StipendEntry) -> None:
        self._session.add(
            StipendEntryRow(
                stipend_id=entry.stipend_id,
                seq=entry.seq,
                state=entry.state.value,
                at=entry.at,
                actor_id=entry.actor_id,
                note=entry.note,
                batch=entry.batch,
            )
        )
        self._session.flush()

    def entries(self, stipend_id: str) -> list[StipendEntry]:
        rows = self._session.scalars(
            select(StipendEntryRow)
            .where(StipendEntryRow.stipend_id == stipend_id)
            .order_by(StipendEntryRow.seq)
        )
        return [_entry(row) for row in rows]

    def ledger(
        self, district_id: str | None = None, state: StipendState | None = None
    ) -> list[LedgerRow]:
        latest = (
            select(StipendEntryRow.stipend_id, func.max(StipendEntryRow.seq).label("seq"))
            .group_by(StipendEntryRow.stipend_id)
            .subquery()
        )
        query = (
            select(StipendRow, StipendEntryRow)
            .join(latest, latest.c.stipend_id == StipendRow.id)
            .join(
                StipendEntryRow,
                (StipendEntryRow.stipend_id == StipendRow.id)
                & (StipendEntryRow.seq == latest.c.seq),
            )
            .order_by(StipendRow.requested_at.desc(), StipendRow.id)
        )
        if district_id is not None:
            query = query.where(StipendRow.district_id == district_id)
        if state is not None:
            query = query.where(StipendEntryRow.state == state.value)
        return [LedgerRow(_stipend(s), _entry(e)) for s, e in self._session.execute(query)]

    def budgets(self, district_id: str) -> dict[str, Decimal]:
        rows = self._session.scalars(
            select(StipendBudgetRow).where(StipendBudgetRow.district_id == district_id)
        )
        return {row.funding_source: row.amount for row in rows}

    def _budget_row(
        self, district_id: str, funding_source: str, for_update: bool = False
    ) -> StipendBudgetRow | None:
        query = select(StipendBudgetRow).where(
            StipendBudgetRow.district_id == district_id,
            StipendBudgetRow.funding_source == funding_source,
        )
        return self._session.scalar(query.with_for_update() if for_update else query)

    def budget(
        self, district_id: str, funding_source: str, *, for_update: bool = False
    ) -> Decimal | None:
        row = self._budget_row(district_id, funding_source, for_update)
        return None if row is None else row.amount

    def put_budget(self, district_id: str, funding_source: str, amount: Decimal) -> None:
        row = self._budget_row(district_id, funding_source)
        if row is None:
            row = StipendBudgetRow(district_id=district_id, funding_source=funding_source)
            self._session.add(row)
        row.amount = amount
        self._session.flush()
