"""Re-licensure credit rules as data, and the pure math that turns an award into credit lines.

A jurisdiction (a state) has rule *versions*, each effective from a date (DOMAIN.md §6). A version
says the native unit, what other units convert to it, the renewal requirement and cycle, caps and
minimums per category, carry-forward and rounding. :func:`parse_rules` validates the plain data
read from ``config/credit_rules/*.yaml`` (``credit_rules_parse``); the file reading lives outside
the domain (``lti_tool.credit_rules_files``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal

from lti_tool.domain.catalog_badge import NominalCredit
from lti_tool.domain.credit_lines import CreditLine

ROUNDING_MODES = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
    "up": ROUND_UP,
}
DEFAULT_CATEGORY = "general"
HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Rounding:
    """Round to a multiple of ``quantum`` (``1`` for whole hours, ``0.5``, ``0.01``)."""

    quantum: Decimal = HUNDREDTH
    mode: str = "half_up"

    def apply(self, value: Decimal) -> Decimal:
        steps = (value / self.quantum).quantize(Decimal(1), rounding=ROUNDING_MODES[self.mode])
        return plain(steps * self.quantum)


def plain(value: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form (``15``, not ``1.5E+1``)."""
    value = value.normalize() + Decimal(0)  # + 0 turns -0 into 0
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value  # type: ignore[operator]


@dataclass(frozen=True)
class CategoryRule:
    """A category's share of the requirement: at most ``max_share``, at least ``min_share``."""

    max_share: Decimal | None = None
    """A cap: credit above it does not count (Texas self-study ≤ 20%)."""
    min_share: Decimal | None = None
    """A requirement inside the requirement (New York ≥ 15% language acquisition)."""


@dataclass(frozen=True)
class RuleVersion:
    """One version of a jurisdiction's rules, in force from ``effective_from``."""

    jurisdiction: str
    version: str
    effective_from: date
    unit: str
    requirement: Decimal
    cycle_years: int
    cycle_start: tuple[int, int]
    """Month and day every cycle starts (a district may pin the year: ``CreditSettings``)."""
    conversions: dict[str, Decimal]
    """Native units per ONE unit of the key (``ceus: 5`` = 1 CEU is 5 PDPs)."""
    clock_hours_per_unit: Decimal
    micro_credential: Decimal | None = None
    """A fixed amount for any micro-credential (Tennessee: 6 PDPs), instead of its stated credit."""
    categories: dict[str, CategoryRule] = field(default_factory=dict)
    carry_forward_max: Decimal = Decimal(0)
    rounding: Rounding = Rounding()
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.jurisdiction}@{self.version}"

    def to_native(self, amount: Decimal, unit: str) -> Decimal:
        """Convert ``amount`` of ``unit`` into the native unit, unrounded.

        Raises:
            KeyError: the rules do not say how ``unit`` converts.
        """
        factor = Decimal(1) if unit == self.unit else self.conversions[unit]
        return amount * factor


@dataclass(frozen=True)
class JurisdictionRules:
    """Every version of one jurisdiction's rules, oldest first."""

    jurisdiction: str
    name: str
    versions: tuple[RuleVersion, ...]

    def version_at(self, day: date) -> RuleVersion | None:
        """The version in force on ``day``; None before the first one."""
        found = None
        for version in self.versions:
            if version.effective_from <= day:
                found = version
        return found


@dataclass(frozen=True)
class Override:
    """A district's own amount for a credential or stack ("= 15 clock hours in our district")."""

    district_id: str
    amount: Decimal
    unit: str
    category: str = DEFAULT_CATEGORY
    version: int = 1

    @property
    def label(self) -> str:
        return f"district:{self.district_id}@{self.version}"


def credit_line(
    award_id: str,
    rule: RuleVersion,
    nominal: NominalCredit | None,
    override: Override | None = None,
) -> CreditLine | None:
    """The award's line under ``rule``; None when nothing states an amount.

    Precedence: a district override, then the rule's fixed micro-credential amount, then the
    credential's stated (nominal) credit converted to the native unit.

    Raises:
        KeyError: the stated unit has no conversion in ``rule`` (see :func:`explain_unit`).
    """
    category = override.category if override else DEFAULT_CATEGORY
    if override is not None:
        raw = rule.to_native(override.amount, override.unit)
        label = override.label
    elif rule.micro_credential is not None:
        raw, label = rule.micro_credential, rule.label
    elif nominal is not None:
        raw, label = rule.to_native(nominal.amount, nominal.unit), rule.label
    else:
        return None
    amount = rule.rounding.apply(raw)
    hours = (amount * rule.clock_hours_per_unit).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    return CreditLine(
        award_id=award_id,
        amount=amount,
        unit=rule.unit,
        jurisdiction=rule.jurisdiction,
        category=category,
        rule_version=label,
        clock_hours=plain(hours),
    )


def explain_unit(rule: RuleVersion, unit: str) -> str:
    known = ", ".join(sorted({rule.unit, *rule.conversions})) or rule.unit
    return f"{rule.label} has no conversion from {unit} (it converts: {known})"
