"""Credit math per jurisdiction (DOMAIN.md §6), from the shipped rule files in config/credit_rules.

Each test says which fact of DOMAIN.md §6 it checks.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from lti_tool.credit_rules_files import CreditRuleFiles
from lti_tool.domain.catalog_badge import NominalCredit
from lti_tool.domain.credit_progress import EarnedCredit, cycle_bounds, progress
from lti_tool.domain.credit_rules import (
    JurisdictionRules,
    Override,
    Rounding,
    RuleVersion,
    credit_line,
)
from lti_tool.domain.credit_rules_parse import parse_rules

REPO = Path(__file__).resolve().parents[2]
ON = date(2026, 11, 1)


@pytest.fixture(scope="module")
def rules() -> dict[str, JurisdictionRules]:
    loaded, problems = CreditRuleFiles(REPO / "config" / "credit_rules").load()
    assert problems == []
    return loaded


def rule(rules: dict[str, JurisdictionRules], code: str) -> RuleVersion:
    found = rules[code].version_at(ON)
    assert found is not None
    return found


def hours(amount: str) -> NominalCredit:
    return NominalCredit(D(amount), "clock_hours")


def earned(
    amount: str, jurisdiction: str, unit: str, on: date, category: str = "general"
) -> EarnedCredit:
    return EarnedCredit(D(amount), unit, jurisdiction, category, on)


def test_every_jurisdiction_of_domain_section_6_has_a_rule_file(
    rules: dict[str, JurisdictionRules],
) -> None:
    assert set(rules) >= {"TN", "DE", "PA", "TX", "NY", "OH", "AR"}


def test_tennessee_one_micro_credential_is_six_pdps_whatever_it_states(
    rules: dict[str, JurisdictionRules],
) -> None:
    line = credit_line("a1", rule(rules, "TN"), hours("15"))
    assert line is not None
    assert (line.amount, line.unit, line.jurisdiction, line.clock_hours) == (
        D(6),
        "pdps",
        "TN",
        D(6),
    )
    assert line.rule_version == "TN@2021"
    # With no stated credit at all it is still 6 PDPs.
    assert credit_line("a1", rule(rules, "TN"), None) == line


def test_a_district_override_wins_and_names_itself_as_the_rule(
    rules: dict[str, JurisdictionRules],
) -> None:
    override = Override("district-1", D(15), "clock_hours", "general", version=3)
    line = credit_line("a1", rule(rules, "TN"), hours("2"), override)
    assert line is not None
    assert (line.amount, line.unit, line.rule_version) == (D(15), "pdps", "district:district-1@3")
    # 1 CEU = 5 PDPs; 1 semester hour = 10 PDPs.
    ceu = credit_line("a1", rule(rules, "TN"), None, Override("d", D(2), "ceus"))
    semester = credit_line("a1", rule(rules, "TN"), None, Override("d", D(1), "semester_hours"))
    assert (ceu and ceu.amount, semester and semester.amount) == (D(10), D(10))


def test_delaware_converts_ceus_and_semester_hours_and_rounds_to_half_hours(
    rules: dict[str, JurisdictionRules],
) -> None:
    de = rule(rules, "DE")
    assert credit_line("a", de, NominalCredit(D("1.5"), "ceus")).amount == D(15)  # type: ignore[union-attr]
    assert credit_line("a", de, NominalCredit(D(1), "semester_hours")).amount == D(15)  # type: ignore[union-attr]
    assert credit_line("a", de, hours("7.3")).amount == D("7.5")  # type: ignore[union-attr]
    assert credit_line("a", de, hours("7.2")).amount == D(7)  # type: ignore[union-attr]


def test_ohio_counts_ceus_and_reports_the_same_credit_in_clock_hours(
    rules: dict[str, JurisdictionRules],
) -> None:
    line = credit_line("a", rule(rules, "OH"), hours("15"))
    assert line is not None
    assert (line.amount, line.unit, line.clock_hours) == (D("1.5"), "ceus", D(15))
    full = progress(rule(rules, "OH"), [earned("18", "OH", "ceus", ON)], ON)
    assert full.complete


def test_a_unit_without_conversion_is_a_key_error_the_service_reports(
    rules: dict[str, JurisdictionRules],
) -> None:
    with pytest.raises(KeyError):
        credit_line("a", rule(rules, "TX"), NominalCredit(D(1), "ceus"))


def test_texas_self_study_counts_at_most_twenty_percent(
    rules: dict[str, JurisdictionRules],
) -> None:
    tx = rule(rules, "TX")
    result = progress(
        tx,
        [
            earned("40", "TX", "clock_hours", ON, "self_study"),
            earned("100", "TX", "clock_hours", ON),
        ],
        ON,
    )
    self_study = next(item for item in result.categories if item.category == "self_study")
    assert (self_study.earned, self_study.cap, self_study.counted) == (D(40), D(30), D(30))
    assert (result.earned, result.counted, result.remaining) == (D(140), D(130), D(20))
    assert not result.complete


def test_texas_rounds_to_quarter_hours(rules: dict[str, JurisdictionRules]) -> None:
    tx = rule(rules, "TX")
    assert credit_line("a", tx, hours("7.1")).amount == D(7)  # type: ignore[union-attr]
    assert credit_line("a", tx, hours("7.13")).amount == D("7.25")  # type: ignore[union-attr]


def test_new_york_needs_fifteen_percent_language_acquisition(
    rules: dict[str, JurisdictionRules],
) -> None:
    ny = rule(rules, "NY")
    general_only = progress(ny, [earned("110", "NY", "clock_hours", ON)], ON)
    assert general_only.remaining == 0
    assert not general_only.complete
    minimum = next(i for i in general_only.categories if i.category == "language_acquisition")
    assert (minimum.minimum, minimum.minimum_met) == (D(15), False)
    with_language = progress(
        ny,
        [
            earned("85", "NY", "clock_hours", ON),
            earned("15", "NY", "clock_hours", ON, "language_acquisition"),
        ],
        ON,
    )
    assert with_language.complete


def test_new_york_carries_nothing_over(rules: dict[str, JurisdictionRules]) -> None:
    ny = rule(rules, "NY")
    start, _ = cycle_bounds(ny, None, ON)
    before = date(start.year - 1, 1, 15)
    result = progress(ny, [earned("300", "NY", "clock_hours", before)], ON)
    assert (result.carried_in, result.total) == (D(0), D(0))


def test_pennsylvania_carries_at_most_fifty_hours_forward(
    rules: dict[str, JurisdictionRules],
) -> None:
    pa = rule(rules, "PA")
    anchor = date(2025, 7, 1)
    previous = date(2023, 3, 1)
    big = progress(pa, [earned("240", "PA", "clock_hours", previous)], ON, anchor)
    assert (big.cycle_start, big.cycle_end) == (date(2025, 7, 1), date(2030, 7, 1))
    assert (big.carried_in, big.counted, big.total) == (D(50), D(0), D(50))
    small = progress(pa, [earned("200", "PA", "clock_hours", previous)], ON, anchor)
    assert small.carried_in == D(20)
    # 1 credit = 30 hours.
    assert credit_line("a", pa, NominalCredit(D(2), "credits")).amount == D(60)  # type: ignore[union-attr]


def test_arkansas_counts_one_school_year(rules: dict[str, JurisdictionRules]) -> None:
    ar = rule(rules, "AR")
    result = progress(
        ar,
        [
            earned("30", "AR", "clock_hours", date(2026, 6, 30)),  # last school year
            earned("36", "AR", "clock_hours", date(2026, 7, 1)),
        ],
        ON,
    )
    assert (result.cycle_start, result.cycle_end) == (date(2026, 7, 1), date(2027, 7, 1))
    assert (result.counted, result.complete, result.percent) == (D(36), True, 100)


def test_credit_of_another_jurisdiction_or_unit_does_not_count(
    rules: dict[str, JurisdictionRules],
) -> None:
    result = progress(
        rule(rules, "DE"),
        [earned("50", "TN", "pdps", ON), earned("10", "DE", "clock_hours", ON)],
        ON,
    )
    assert result.counted == D(10)


def test_cycles_repeat_from_the_anchor_forwards_and_backwards(
    rules: dict[str, JurisdictionRules],
) -> None:
    de = rule(rules, "DE")
    anchor = date(2020, 9, 1)
    assert cycle_bounds(de, anchor, date(2026, 1, 1)) == (date(2025, 9, 1), date(2030, 9, 1))
    assert cycle_bounds(de, anchor, date(2019, 1, 1)) == (date(2015, 9, 1), date(2020, 9, 1))
    assert cycle_bounds(de, anchor, date(2025, 9, 1))[0] == date(2025, 9, 1)
    leap = cycle_bounds(de, date(2024, 2, 29), date(2029, 3, 1))
    assert leap == (date(2029, 2, 28), date(2034, 2, 28))


@pytest.mark.parametrize(
    ("quantum", "mode", "value", "expected"),
    [
        ("1", "half_up", "2.5", "3"),
        ("1", "half_even", "2.5", "2"),
        ("1", "down", "2.99", "2"),
        ("1", "up", "2.01", "3"),
        ("0.5", "half_up", "2.74", "2.5"),
        ("0.01", "half_up", "2.345", "2.35"),
    ],
)
def test_rounding_is_explicit(quantum: str, mode: str, value: str, expected: str) -> None:
    assert Rounding(D(quantum), mode).apply(D(value)) == D(expected)


def document(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "version": "1",
        "effective_from": "2020-07-01",
        "unit": "clock_hours",
        "requirement": 100,
        "cycle_years": 5,
    }
    return {"jurisdiction": "zz", "name": "Test", "versions": [{**base, **changes}]}


def test_versions_apply_from_their_effective_date() -> None:
    data = document()
    data["versions"].append(
        {**data["versions"][0], "version": "2", "effective_from": "2026-07-01", "requirement": 90}
    )
    parsed, problems = parse_rules(data, "zz.yaml")
    assert problems == [] and parsed is not None
    assert parsed.jurisdiction == "ZZ"
    assert parsed.version_at(date(2020, 6, 30)) is None
    assert parsed.version_at(date(2026, 6, 30)).requirement == D(100)  # type: ignore[union-attr]
    assert parsed.version_at(date(2026, 7, 1)).label == "ZZ@2"  # type: ignore[union-attr]


def test_problems_name_the_file_and_the_field() -> None:
    data = document(
        unit="furlongs",
        requirement=-1,
        cycle_years=0,
        effective_from="soon",
        conversions={"ceus": "ten"},
        categories={"self_study": {"max_share": 2}},
        rounding={"mode": "sideways"},
        colour="blue",
    )
    parsed, problems = parse_rules(data, "zz.yaml")
    assert parsed is None
    text = "\n".join(problems)
    for where in (
        "zz.yaml: versions[0].unit",
        "zz.yaml: versions[0].requirement",
        "zz.yaml: versions[0].cycle_years",
        "zz.yaml: versions[0].effective_from",
        "zz.yaml: versions[0].conversions.ceus",
        "zz.yaml: versions[0].categories.self_study.max_share",
        "zz.yaml: versions[0].rounding.mode",
        "zz.yaml: versions[0].colour",
    ):
        assert where in text, where


def test_two_versions_on_one_day_are_refused() -> None:
    data = document()
    data["versions"].append({**data["versions"][0], "version": "2"})
    parsed, problems = parse_rules(data, "zz.yaml")
    assert parsed is None
    assert any("two versions take effect on 2020-07-01" in p for p in problems)


def test_a_broken_file_is_reported_with_its_line_and_the_others_still_load(
    tmp_path: Path,
) -> None:
    (tmp_path / "good.yaml").write_text(
        "jurisdiction: GG\nversions:\n  - {effective_from: 2020-01-01, unit: pdps, "
        "requirement: 10, cycle_years: 1}\n"
    )
    (tmp_path / "bad.yaml").write_text("jurisdiction: BB\nversions: [\n  oops: {\n")
    loaded, problems = CreditRuleFiles(tmp_path).load()
    assert set(loaded) == {"GG"}
    assert len(problems) == 1 and problems[0].startswith("bad.yaml:")


def test_amounts_are_written_plainly_never_in_exponent_form(
    rules: dict[str, JurisdictionRules],
) -> None:
    line = credit_line("a", rule(rules, "DE"), NominalCredit(D("1.5"), "ceus"))
    assert line is not None
    assert (str(line.amount), str(line.clock_hours)) == ("15", "15")
    assert str(Rounding(D("0.25")).apply(D("20.00"))) == "20"
