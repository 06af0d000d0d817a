"""Credit lines written with the award, district overrides, audited re-evaluation, progress."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from lti_tool.bootstrap import build
from lti_tool.domain.credit_lines import CreditLine
from lti_tool.domain.errors import PermissionDeniedError, ValidationError
from lti_tool.ports import AuditFilter
from tests.services.credit_world import CreditWorld, award
from tests.web.conftest import make_settings

REPO = Path(__file__).resolve().parents[2]
WITH_CREDIT = "hinge-questions"  # states 15 clock hours
WITHOUT_CREDIT = "learning-goals-success-criteria"  # states none; same stack


def configure(world: CreditWorld, code: str = "TX", anchor: str = "") -> None:
    world.container.credit_admin.configure(world.admin, world.district_id, code, anchor)


def test_no_jurisdiction_means_no_lines(credit_world: CreditWorld) -> None:
    world = credit_world
    award_id = award(world, WITH_CREDIT)
    assert world.container.credit.lines_for_award(award_id) == []


def test_the_award_gets_its_line_under_the_rule_in_force(credit_world: CreditWorld) -> None:
    world = credit_world
    configure(world, "TX")
    award_id = award(world, WITH_CREDIT)
    assert world.container.credit.lines_for_award(award_id) == [
        CreditLine(award_id, D(15), "clock_hours", "TX", "general", "TX@2017", D(15))
    ]


def test_a_delivery_batch_reads_each_awards_current_lines(credit_world: CreditWorld) -> None:
    world = credit_world
    configure(world, "TX")
    first, second = award(world, WITH_CREDIT), award(world, WITHOUT_CREDIT)
    with world.container.uow_factory() as uow:
        found = world.container.credit.lines_in(uow, [first, second, "no-such-award"])
    assert found == {
        first: world.container.credit.lines_for_award(first),
        second: world.container.credit.lines_for_award(second),
        "no-such-award": [],
    }
    assert len(found[first]) == 1


def test_tennessee_counts_six_pdps_per_micro_credential(credit_world: CreditWorld) -> None:
    world = credit_world
    configure(world, "TN")
    lines = world.container.credit.lines_for_award(award(world, WITHOUT_CREDIT))
    assert [(x.amount, x.unit, x.rule_version) for x in lines] == [(D(6), "pdps", "TN@2021")]


def test_district_overrides_per_credential_beat_the_stack_and_are_versioned(
    credit_world: CreditWorld,
) -> None:
    world = credit_world
    configure(world, "TX")
    admin = world.container.credit_admin
    admin.set_override(
        world.admin, world.district_id, "stack", "formative-assessment", credit_amount="10"
    )
    first = world.container.credit.lines_for_award(award(world, WITHOUT_CREDIT))
    assert [(x.amount, x.rule_version) for x in first] == [
        (D(10), f"district:{world.district_id}@1")
    ]
    admin.set_override(
        world.admin, world.district_id, "credential", WITH_CREDIT,
        credit_amount="1", credit_unit="semester_hours", category="self_study", note="board vote",
    )  # fmt: skip
    second = world.container.credit.lines_for_award(award(world, WITH_CREDIT))
    assert [(x.amount, x.category, x.clock_hours) for x in second] == [(D(15), "self_study", D(15))]
    entries, _ = world.container.audit.page(world.admin, AuditFilter(entity_type="credit_override"))
    assert any("board vote" in entry.note for entry in entries.items)


def test_overrides_are_checked_and_admin_only(credit_world: CreditWorld) -> None:
    world = credit_world
    admin = world.container.credit_admin
    with pytest.raises(ValidationError, match="no credential"):
        admin.set_override(world.admin, world.district_id, "credential", "nope", credit_amount="1")
    with pytest.raises(ValidationError, match="not a number"):
        admin.set_override(
            world.admin, world.district_id, "credential", WITH_CREDIT, credit_amount="ten"
        )
    with pytest.raises(ValidationError, match="funding source"):
        admin.set_override(
            world.admin, world.district_id, "credential", WITH_CREDIT, stipend_amount="100"
        )
    with pytest.raises(PermissionDeniedError):
        admin.set_override(world.teacher, world.district_id, "credential", WITH_CREDIT)
    with pytest.raises(ValidationError, match="choose one of"):
        admin.configure(world.admin, world.district_id, "ZZ")


def test_a_unit_the_rule_cannot_convert_still_awards_and_is_audited(
    credit_world: CreditWorld,
) -> None:
    world = credit_world
    configure(world, "TX")
    world.container.credit_admin.set_override(
        world.admin, world.district_id, "credential", WITH_CREDIT,
        credit_amount="2", credit_unit="ceus",
    )  # fmt: skip
    award_id = award(world, WITH_CREDIT)
    assert world.container.credit.lines_for_award(award_id) == []
    entries, _ = world.container.audit.page(
        world.admin, AuditFilter(entity_type="credit", entity_id=award_id)
    )
    assert [e.action for e in entries.items] == ["skipped"]
    assert "no conversion from ceus" in entries.items[0].note


def test_a_rule_change_never_rewrites_credit_and_reevaluation_is_audited(
    credit_world: CreditWorld, database_url: str, tmp_path: Path
) -> None:
    world = credit_world
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "config" / "credit_rules", rules)
    settings = make_settings(
        database_url, tmp_path / "instance", CREDBRIDGE_CREDIT_RULES=str(rules)
    )
    configure(world, "TX")
    award_id = award(world, WITH_CREDIT)
    before = world.container.credit.lines_for_award(award_id)

    # The rule file changes (a new version in force from today); a new process reads it.
    today = date.today().isoformat()
    with (rules / "tx.yaml").open("a") as file:
        file.write(
            f'  - version: "2026"\n    effective_from: {today}\n    unit: clock_hours\n'
            "    requirement: 200\n    cycle_years: 5\n    conversions: {semester_hours: 15}\n"
            "    rounding: {quantum: '1', mode: up}\n"
        )
    later = build(settings, engine=world.container.engine)
    assert later.credit.lines_for_award(award_id) == before

    with pytest.raises(ValidationError, match="Say why"):
        later.credit.reevaluate(world.admin, award_id, " ")
    with pytest.raises(PermissionDeniedError):
        later.credit.reevaluate(world.teacher, award_id, "because")
    after = later.credit.reevaluate(world.admin, award_id, "TEA corrected the rule")
    assert [x.rule_version for x in after] == ["TX@2026"]
    assert later.credit.lines_for_award(award_id) == after
    history = later.credit.history(world.admin, award_id)
    assert [(h.line.rule_version, h.superseded_at is not None) for h in history] == [
        ("TX@2017", True),
        ("TX@2026", False),
    ]
    entries, _ = later.audit.page(
        world.admin, AuditFilter(entity_type="credit", action="reevaluate")
    )
    (entry,) = entries.items
    assert (entry.entity_id, entry.actor_id) == (award_id, world.admin.person_id)
    assert "TX@2017" in entry.note and "TX@2026" in entry.note and "TEA corrected" in entry.note


def test_progress_for_the_teacher_and_per_school_for_admins(credit_world: CreditWorld) -> None:
    world = credit_world
    configure(world, "TX", anchor="2025-09-01")
    award(world, WITH_CREDIT)
    credit = world.container.credit
    mine = credit.progress_of(world.teacher)
    assert mine.progress is not None
    assert (mine.progress.counted, mine.progress.requirement, mine.progress.percent) == (
        D(15),
        D(150),
        10,
    )
    assert mine.progress.cycle_start == date(2025, 9, 1)
    assert mine.jurisdiction_name == "Texas (CPE)"
    assert [view.credential_title for view in mine.lines] == [
        "Checking Understanding with Hinge Questions"
    ]
    with pytest.raises(PermissionDeniedError):
        credit.progress_of(world.teacher, world.other_teacher.person_id)
    organization, school = credit.school_progress(world.admin, world.school_id)
    assert organization.name == "Alamo High"
    assert [(p.display_name, p.progress.counted if p.progress else None) for p in school] == [
        ("Otto Other", D(0)),
        ("Tess Teacher", D(15)),
    ]
    _, district = credit.school_progress(world.admin, world.district_id)  # schools below count
    assert [p.display_name for p in district] == ["Otto Other", "Tess Teacher"]  # educators only
    with pytest.raises(PermissionDeniedError):
        credit.school_progress(world.teacher, world.school_id)
