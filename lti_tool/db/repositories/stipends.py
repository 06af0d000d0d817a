"""The stipend ledger and budgets over SQLAlchemy (entries are append-only: ADR 0010)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Numeric, Select, cast, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from lti_tool.db.models import (
    PersonRow,
    StipendBudgetRow,
    StipendEntryRow,
    StipendReviewRow,
    StipendRow,
)
from lti_tool.domain.errors import ConflictError, NotFoundError
from lti_tool.domain.stipends import (
    ReviewReason,
    Stipend,
    StipendEntry,
    StipendReview,
    StipendState,
)
from lti_tool.ports_credit import LedgerFilter, LedgerRow


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


def _review(row: StipendReviewRow) -> StipendReview:
    return StipendReview(
        id=row.id,
        stipend_id=row.stipend_id,
        reason=ReviewReason(row.reason),
        state_then=StipendState(row.state_then),
        note=row.note,
        raised_at=row.raised_at,
        raised_by=row.raised_by,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        resolution=row.resolution,
    )


Columns = TypeVarTuple("Columns")
_SORTS: dict[str, ColumnElement[Any] | InstrumentedAttribute[Any]] = {
    "requested": StipendRow.requested_at,
    "amount": cast(StipendRow.amount, Numeric(14, 2)),
    "educator": func.lower(PersonRow.display_name),
}
"""The whitelist of sortable columns (LEDGER_SORTS): a request never names SQL."""


def _filtered(query: Select[*Columns], filters: LedgerFilter) -> Select[*Columns]:
    """Join each stipend to its latest entry and keep those the filter matches."""
    latest = (
        select(StipendEntryRow.stipend_id, func.max(StipendEntryRow.seq).label("seq"))
        .group_by(StipendEntryRow.stipend_id)
        .subquery()
    )
    query = query.join(latest, latest.c.stipend_id == StipendRow.id).join(
        StipendEntryRow,
        (StipendEntryRow.stipend_id == StipendRow.id) & (StipendEntryRow.seq == latest.c.seq),
    )
    if filters.district_id is not None:
        query = query.where(StipendRow.district_id == filters.district_id)
    if filters.state is not None:
        query = query.where(StipendEntryRow.state == filters.state.value)
    if filters.funding_source is not None:
        query = query.where(StipendRow.funding_source == filters.funding_source)
    if filters.school_id is not None:
        query = query.where(StipendRow.school_id == filters.school_id)
    if filters.educator.strip():
        needle = filters.educator.strip().lower()
        query = query.join(PersonRow, PersonRow.id == StipendRow.person_id).where(
            func.lower(PersonRow.display_name).contains(needle, autoescape=True)
        )
    return query


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

    def latest_states(self, stipend_ids: list[str]) -> dict[str, StipendState]:
        if not stipend_ids:
            return {}
        rows = self._session.execute(
            select(StipendEntryRow.stipend_id, StipendEntryRow.state)
            .where(StipendEntryRow.stipend_id.in_(stipend_ids))
            .order_by(StipendEntryRow.stipend_id, StipendEntryRow.seq)
        )
        return {stipend_id: StipendState(state) for stipend_id, state in rows}  # newest wins

    def ledger(
        self, district_id: str | None = None, state: StipendState | None = None
    ) -> list[LedgerRow]:
        query = _filtered(select(StipendRow, StipendEntryRow), LedgerFilter(district_id, state))
        query = query.order_by(StipendRow.requested_at.desc(), StipendRow.id)
        return [LedgerRow(_stipend(s), _entry(e)) for s, e in self._session.execute(query)]

    def ledger_page(
        self, filters: LedgerFilter, sort: str, descending: bool, limit: int, offset: int
    ) -> tuple[list[LedgerRow], int]:
        query = _filtered(select(StipendRow, StipendEntryRow), filters)
        column = _SORTS.get(sort)
        if column is None:
            query = query.order_by(StipendRow.requested_at.desc(), StipendRow.id)
        else:
            if sort == "educator" and not filters.educator:
                query = query.join(PersonRow, PersonRow.id == StipendRow.person_id)
            query = query.order_by(column.desc() if descending else column.asc(), StipendRow.id)
        rows = self._session.execute(query.limit(limit).offset(offset))
        total = self._session.scalar(
            _filtered(select(func.count()).select_from(StipendRow), filters)
        )
        return [LedgerRow(_stipend(s), _entry(e)) for s, e in rows], int(total or 0)

    def ledger_amounts(
        self, filters: LedgerFilter
    ) -> list[tuple[str | None, str, StipendState, Decimal]]:
        query = _filtered(
            select(
                StipendRow.school_id,
                StipendRow.funding_source,
                StipendEntryRow.state,
                StipendRow.amount,
            ),
            filters,
        )
        return [
            (school, source, StipendState(state), amount)
            for school, source, state, amount in self._session.execute(query)
        ]

    def ledger_choices(self, district_id: str | None) -> tuple[list[str], list[str]]:
        schools = select(StipendRow.school_id).distinct().where(StipendRow.school_id.is_not(None))
        sources = select(StipendRow.funding_source).distinct()
        if district_id is not None:
            schools = schools.where(StipendRow.district_id == district_id)
            sources = sources.where(StipendRow.district_id == district_id)
        return (
            sorted(str(school) for school in self._session.scalars(schools)),
            sorted(self._session.scalars(sources)),
        )

    def add_review(self, review: StipendReview) -> None:
        self._session.add(
            StipendReviewRow(
                id=review.id,
                stipend_id=review.stipend_id,
                reason=review.reason.value,
                state_then=review.state_then.value,
                note=review.note,
                raised_at=review.raised_at,
                raised_by=review.raised_by,
                resolved_at=review.resolved_at,
                resolved_by=review.resolved_by,
                resolution=review.resolution,
            )
        )
        self._session.flush()

    def review(self, review_id: str) -> StipendReview:
        row = self._session.get(StipendReviewRow, review_id)
        if row is None:
            raise NotFoundError(f"No stipend review {review_id!r}.")
        return _review(row)

    def reviews(self, district_id: str | None, *, open_only: bool = True) -> list[StipendReview]:
        query = select(StipendReviewRow).join(
            StipendRow, StipendRow.id == StipendReviewRow.stipend_id
        )
        if district_id is not None:
            query = query.where(StipendRow.district_id == district_id)
        if open_only:
            query = query.where(StipendReviewRow.resolved_at.is_(None))
        rows = self._session.scalars(
            query.order_by(StipendReviewRow.raised_at, StipendReviewRow.id)
        )
        return [_review(row) for row in rows]

    def reviews_for(self, stipend_ids: list[str]) -> dict[str, StipendReview]:
        if not stipend_ids:
            return {}
        rows = self._session.scalars(
            select(StipendReviewRow)
            .where(StipendReviewRow.stipend_id.in_(stipend_ids))
            .order_by(StipendReviewRow.raised_at, StipendReviewRow.id)
        )
        return {row.stipend_id: _review(row) for row in rows}

    def resolve_review(self, review: StipendReview) -> None:
        result = self._session.execute(
            update(StipendReviewRow)
            .where(StipendReviewRow.id == review.id, StipendReviewRow.resolved_at.is_(None))
            .values(
                resolved_at=review.resolved_at,
                resolved_by=review.resolved_by,
                resolution=review.resolution,
            )
        )
        if int(result.rowcount) != 1:  # type: ignore[attr-defined]
            raise ConflictError("That review was already resolved.")

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
