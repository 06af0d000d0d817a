"""Ports of credit and stipends: district settings and overrides, stored credit lines, the
stipend ledger, and where rule files come from. Split from :mod:`lti_tool.ports` to keep each
file readable; the import rules treat both alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from lti_tool.domain.credit_lines import CreditLine
from lti_tool.domain.credit_rules import JurisdictionRules
from lti_tool.domain.model import Person
from lti_tool.domain.stipends import Stipend, StipendEntry, StipendReview, StipendState


@dataclass(frozen=True)
class CreditSettings:
    """A district's (or school's) credit and payroll settings."""

    organization_id: str
    jurisdiction: str
    """A rule file's code (``TN``); teachers of the organisation earn credit under it."""
    cycle_anchor: date | None = None
    """The first day of one renewal cycle; None: the rule's default start."""
    currency: str = "USD"
    payroll_template: str = ""
    """``Header = field`` lines (``domain.stipends.parse_template``); empty: the default."""


@dataclass(frozen=True)
class DistrictOverride:
    """A district's amounts for one credential or stack: credit, stipend, or both."""

    organization_id: str
    target_kind: str
    """``credential`` or ``stack``; a credential's override wins over its stack's."""
    target_slug: str
    credit_amount: Decimal | None
    credit_unit: str
    category: str
    stipend_amount: Decimal | None
    funding_source: str
    version: int
    set_by: str | None
    set_at: datetime


@dataclass(frozen=True)
class StoredLine:
    """A credit line as written, with whom and when it was earned."""

    id: str
    line: CreditLine
    person_id: str
    earned_on: date
    created_at: datetime
    superseded_at: datetime | None = None
    revoked_at: datetime | None = None
    """The award's credential was revoked: the line is kept as proof but no longer counts."""
    revoked_by: str | None = None
    revocation_reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class LedgerRow:
    stipend: Stipend
    latest: StipendEntry


LEDGER_SORTS = ("requested", "amount", "educator")
"""The ledger's sort keys; anything else sorts newest request first (never raw SQL)."""


@dataclass(frozen=True)
class LedgerFilter:
    """Which stipends a ledger page shows; ``educator`` is a case-insensitive name fragment."""

    district_id: str | None = None
    state: StipendState | None = None
    funding_source: str | None = None
    school_id: str | None = None
    educator: str = ""


class CreditRepository(Protocol):
    def settings(self, organization_id: str) -> CreditSettings | None: ...
    def put_settings(self, settings: CreditSettings) -> None: ...
    def all_settings(self) -> list[CreditSettings]: ...
    def overrides(self, organization_id: str) -> list[DistrictOverride]: ...
    def override(self, organization_id: str, kind: str, slug: str) -> DistrictOverride | None: ...
    def put_override(self, override: DistrictOverride) -> None: ...
    def add_line(self, stored: StoredLine) -> None: ...
    def lines_for_award(self, award_id: str, *, current: bool = True) -> list[StoredLine]:
        """Current lines only, unless ``current`` is False (then superseded ones too)."""
        ...

    def lines_for_awards(self, award_ids: list[str]) -> dict[str, list[StoredLine]]:
        """Current lines of each award, in one query (the delivery worker's batch)."""
        ...

    def lines_for_people(self, person_ids: list[str]) -> list[StoredLine]:
        """Current lines of these people."""
        ...

    def supersede(self, award_id: str, at: datetime) -> int: ...
    def revoke_lines(self, award_id: str, at: datetime, by: str | None, reason: str) -> int:
        """Mark the award's current lines revoked (kept, never deleted); how many."""
        ...

    def award_titles(self, award_ids: list[str]) -> dict[str, str]:
        """Award id -> the title of the credential version it was earned on (one query)."""
        ...

    def people_under(self, organization_id: str) -> list[Person]:
        """Educators of the organisation and of every organisation below it, by name."""
        ...


class StipendRepository(Protocol):
    def add(self, stipend: Stipend) -> None:
        """Raises ConflictError (at commit) when the award already has a stipend."""
        ...

    def get(self, stipend_id: str, *, for_update: bool = False) -> Stipend:
        """Raises NotFoundError."""
        ...

    def for_award(self, award_id: str) -> Stipend | None: ...
    def for_awards(self, award_ids: list[str]) -> dict[str, Stipend]:
        """The stipends of those awards that have one, in one query."""
        ...

    def append(self, entry: StipendEntry) -> None:
        """Raises ConflictError (at commit) when ``seq`` is taken: someone moved it first."""
        ...

    def entries(self, stipend_id: str) -> list[StipendEntry]:
        """Oldest first."""
        ...

    def latest_states(self, stipend_ids: list[str]) -> dict[str, StipendState]:
        """Each stipend's state now (its newest ledger entry's), in one query."""
        ...

    def ledger(
        self, district_id: str | None = None, state: StipendState | None = None
    ) -> list[LedgerRow]:
        """Each stipend with its latest entry, newest request first."""
        ...

    def ledger_page(
        self, filters: LedgerFilter, sort: str, descending: bool, limit: int, offset: int
    ) -> tuple[list[LedgerRow], int]:
        """One page of the filtered ledger, sorted in SQL by a key of LEDGER_SORTS, and the
        number of stipends the filter matches."""
        ...

    def ledger_amounts(
        self, filters: LedgerFilter
    ) -> list[tuple[str | None, str, StipendState, Decimal]]:
        """(school id, funding source, latest state, amount) of every stipend the filter
        matches: what the totals add up."""
        ...

    def ledger_choices(self, district_id: str | None) -> tuple[list[str], list[str]]:
        """School ids and funding sources that have stipends: the filters' choices."""
        ...

    def add_review(self, review: StipendReview) -> None: ...
    def review(self, review_id: str) -> StipendReview:
        """Raises NotFoundError."""
        ...

    def reviews(self, district_id: str | None, *, open_only: bool = True) -> list[StipendReview]:
        """HR's review list, oldest first."""
        ...

    def reviews_for(self, stipend_ids: list[str]) -> dict[str, StipendReview]:
        """Each stipend's latest review, in one query (the ledger page flags them)."""
        ...

    def resolve_review(self, review: StipendReview) -> None:
        """Store the resolution of an open review; ConflictError if it was already resolved."""
        ...

    def budgets(self, district_id: str) -> dict[str, Decimal]: ...
    def budget(
        self, district_id: str, funding_source: str, *, for_update: bool = False
    ) -> Decimal | None:
        """The budget (None: unlimited); ``for_update`` holds it until commit (PostgreSQL)."""
        ...

    def put_budget(self, district_id: str, funding_source: str, amount: Decimal) -> None: ...


class CreditRuleSource(Protocol):
    """Where rule files live (``config/credit_rules``)."""

    def load(self) -> tuple[dict[str, JurisdictionRules], list[str]]:
        """Every jurisdiction's rules, and located problems (a file with problems is left out)."""
        ...
