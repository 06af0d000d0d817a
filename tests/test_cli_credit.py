"""``credbridge credit`` and ``credbridge stipends`` in-process against a temporary SQLite file."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from lti_tool.bootstrap import build
from lti_tool.domain.roles import OrganizationKind, Role
from lti_tool.domain.stipends import StipendState
from lti_tool.settings import load_settings
from tests.services.credit_world import CreditWorld, award
from tests.test_cli import DEMO_CATALOG, assert_no_traceback, database_file, migrated, run

__all__ = ["database_file", "migrated"]


@pytest.fixture
def awarded(migrated: Path) -> Iterator[tuple[CreditWorld, str]]:
    """A district 'alamo' paying a 75.25 stipend for hinge-questions, and one award of it."""
    assert run("catalog", "import", str(DEMO_CATALOG)).exit_code == 0
    container = build(load_settings())
    people = container.people
    district = people.add_organization("Alamo ISD", OrganizationKind.DISTRICT, slug="alamo")

    def actor(name: str, role: Role):  # type: ignore[no-untyped-def]
        person = people.add_person(
            name, email=f"{name.lower()}@alamo.example", organization_id=district.id,
            roles=((role, district.id),),
        )  # fmt: skip
        return people.actor(person.id)

    world = CreditWorld(
        container, district.id, district.id, actor("Tess", Role.EDUCATOR),
        actor("Otto", Role.EDUCATOR), actor("Asa", Role.ASSESSOR), actor("Isa", Role.ISSUER),
        actor("Ada", Role.ADMIN),
    )  # fmt: skip
    result = run("credit", "configure", "alamo", "tx", "--cycle-start", "2025-09-01")
    assert result.exit_code == 0, result.output
    container.credit_admin.set_override(
        None, district.id, "credential", "hinge-questions",
        stipend_amount="75.25", funding_source="Local",
    )  # fmt: skip
    award_id = award(world, "hinge-questions")
    yield world, award_id
    container.engine.dispose()


def test_rules_check_lists_the_rules_and_fails_on_problems(
    migrated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fine = run("credit", "rules", "check")
    assert fine.exit_code == 0, fine.output
    assert "TN Tennessee: 2021 from 2021-07-01 (60 pdps / 6 y)" in fine.output
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "xx.yaml").write_text(
        "jurisdiction: XX\nversions:\n  - {effective_from: 2020-01-01, unit: hours}\n"
    )
    monkeypatch.setenv("CREDBRIDGE_CREDIT_RULES", str(tmp_path / "rules"))
    broken = run("credit", "rules", "check")
    assert broken.exit_code == 1
    assert "problem: xx.yaml: versions[0].unit: must be one of" in broken.output


def test_configure_refuses_an_unknown_jurisdiction_or_organisation(migrated: Path) -> None:
    missing = run("credit", "configure", "nowhere", "TX")
    assert missing.exit_code == 1 and "No organisation 'nowhere'" in missing.output
    assert_no_traceback(missing)


def test_payroll_export_and_paid_import_round_trip(
    awarded: tuple[CreditWorld, str], tmp_path: Path
) -> None:
    world, _ = awarded
    stipends = world.container.stipends
    (view,) = stipends.ledger(world.admin)
    stipends.approve(None, view.row.stipend.id)
    out = tmp_path / "payroll.csv"
    exported = run("stipends", "export", "--district", "alamo", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert "1 row(s) exported" in exported.output
    with out.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(r["Stipend ID"], r["Amount"]) for r in rows] == [(view.row.stipend.id, "75.25")]
    again = run("stipends", "export", "--district", "alamo", "--out", str(out))
    assert again.exit_code == 1 and "never overwritten" in again.output

    paid = run("stipends", "import-paid", str(out), "--district", "alamo")
    assert paid.exit_code == 0, paid.output
    assert "1 marked paid; 0 were already paid." in paid.output
    (after,) = stipends.ledger(world.admin)
    assert after.row.latest.state is StipendState.PAID

    bad = tmp_path / "bad.csv"
    bad.write_text("Stipend ID,Amount\r\nnope,1\r\n")
    refused = run("stipends", "import-paid", str(bad), "--district", "alamo")
    assert refused.exit_code == 1
    assert "line 2: no stipend 'nope'" in refused.output
    assert_no_traceback(refused)


def test_reevaluate_from_the_command_line_is_audited(awarded: tuple[CreditWorld, str]) -> None:
    world, award_id = awarded
    result = run("credit", "reevaluate", award_id, "--note", "rule fix")
    assert result.exit_code == 0, result.output
    assert "15 clock_hours TX general (TX@2017)" in result.output
    history = world.container.credit.history(world.admin, award_id)
    assert [h.superseded_at is None for h in history] == [False, True]


def test_hr_reviews_of_a_stipend_revoked_after_export(awarded: tuple[CreditWorld, str]) -> None:
    world, award_id = awarded
    c = world.container
    assert "No stipends waiting for HR review." in run("stipends", "reviews").output
    (view,) = c.stipends.ledger(world.admin)
    c.stipends.approve(None, view.row.stipend.id)
    c.payroll.export(None, world.district_id)
    credential = c.credentials.issue_for_award(award_id).credential
    revoked = run(
        "credentials", "revoke", credential.id, "--reason", "Plagiarised evidence",
        "--as", world.issuer.person_id,
    )  # fmt: skip
    assert revoked.exit_code == 0, revoked.output

    listed = run("stipends", "reviews", "--district", "alamo")
    assert listed.exit_code == 0, listed.output
    (review,) = c.stipends.reviews(world.admin)
    assert review.review.id in listed.output and "revoked after export" in listed.output
    assert "75.25 USD  now exported" in listed.output
    assert "credential revoked: Plagiarised evidence  [open]" in listed.output
    (line,) = c.credit.history(world.admin, award_id)
    assert line.revoked and line.revocation_reason == "Plagiarised evidence"

    assert run("stipends", "resolve-review", review.review.id, "--note", "waived").exit_code == 0
    assert "No stipends waiting" in run("stipends", "reviews").output
    closed = run("stipends", "reviews", "--all").output
    assert "[closed: waived]" in closed
    again = run("stipends", "resolve-review", review.review.id, "--note", "waived")
    assert again.exit_code != 0 and "already resolved" in again.output
    assert_no_traceback(again)


def test_the_demo_district_earns_tennessee_credit_and_requests_stipends(migrated: Path) -> None:
    assert run("demo").exit_code == 0
    container = build(load_settings())
    try:
        admin = next(
            container.people.actor(p.person.id)
            for p in container.people.directory()
            if p.person.display_name == "Alex Morgan"
        )
        (view,) = container.stipends.ledger(admin)
        assert (str(view.row.stipend.amount), view.row.latest.state) == (
            "150.00",
            StipendState.REQUESTED,
        )
        lines = container.credit.lines_for_award(view.row.stipend.award_id)
        assert [(str(x.amount), x.unit, x.rule_version) for x in lines] == [
            ("6", "pdps", "TN@2021")
        ]
    finally:
        container.engine.dispose()
