"""Re-licensure credit rules as data, and the pure math that turns an award into credit lines.

A jurisdiction (a state) has rule *versions*, each effective from a date (DOMAIN.md §6). A version
says the native unit, what other units convert to it, the renewal requirement and cycle, caps and
minimums per category, carry-forward and rounding. :func:`parse_rules` validates the plain data
read from ``config/credit_rules/*.yaml`` and locates every problem; the file reading lives outside
the domain (``lti_tool.credit_rules_files``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_UP, Decimal
from typing import Any

from lti_tool.domain.catalog_badge import CREDIT_UNITS, NominalCredit
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


# -- parsing ----------------------------------------------------------------------------------

RULE_FIELDS = {
    "version", "effective_from", "unit", "requirement", "cycle_years", "cycle_start",
    "conversions", "clock_hours_per_unit", "micro_credential", "categories",
    "carry_forward_max", "rounding", "note",
}  # fmt: skip


class _Problems:
    def __init__(self, where: str) -> None:
        self.where = where
        self.found: list[str] = []

    def add(self, at: str, message: str) -> None:
        self.found.append(f"{self.where}: {at}: {message}")

    def decimal(self, raw: Any, at: str, *, positive: bool = True) -> Decimal | None:
        if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
            self.add(at, "must be a number")
            return None
        try:
            value = Decimal(str(raw))
        except ArithmeticError:
            self.add(at, f"{raw!r} is not a number")
            return None
        if not value.is_finite() or value < 0 or (positive and value == 0):
            self.add(at, "must be more than zero" if positive else "must not be negative")
            return None
        return value


def parse_rules(data: Any, where: str) -> tuple[JurisdictionRules | None, list[str]]:
    """Validate one jurisdiction's document; every problem names ``where`` and its path."""
    problems = _Problems(where)
    if not isinstance(data, dict):
        problems.add("top", "must be a mapping with jurisdiction, name and versions")
        return None, problems.found
    code = data.get("jurisdiction")
    if not isinstance(code, str) or not code.strip():
        problems.add("jurisdiction", "is required (a code such as TN)")
        code = "?"
    raw_versions = data.get("versions")
    if not isinstance(raw_versions, list) or not raw_versions:
        problems.add("versions", "must be a non-empty list")
        raw_versions = []
    versions = [
        _version(problems, code.strip().upper(), item, f"versions[{index}]")
        for index, item in enumerate(raw_versions)
    ]
    parsed = sorted((v for v in versions if v is not None), key=lambda v: v.effective_from)
    for earlier, later in itertools.pairwise(parsed):
        if earlier.effective_from == later.effective_from:
            problems.add("versions", f"two versions take effect on {later.effective_from}")
    labels = [v.version for v in parsed]
    if len(set(labels)) != len(labels):
        problems.add("versions", "version names must be unique")
    if problems.found:
        return None, problems.found
    name = data.get("name")
    return (
        JurisdictionRules(code.strip().upper(), str(name or code), tuple(parsed)),
        problems.found,
    )


def _version(problems: _Problems, code: str, raw: Any, at: str) -> RuleVersion | None:
    if not isinstance(raw, dict):
        problems.add(at, "must be a mapping")
        return None
    before = len(problems.found)
    for key in sorted(set(raw) - RULE_FIELDS):
        problems.add(f"{at}.{key}", "is not a known field")
    effective = raw.get("effective_from")
    if isinstance(effective, str):
        try:
            effective = date.fromisoformat(effective)
        except ValueError:
            effective = None
    if not isinstance(effective, date):
        problems.add(f"{at}.effective_from", "must be a date like 2024-07-01")
    unit = raw.get("unit")
    if unit not in CREDIT_UNITS:
        problems.add(f"{at}.unit", f"must be one of {', '.join(CREDIT_UNITS)}")
    requirement = problems.decimal(raw.get("requirement"), f"{at}.requirement")
    cycle_years = raw.get("cycle_years")
    if not isinstance(cycle_years, int) or isinstance(cycle_years, bool) or cycle_years < 1:
        problems.add(f"{at}.cycle_years", "must be a whole number of years, at least 1")
    start = _cycle_start(problems, raw.get("cycle_start", "07-01"), f"{at}.cycle_start")
    conversions: dict[str, Decimal] = {}
    raw_conversions = raw.get("conversions", {}) or {}
    if not isinstance(raw_conversions, dict):
        problems.add(f"{at}.conversions", "must map a unit to a number")
        raw_conversions = {}
    for source, factor in raw_conversions.items():
        if source not in CREDIT_UNITS:
            problems.add(f"{at}.conversions.{source}", "is not a known unit")
        value = problems.decimal(factor, f"{at}.conversions.{source}")
        if value is not None:
            conversions[str(source)] = value
    hours = problems.decimal(raw.get("clock_hours_per_unit", 1), f"{at}.clock_hours_per_unit")
    micro = raw.get("micro_credential")
    fixed = None if micro is None else problems.decimal(micro, f"{at}.micro_credential")
    carry = problems.decimal(
        raw.get("carry_forward_max", 0), f"{at}.carry_forward_max", positive=False
    )
    categories = _categories(problems, raw.get("categories", {}) or {}, f"{at}.categories")
    rounding = _rounding(problems, raw.get("rounding", {}) or {}, f"{at}.rounding")
    if len(problems.found) > before:
        return None
    assert isinstance(effective, date) and isinstance(unit, str) and isinstance(cycle_years, int)
    assert requirement is not None and hours is not None and carry is not None
    return RuleVersion(
        jurisdiction=code,
        version=str(raw.get("version") or effective.isoformat()),
        effective_from=effective,
        unit=unit,
        requirement=requirement,
        cycle_years=cycle_years,
        cycle_start=start,
        conversions=conversions,
        clock_hours_per_unit=hours,
        micro_credential=fixed,
        categories=categories,
        carry_forward_max=carry,
        rounding=rounding,
        note=str(raw.get("note", "")),
    )


def _cycle_start(problems: _Problems, raw: Any, at: str) -> tuple[int, int]:
    try:
        month, day = (int(part) for part in str(raw).split("-"))
        date(2001, month, day)
    except ValueError:
        problems.add(at, f"{raw!r} is not a month-day like 07-01")
        return (7, 1)
    return (month, day)


def _categories(problems: _Problems, raw: Any, at: str) -> dict[str, CategoryRule]:
    if not isinstance(raw, dict):
        problems.add(at, "must map a category to its max_share and min_share")
        return {}
    found: dict[str, CategoryRule] = {}
    for name, given in raw.items():
        spec = given or {}
        if not isinstance(spec, dict) or set(spec) - {"max_share", "min_share"}:
            problems.add(f"{at}.{name}", "takes only max_share and min_share")
            continue
        shares = [
            None if spec.get(key) is None else problems.decimal(spec[key], f"{at}.{name}.{key}")
            for key in ("max_share", "min_share")
        ]
        for key, share in zip(("max_share", "min_share"), shares, strict=True):
            if share is not None and share > 1:
                problems.add(f"{at}.{name}.{key}", "is a share of the requirement: at most 1")
        found[str(name)] = CategoryRule(max_share=shares[0], min_share=shares[1])
    return found


def _rounding(problems: _Problems, raw: Any, at: str) -> Rounding:
    if not isinstance(raw, dict):
        problems.add(at, "must be a mapping with quantum and mode")
        return Rounding()
    quantum = problems.decimal(raw.get("quantum", "0.01"), f"{at}.quantum") or HUNDREDTH
    mode = raw.get("mode", "half_up")
    if mode not in ROUNDING_MODES:
        problems.add(f"{at}.mode", f"must be one of {', '.join(ROUNDING_MODES)}")
        mode = "half_up"
    return Rounding(quantum, mode)
