"""Ports of the dashboards: read-only facts the dashboard service aggregates.

Kept apart from ``ports.py`` (which is large) and from the unit of work: dashboards only read,
across many tables, and never write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class AwardFact:
    """One award: when, and the school of the person who earned it (None if not at a school)."""

    awarded_at: datetime
    school: str | None


@dataclass(frozen=True)
class WaitingFact:
    """One submission waiting for review: its credential and when the attempt was submitted."""

    credential: str
    submitted_at: datetime


@dataclass(frozen=True)
class FirstAttemptFact:
    """The issuer's decision on a first attempt: ``award``, ``return`` or ``deny``."""

    credential: str
    outcome: str


@dataclass(frozen=True)
class CreditFact:
    """One current (not superseded) credit line: its amount in the native unit and in hours."""

    jurisdiction: str
    unit: str
    amount: Decimal
    clock_hours: Decimal


@dataclass(frozen=True)
class StipendFact:
    """One stipend with the state of its latest ledger entry."""

    state: str
    funding_source: str
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class DeliveryFact:
    """Deliveries to one target in one status: how many, and when the oldest was written.

    A target without deliveries has one fact with ``status`` None and ``count`` 0."""

    target: str
    active: bool
    status: str | None
    count: int
    oldest: datetime | None


class DashboardQueries(Protocol):
    """Reads for the dashboards. Every method reads committed data only."""

    def awards(self, since: datetime) -> list[AwardFact]:
        """Awards made at or after ``since``."""
        ...

    def waiting(self, states: Sequence[str]) -> list[WaitingFact]:
        """Submissions in one of ``states`` (the review states) with their submission time."""
        ...

    def first_attempts(self, since: datetime) -> list[FirstAttemptFact]:
        """Decisions on attempt 1 made at or after ``since``."""
        ...

    def credit_granted(self, since: date) -> list[CreditFact]:
        """Current credit lines earned on or after ``since``."""
        ...

    def stipends(self, since: datetime) -> list[StipendFact]:
        """Stipends requested at or after ``since``, each in its latest state."""
        ...

    def deliveries(self) -> list[DeliveryFact]:
        """Every delivery target with its deliveries counted per status."""
        ...
