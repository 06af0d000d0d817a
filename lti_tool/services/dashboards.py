"""The district at a glance: credentials earned, the review queue against the promised review
time, and the first-attempt pass rate per credential, as plain chart data (admins only).

Drawing is the web layer's business (``lti_tool.charts``); this module only counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from lti_tool.domain.calendar import business_days_between
from lti_tool.domain.lifecycle import SubmissionState
from lti_tool.domain.model import DecisionOutcome
from lti_tool.domain.roles import Role
from lti_tool.domain.series import ChartData, ChartKind, Series, Threshold
from lti_tool.ports import Clock
from lti_tool.ports_dashboards import DashboardQueries
from lti_tool.services.common import Actor, ReviewPolicy
from lti_tool.services.credit_charts import (
    credit_granted_chart,
    stipends_by_source_chart,
    stipends_by_state_chart,
)
from lti_tool.services.delivery_charts import delivery_health_chart

MONTHS = 12
NO_SCHOOL = "No school recorded"
REVIEW_STATES = (
    SubmissionState.SUBMITTED,
    SubmissionState.IN_REVIEW,
    SubmissionState.AWAITING_SECOND_REVIEW,
    SubmissionState.IN_SECOND_REVIEW,
    SubmissionState.AWAITING_ADJUDICATION,
    SubmissionState.IN_ADJUDICATION,
)
"""Waiting for an assessor: from submission until the reviews are complete."""


@dataclass(frozen=True)
class QueueSummary:
    """Headline numbers under the review-queue chart."""

    waiting: int
    overdue: int
    promised_days: int


class DashboardService:
    """Counts for the admin dashboards, over the last twelve months."""

    def __init__(self, queries: DashboardQueries, clock: Clock, policy: ReviewPolicy) -> None:
        self._queries = queries
        self._clock = clock
        self._policy = policy

    def chart_keys(self) -> tuple[str, ...]:
        """The charts this service draws, by key (for CSV downloads)."""
        return (
            "earned-per-month", "earned-per-school", "review-queue-age", "first-attempt",
            "credit-granted", "stipends-by-state", "stipends-by-source", "delivery-health",
        )  # fmt: skip

    def chart(self, actor: Actor, key: str) -> ChartData:
        """One chart by key. Raises KeyError for an unknown key."""
        charts = {
            "earned-per-month": self.earned_per_month,
            "earned-per-school": self.earned_per_school,
            "review-queue-age": self.review_queue_age,
            "first-attempt": self.first_attempt_pass_rate,
            "credit-granted": self.credit_granted,
            "stipends-by-state": self.stipends_by_state,
            "stipends-by-source": self.stipends_by_source,
            "delivery-health": self.delivery_health,
        }
        return charts[key](actor)

    def _since(self) -> datetime:
        now = self._clock.now()
        year, month = now.year, now.month - (MONTHS - 1)
        while month <= 0:
            year, month = year - 1, month + 12
        return now.replace(year=year, month=month, day=1, hour=0, minute=0, second=0,
                           microsecond=0)  # fmt: skip

    def earned_per_month(self, actor: Actor) -> ChartData:
        """Credentials awarded in each of the last twelve calendar months (UTC)."""
        actor.require(Role.ADMIN)
        since = self._since()
        months = []
        cursor = since
        for _ in range(MONTHS):
            months.append(cursor.strftime("%Y-%m"))
            cursor = (cursor + timedelta(days=32)).replace(day=1)
        counts = Counter(f.awarded_at.strftime("%Y-%m") for f in self._queries.awards(since))
        return ChartData(
            key="earned-per-month",
            title="Credentials earned per month",
            description="Micro-credentials awarded in each of the last twelve months.",
            category_label="Month",
            value_label="Credentials awarded",
            categories=tuple(months),
            series=(Series("Awarded", tuple(float(counts[m]) for m in months)),),
        )

    def earned_per_school(self, actor: Actor) -> ChartData:
        """Credentials awarded in the last twelve months, per school of the educator."""
        actor.require(Role.ADMIN)
        counts = Counter(f.school or NO_SCHOOL for f in self._queries.awards(self._since()))
        schools = sorted(counts, key=lambda name: (-counts[name], name))
        return ChartData(
            key="earned-per-school",
            title="Credentials earned per school",
            description="Micro-credentials awarded in the last twelve months, by the school "
            "of the educator who earned them, most first.",
            category_label="School",
            value_label="Credentials awarded",
            categories=tuple(schools),
            series=(Series("Awarded", tuple(float(counts[s]) for s in schools)),),
            kind=ChartKind.HORIZONTAL_BAR,
        )

    def review_queue_age(self, actor: Actor) -> ChartData:
        """Per credential: the oldest and the median wait of submissions still in review, in
        business days, against the promised review time."""
        actor.require(Role.ADMIN)
        ages = self._waiting_ages()
        names = sorted(ages, key=lambda name: (-max(ages[name]), name))
        promised = self._policy.review_days
        return ChartData(
            key="review-queue-age",
            title="Review queue age against the promised review time",
            description=f"Submissions waiting for review, per credential: the longest and the "
            f"median wait in business days. The promise is {promised} business days.",
            category_label="Credential",
            value_label="Business days waiting",
            categories=tuple(names),
            series=(
                Series("Longest wait", tuple(float(max(ages[n])) for n in names)),
                Series("Median wait", tuple(float(median(ages[n])) for n in names)),
            ),
            kind=ChartKind.HORIZONTAL_BAR,
            thresholds=(Threshold("Promised review time", float(promised)),),
            empty_note="No submission is waiting for review.",
        )

    def queue_summary(self, actor: Actor) -> QueueSummary:
        """How many submissions wait, and how many already wait longer than promised."""
        actor.require(Role.ADMIN)
        ages = [age for group in self._waiting_ages().values() for age in group]
        promised = self._policy.review_days
        return QueueSummary(len(ages), sum(1 for a in ages if a > promised), promised)

    def _waiting_ages(self) -> dict[str, list[int]]:
        now = self._clock.now()
        ages: dict[str, list[int]] = defaultdict(list)
        for fact in self._queries.waiting([state.value for state in REVIEW_STATES]):
            ages[fact.credential].append(business_days_between(fact.submitted_at, now))
        return ages

    def first_attempt_pass_rate(self, actor: Actor) -> ChartData:
        """Per credential, the share of first attempts awarded (decided in the last twelve
        months): a low rate says the rubric or its assessors need attention."""
        actor.require(Role.ADMIN)
        decided: Counter[str] = Counter()
        awarded: Counter[str] = Counter()
        for fact in self._queries.first_attempts(self._since()):
            decided[fact.credential] += 1
            awarded[fact.credential] += fact.outcome == DecisionOutcome.AWARD
        rates = {name: 100.0 * awarded[name] / decided[name] for name in decided}
        names = sorted(rates, key=lambda name: (rates[name], name))
        return ChartData(
            key="first-attempt",
            title="Pass rate at first attempt per credential",
            description="The share of first attempts the issuer awarded, per credential, "
            "lowest first; n is the number of first attempts decided.",
            category_label="Credential",
            value_label="Awarded at first attempt (%)",
            categories=tuple(f"{name} (n={decided[name]})" for name in names),
            series=(Series("Pass rate", tuple(round(rates[n], 1) for n in names)),),
            kind=ChartKind.HORIZONTAL_BAR,
            percent=True,
        )

    def credit_granted(self, actor: Actor) -> ChartData:
        """PD credit written with awards in the last twelve months, per jurisdiction."""
        actor.require(Role.ADMIN)
        return credit_granted_chart(self._queries.credit_granted(self._since().date()))

    def stipends_by_state(self, actor: Actor) -> ChartData:
        """Stipends requested in the last twelve months, by ledger state."""
        actor.require(Role.ADMIN)
        return stipends_by_state_chart(self._queries.stipends(self._since()))

    def stipends_by_source(self, actor: Actor) -> ChartData:
        """Stipends requested in the last twelve months, by funding source."""
        actor.require(Role.ADMIN)
        return stipends_by_source_chart(self._queries.stipends(self._since()))

    def delivery_health(self, actor: Actor) -> ChartData:
        """Per delivery target, its deliveries by status and the oldest undelivered age."""
        actor.require(Role.ADMIN)
        return delivery_health_chart(self._queries.deliveries(), self._clock.now())
