"""Progress toward a renewal requirement: cycles, caps, minimums and carry-forward (pure math).

Only credit earned in the rule's jurisdiction and native unit counts. A category with a
``max_share`` counts up to that share of the requirement (Texas self-study ≤ 20%); one with a
``min_share`` must reach it before the requirement is met (New York ≥ 15% language acquisition).
Credit above the requirement in the previous cycle carries forward up to ``carry_forward_max``
(Pennsylvania: 50 hours); carried credit does not carry again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lti_tool.domain.credit_rules import RuleVersion


@dataclass(frozen=True)
class EarnedCredit:
    """A credit line as progress needs it: amount, unit, jurisdiction, category, when."""

    amount: Decimal
    unit: str
    jurisdiction: str
    category: str
    earned_on: date


@dataclass(frozen=True)
class CategoryProgress:
    category: str
    earned: Decimal
    counted: Decimal
    cap: Decimal | None
    minimum: Decimal | None

    @property
    def minimum_met(self) -> bool:
        return self.minimum is None or self.counted >= self.minimum


@dataclass(frozen=True)
class Progress:
    """Where one educator stands in one cycle (plain data: pages and charts render it)."""

    jurisdiction: str
    rule_version: str
    unit: str
    requirement: Decimal
    cycle_start: date
    cycle_end: date
    """The first day of the next cycle."""
    earned: Decimal
    counted: Decimal
    carried_in: Decimal
    categories: tuple[CategoryProgress, ...]

    @property
    def total(self) -> Decimal:
        return self.counted + self.carried_in

    @property
    def remaining(self) -> Decimal:
        return max(Decimal(0), self.requirement - self.total)

    @property
    def complete(self) -> bool:
        return self.remaining == 0 and all(item.minimum_met for item in self.categories)

    @property
    def percent(self) -> int:
        """Whole percent toward the requirement, at most 100."""
        return min(100, int(self.total * 100 / self.requirement))


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def cycle_bounds(rule: RuleVersion, anchor: date | None, on: date) -> tuple[date, date]:
    """The cycle holding ``on``: cycles of ``cycle_years`` repeat from ``anchor``.

    Without an anchor, cycles start on the rule's month-day in years divisible by its length.
    """
    if anchor is None:
        month, day = rule.cycle_start
        anchor = date(on.year - on.year % rule.cycle_years, month, day)
    offset = (on.year - anchor.year) // rule.cycle_years * rule.cycle_years
    start = add_years(anchor, offset)
    while start > on:
        start = add_years(start, -rule.cycle_years)
    while add_years(start, rule.cycle_years) <= on:
        start = add_years(start, rule.cycle_years)
    return start, add_years(start, rule.cycle_years)


def _counted(
    rule: RuleVersion, earned: Sequence[EarnedCredit], start: date, end: date
) -> tuple[Decimal, Decimal, tuple[CategoryProgress, ...]]:
    sums: dict[str, Decimal] = {name: Decimal(0) for name in rule.categories}
    for item in earned:
        if item.jurisdiction != rule.jurisdiction or item.unit != rule.unit:
            continue
        if start <= item.earned_on < end:
            sums[item.category] = sums.get(item.category, Decimal(0)) + item.amount
    categories = []
    for name in sorted(sums):
        spec = rule.categories.get(name)
        cap = spec.max_share * rule.requirement if spec and spec.max_share is not None else None
        least = spec.min_share * rule.requirement if spec and spec.min_share is not None else None
        counted = sums[name] if cap is None else min(sums[name], cap)
        categories.append(CategoryProgress(name, sums[name], counted, cap, least))
    total_earned = sum((item.earned for item in categories), Decimal(0))
    total_counted = sum((item.counted for item in categories), Decimal(0))
    return total_earned, total_counted, tuple(categories)


def progress(
    rule: RuleVersion, earned: Sequence[EarnedCredit], on: date, anchor: date | None = None
) -> Progress:
    """Progress in the cycle holding ``on``, counting caps, minimums and carry-forward."""
    start, end = cycle_bounds(rule, anchor, on)
    total_earned, counted, categories = _counted(rule, earned, start, end)
    carried = Decimal(0)
    if rule.carry_forward_max > 0:
        previous = add_years(start, -rule.cycle_years)
        _, before, _ = _counted(rule, earned, previous, start)
        carried = min(rule.carry_forward_max, max(Decimal(0), before - rule.requirement))
    return Progress(
        jurisdiction=rule.jurisdiction,
        rule_version=rule.label,
        unit=rule.unit,
        requirement=rule.requirement,
        cycle_start=start,
        cycle_end=end,
        earned=total_earned,
        counted=counted,
        carried_in=carried,
        categories=categories,
    )
