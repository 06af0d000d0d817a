"""Stipends: requested with the award, approved within budget, exported, paid, or rejected.

The ledger is append-only: each move adds an entry numbered after the last, so two admins moving
the same stipend at once clash instead of both winning; each move is audited too.

Revoking the award's credential (a :class:`CredentialService` hook, in the revocation's
transaction) rejects a stipend not yet exported, with the note ``credential revoked: <why>``; one
already exported or paid cannot be taken back by the ledger, so it goes on HR's review list
(``revoked_after_export`` / ``revoked_after_payment``) until someone records what was done.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from lti_tool.domain.badges import IssuedCredential
from lti_tool.domain.errors import ValidationError
from lti_tool.domain.model import new_id
from lti_tool.domain.roles import Role
from lti_tool.domain.stipends import (
    COMMITTED,
    REJECT_ON_REVOKE,
    REVIEW_ON_REVOKE,
    Stipend,
    StipendEntry,
    StipendReview,
    StipendState,
    check_move,
)
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lti_tool.ports_credit import LedgerFilter, LedgerRow
from lti_tool.services.common import Actor, Page, page_bounds, record
from lti_tool.services.credit_admin import amount_or_none
from lti_tool.services.credit_scope import (
    admin_id,
    applicable_overrides,
    governing_settings,
    school_of,
)
from lti_tool.services.decisions import Decided
from lti_tool.services.listing import ListQuery

REVOKED_NOTE = "credential revoked"


@dataclass(frozen=True)
class LedgerView:
    row: LedgerRow
    educator: str
    school: str
    credential: str
    review: StipendReview | None = None
    """Set when the credential was revoked after export or payment (HR's review list)."""


@dataclass(frozen=True)
class ReviewView:
    """One entry of HR's review list with what a person reads."""

    review: StipendReview
    ledger: LedgerView


@dataclass
class TotalRow:
    school: str
    funding_source: str
    by_state: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))


@dataclass(frozen=True)
class BudgetRow:
    funding_source: str
    budget: Decimal | None
    committed: Decimal

    @property
    def remaining(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.committed


@dataclass(frozen=True)
class Totals:
    """Sums per school and funding source, per state; budgets with what is committed."""

    rows: list[TotalRow]
    budgets: list[BudgetRow]


def move(
    uow: UnitOfWork,
    stipend: Stipend,
    target: StipendState,
    by: str | None,
    at: datetime,
    note: str = "",
    batch: str = "",
) -> None:
    """Append the next ledger entry after checking the move is allowed; audit it."""
    entries = uow.stipends.entries(stipend.id)
    current = entries[-1].state
    check_move(current, target)
    uow.stipends.append(StipendEntry(stipend.id, len(entries) + 1, target, at, by, note, batch))
    record(uow, at, by, "stipend", stipend.id, target.value, current.value, target.value, note)


def committed(uow: UnitOfWork, district_id: str, funding_source: str) -> Decimal:
    return sum(
        (
            item.stipend.amount
            for item in uow.stipends.ledger(district_id)
            if item.stipend.funding_source == funding_source and item.latest.state in COMMITTED
        ),
        Decimal(0),
    )


class StipendService:
    """The stipend ledger (admins; the command line acts as the operator)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def on_decided(self, uow: UnitOfWork, decided: Decided) -> None:
        """Decision hook: request the district's stipend for the award, if it pays one."""
        award = decided.award
        if award is None:
            return
        person = uow.people.person(award.person_id)
        found = applicable_overrides(uow, person.organization_id, decided.credential).stipend
        if found is None or found.stipend_amount is None or found.stipend_amount == 0:
            return
        governing = governing_settings(uow, found.organization_id)
        stipend = Stipend(
            id=new_id(),
            award_id=award.id,
            person_id=person.id,
            district_id=found.organization_id,
            school_id=school_of(uow, person.organization_id),
            credential_slug=decided.credential.slug,
            amount=found.stipend_amount,
            currency=governing[1].currency if governing else "USD",
            funding_source=found.funding_source,
            requested_at=decided.at,
        )
        uow.stipends.add(stipend)
        uow.stipends.append(
            StipendEntry(stipend.id, 1, StipendState.REQUESTED, decided.at, decided.actor_id)
        )
        record(
            uow, decided.at, decided.actor_id, "stipend", stipend.id, "request", None,
            StipendState.REQUESTED.value, f"{stipend.amount} {stipend.currency}, award {award.id}",
        )  # fmt: skip

    def on_revoked(self, uow: UnitOfWork, credential: IssuedCredential, by: str) -> None:
        """Revocation hook: reject the award's stipend if nothing went to payroll yet, else put
        it on HR's review list; audited either way."""
        if credential.award_id is None or credential.revoked_at is None:
            return
        found = uow.stipends.for_award(credential.award_id)
        if found is None:
            return
        stipend = uow.stipends.get(found.id, for_update=True)
        state = uow.stipends.entries(stipend.id)[-1].state
        at, note = credential.revoked_at, f"{REVOKED_NOTE}: {credential.revocation_reason or ''}"
        if state in REJECT_ON_REVOKE:
            move(uow, stipend, StipendState.REJECTED, by, at, note)
        elif state in REVIEW_ON_REVOKE:
            reason = REVIEW_ON_REVOKE[state]
            uow.stipends.add_review(
                StipendReview(new_id(), stipend.id, reason, state, note, at, by)
            )
            record(uow, at, by, "stipend", stipend.id, "review", state.value, reason.value, note)

    def reviews(
        self, actor: Actor | None, district_id: str | None = None, *, open_only: bool = True
    ) -> list[ReviewView]:
        """HR's review list: stipends whose credential was revoked after export or payment
        (admins; None is the command line)."""
        admin_id(actor)
        with self._uow() as uow:
            found = uow.stipends.reviews(district_id, open_only=open_only)
            rows = []
            for review in found:
                stipend = uow.stipends.get(review.stipend_id)
                rows.append(LedgerRow(stipend, uow.stipends.entries(stipend.id)[-1]))
            return [ReviewView(r, v) for r, v in zip(found, _views(uow, rows), strict=True)]

    def resolve_review(self, actor: Actor | None, review_id: str, note: str) -> StipendReview:
        """Close a review with what HR did (clawed back, waived, ...); audited."""
        by = admin_id(actor)
        if not note.strip():
            raise ValidationError("Say what was done (clawed back, waived, ...): it is kept.")
        now = self._clock.now()
        with self._uow() as uow:
            review = uow.stipends.review(review_id)
            resolved = replace(review, resolved_at=now, resolved_by=by, resolution=note.strip())
            uow.stipends.resolve_review(resolved)
            record(
                uow, now, by, "stipend", review.stipend_id, "review_resolved",
                review.reason.value, "resolved", note.strip(),
            )  # fmt: skip
            uow.commit()
            return resolved

    def ledger(
        self, actor: Actor, district_id: str | None = None, state: StipendState | None = None
    ) -> list[LedgerView]:
        actor.require(Role.ADMIN)
        with self._uow() as uow:
            return _views(uow, uow.stipends.ledger(district_id, state))

    def page(self, actor: Actor, filters: LedgerFilter, query: ListQuery) -> Page[LedgerView]:
        """One page of the ledger, filtered and sorted in SQL (a large district's ledger is
        never loaded whole)."""
        actor.require(Role.ADMIN)
        page, per_page, offset = page_bounds(query.page, query.per_page)
        with self._uow() as uow:
            rows, total = uow.stipends.ledger_page(
                filters, query.sort, query.descending, per_page, offset
            )
            return Page(_views(uow, rows), total, page, per_page)

    def choices(self, actor: Actor, district_id: str | None) -> tuple[dict[str, str], list[str]]:
        """Schools (id -> name) and funding sources the ledger filters offer."""
        actor.require(Role.ADMIN)
        with self._uow() as uow:
            schools, sources = uow.stipends.ledger_choices(district_id)
            names = {school: uow.people.organization(school).name for school in schools}
        return dict(sorted(names.items(), key=lambda item: item[1].casefold())), sources

    def for_award(self, award_id: str) -> tuple[Stipend, StipendState] | None:
        """The award's stipend and its state (no actor: delivery targets that carry stipends)."""
        with self._uow() as uow:
            stipend = uow.stipends.for_award(award_id)
            if stipend is None:
                return None
            return stipend, uow.stipends.entries(stipend.id)[-1].state

    def amount_for_award(self, award_id: str) -> Decimal | None:
        """The amount a delivery target carries for the award; none when rejected or absent."""
        found = self.for_award(award_id)
        if found is None or found[1] is StipendState.REJECTED:
            return None
        return found[0].amount

    def amounts_in(self, uow: UnitOfWork, award_ids: Sequence[str]) -> dict[str, Decimal | None]:
        """:meth:`amount_for_award` of each award, inside ``uow`` (a delivery batch's read), in
        two queries whatever the batch size."""
        found = uow.stipends.for_awards(list(award_ids))
        states = uow.stipends.latest_states([stipend.id for stipend in found.values()])
        amounts: dict[str, Decimal | None] = {}
        for award_id in award_ids:
            stipend = found.get(award_id)
            if stipend is None or states.get(stipend.id) is StipendState.REJECTED:
                amounts[award_id] = None
            else:
                amounts[award_id] = stipend.amount
        return amounts

    def entries(self, actor: Actor, stipend_id: str) -> list[StipendEntry]:
        actor.require(Role.ADMIN)
        with self._uow() as uow:
            uow.stipends.get(stipend_id)
            return uow.stipends.entries(stipend_id)

    def approve(self, actor: Actor | None, stipend_id: str, note: str = "") -> None:
        """Approve within the funding source's budget, or refuse saying by how much."""
        by = admin_id(actor)
        with self._uow() as uow:
            stipend = uow.stipends.get(stipend_id, for_update=True)
            budget = uow.stipends.budget(
                stipend.district_id, stipend.funding_source, for_update=True
            )
            if budget is not None:
                used = committed(uow, stipend.district_id, stipend.funding_source)
                if used + stipend.amount > budget:
                    raise ValidationError(
                        f"Approving {stipend.amount} {stipend.currency} would exceed the "
                        f"{stipend.funding_source!r} budget: {budget} budgeted, {used} already "
                        f"committed, {budget - used} left. Raise the budget or reject it."
                    )
            move(uow, stipend, StipendState.APPROVED, by, self._clock.now(), note.strip())
            uow.commit()

    def reject(self, actor: Actor | None, stipend_id: str, note: str) -> None:
        by = admin_id(actor)
        if not note.strip():
            raise ValidationError("Say why the stipend is rejected (the audit trail keeps it).")
        with self._uow() as uow:
            stipend = uow.stipends.get(stipend_id, for_update=True)
            move(uow, stipend, StipendState.REJECTED, by, self._clock.now(), note.strip())
            uow.commit()

    def mark_paid(self, actor: Actor | None, stipend_id: str, note: str = "") -> None:
        by = admin_id(actor)
        with self._uow() as uow:
            stipend = uow.stipends.get(stipend_id, for_update=True)
            move(uow, stipend, StipendState.PAID, by, self._clock.now(), note.strip() or "by hand")
            uow.commit()

    def set_budget(
        self, actor: Actor | None, district_id: str, funding_source: str, amount: str
    ) -> None:
        by = admin_id(actor)
        value = amount_or_none(amount, "Budget")
        source = funding_source.strip()
        if value is None or not source:
            raise ValidationError("A budget needs a funding source and an amount.")
        with self._uow() as uow:
            uow.people.organization(district_id)
            before = uow.stipends.budget(district_id, source)
            uow.stipends.put_budget(district_id, source, value)
            record(
                uow, self._clock.now(), by, "stipend_budget", district_id, "set",
                None if before is None else str(before), str(value), source,
            )  # fmt: skip
            uow.commit()

    def totals(self, actor: Actor, district_id: str, filters: LedgerFilter | None = None) -> Totals:
        """The sums of every stipend the filter matches (all pages), and the district's budgets
        (those count every stipend: a budget is never filtered)."""
        actor.require(Role.ADMIN)
        chosen = replace(filters or LedgerFilter(), district_id=district_id)
        rows: dict[tuple[str, str], TotalRow] = {}
        with self._uow() as uow:
            schools: dict[str | None, str] = {None: "-"}
            for school_id, source, state, amount in uow.stipends.ledger_amounts(chosen):
                if school_id not in schools:
                    schools[school_id] = uow.people.organization(str(school_id)).name
                key = (schools[school_id], source)
                rows.setdefault(key, TotalRow(*key)).by_state[state.value] += amount
            budgets = uow.stipends.budgets(district_id)
            sources = sorted({source for _, source in rows} | set(budgets))
            budget_rows = [
                BudgetRow(source, budgets.get(source), committed(uow, district_id, source))
                for source in sources
            ]
        return Totals([rows[key] for key in sorted(rows)], budget_rows)


def _views(uow: UnitOfWork, rows: list[LedgerRow]) -> list[LedgerView]:
    """Ledger rows with the names an admin reads (each name looked up once)."""
    names: dict[str, str] = {}
    people: dict[str, str] = {}
    titles: dict[str, str] = {}
    reviews = uow.stipends.reviews_for([row.stipend.id for row in rows])
    views = []
    for row in rows:
        slug, person_id, school = (
            row.stipend.credential_slug,
            row.stipend.person_id,
            row.stipend.school_id,
        )
        if slug not in titles:
            version = uow.catalog.current_version(slug)
            titles[slug] = version.definition.title if version else slug
        if person_id not in people:
            people[person_id] = uow.people.person(person_id).display_name
        if school and school not in names:
            names[school] = uow.people.organization(school).name
        views.append(
            LedgerView(
                row,
                people[person_id],
                names[school] if school else "-",
                titles[slug],
                reviews.get(row.stipend.id),
            )
        )
    return views
