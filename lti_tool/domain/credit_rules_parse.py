"""Validating a jurisdiction's rule document (plain data read from YAML) into rule versions.

Every problem names the file and the field (``tx.yaml: versions[0].unit: ...``); a document with
any problem yields no rules, so a typo can never half-apply.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from lti_tool.domain.catalog_badge import CREDIT_UNITS
from lti_tool.domain.credit_rules import (
    HUNDREDTH,
    ROUNDING_MODES,
    CategoryRule,
    JurisdictionRules,
    Rounding,
    RuleVersion,
)

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
