"""The stipend ledger: requested with the award, moves (illegal ones refused), budgets, the
payroll export and the paid file, totals per school and funding source."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from lti_tool.domain.errors import ConflictError, PermissionDeniedError, ValidationError
from lti_tool.domain.roles import Role
from lti_tool.domain.stipends import IllegalStipendMove, StipendEntry, StipendState
from lti_tool.ports import AuditFilter
from tests.services.credit_world import CreditWorld, award

S = StipendState
HINGE = "hinge-questions"
GOALS = "learning-goals-success-criteria"


def pay(world: CreditWorld, amount: str = "250.00", source: str = "Title II") -> None:
    world.container.credit_admin.set_override(
        world.admin, world.district_id, "stack", "formative-assessment",
        stipend_amount=amount, funding_source=source,
    )  # fmt: skip


def only(world: CreditWorld, state: S | None = None) -> str:
    (row,) = world.container.stipends.ledger(world.admin, world.district_id, state)
    return row.row.stipend.id


def states(world: CreditWorld, stipend_id: str) -> list[str]:
    return [e.state.value for e in world.container.stipends.entries(world.admin, stipend_id)]


def test_no_stipend_without_a_rate(credit_world: CreditWorld) -> None:
    award(credit_world, HINGE)
    assert credit_world.container.stipends.ledger(credit_world.admin) == []


def test_the_award_requests_its_stipend_with_exact_amount_and_school(
    credit_world: CreditWorld,
) -> None:
    world = credit_world
    pay(world, "250.10")
    award_id = award(world, HINGE)
    (view,) = world.container.stipends.ledger(world.admin, world.district_id)
    stipend = view.row.stipend
    assert (stipend.award_id, stipend.amount, str(stipend.amount)) == (
        award_id,
        D("250.10"),
        "250.10",
    )
    assert (stipend.funding_source, stipend.currency, stipend.school_id) == (
        "Title II",
        "USD",
        world.school_id,
    )
    assert (view.educator, view.school, view.row.latest.state) == (
        "Tess Teacher",
        "Alamo High",
        S.REQUESTED,
    )
    assert view.row.latest.actor_id == world.issuer.person_id
    assert world.container.stipends.for_award(award_id) == (stipend, S.REQUESTED)
    assert world.container.stipends.for_award("no-such-award") is None


def test_moves_follow_the_ledger_and_illegal_ones_are_refused(credit_world: CreditWorld) -> None:
    world = credit_world
    pay(world)
    award(world, HINGE)
    stipends = world.container.stipends
    stipend_id = only(world)
    with pytest.raises(IllegalStipendMove, match="requested cannot become paid"):
        stipends.mark_paid(world.admin, stipend_id)
    with pytest.raises(PermissionDeniedError):
        stipends.approve(world.teacher, stipend_id)
    stipends.approve(world.admin, stipend_id, "ok")
    with pytest.raises(IllegalStipendMove):
        stipends.approve(world.admin, stipend_id)
    with pytest.raises(ValidationError, match="Say why"):
        stipends.reject(world.admin, stipend_id, "")
    stipends.reject(world.admin, stipend_id, "duplicate claim")
    with pytest.raises(IllegalStipendMove, match="closed"):
        stipends.approve(world.admin, stipend_id)
    assert states(world, stipend_id) == ["requested", "approved", "rejected"]
    entries, _ = world.container.audit.page(
        world.admin, AuditFilter(entity_type="stipend", entity_id=stipend_id)
    )
    assert [(e.action, e.actor_id) for e in reversed(entries.items)] == [
        ("request", world.issuer.person_id),
        ("approved", world.admin.person_id),
        ("rejected", world.admin.person_id),
    ]


def test_the_ledger_is_append_only_in_the_database(credit_world: CreditWorld) -> None:
    world = credit_world
    pay(world)
    award(world, HINGE)
    for statement in ("UPDATE stipend_entries SET state = 'paid'", "DELETE FROM stipend_entries"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            world.container.engine.begin() as connection,
        ):
            connection.execute(text(statement))
    assert states(world, only(world)) == ["requested"]


def test_approval_beyond_the_budget_is_refused_with_the_numbers(
    credit_world: CreditWorld,
) -> None:
    world = credit_world
    pay(world, "250")
    stipends = world.container.stipends
    stipends.set_budget(world.admin, world.district_id, "Title II", "400")
    award(world, HINGE)
    award(world, GOALS)
    first, second = (v.row.stipend.id for v in stipends.ledger(world.admin, world.district_id))
    stipends.approve(world.admin, first)
    with pytest.raises(ValidationError) as refused:
        stipends.approve(world.admin, second)
    assert "exceed the 'Title II' budget: 400 budgeted, 250 already committed, 150 left" in str(
        refused.value
    )
    assert states(world, second) == ["requested"]
    stipends.set_budget(world.admin, world.district_id, "Title II", "500")
    stipends.approve(world.admin, second)
    totals = stipends.totals(world.admin, world.district_id)
    (budget,) = totals.budgets
    assert (budget.budget, budget.committed, budget.remaining) == (D(500), D(500), D(0))
    (row,) = totals.rows
    assert (row.school, row.funding_source, dict(row.by_state)) == (
        "Alamo High",
        "Title II",
        {"approved": D(500)},
    )


def read(text_: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text_)))


def test_payroll_round_trip_in_the_district_template(credit_world: CreditWorld) -> None:
    world = credit_world
    c = world.container
    c.credit_admin.configure(
        world.admin, world.district_id, "TX",
        payroll_template="EMPID = employee_id\nPay Amount = amount\nRef = stipend_id",
    )  # fmt: skip
    pay(world, "125.50")
    award(world, HINGE)
    award(world, HINGE, world.other_teacher)
    for view in c.stipends.ledger(world.admin, world.district_id):
        c.stipends.approve(world.admin, view.row.stipend.id)

    export = c.payroll.export(world.admin, world.district_id)
    rows = read(export.text)
    assert export.rows == 2 and export.filename.startswith("payroll-alamo-")
    assert list(rows[0]) == ["EMPID", "Pay Amount", "Ref"]
    assert sorted((r["EMPID"], r["Pay Amount"]) for r in rows) == [
        ("E-1001", "125.50"),
        ("E-1002", "125.50"),
    ]
    assert {v.row.latest.state for v in c.stipends.ledger(world.admin)} == {S.EXPORTED}
    assert c.payroll.export(world.admin, world.district_id).rows == 0  # nothing left to export

    report = c.payroll.import_paid(world.admin, world.district_id, "\ufeff" + export.text)
    assert (report.paid, report.already_paid) == (2, 0)
    assert {v.row.latest.state for v in c.stipends.ledger(world.admin)} == {S.PAID}
    again = c.payroll.import_paid(world.admin, world.district_id, export.text)
    assert (again.paid, again.already_paid) == (0, 2)
    paid = c.stipends.entries(world.admin, rows[0]["Ref"])[-1]
    assert (paid.batch, paid.note) == (export.batch, "paid file line 2")


def test_a_paid_file_with_problems_changes_nothing_and_says_where(
    credit_world: CreditWorld,
) -> None:
    world = credit_world
    c = world.container
    pay(world, "100")
    award(world, HINGE)
    award(world, GOALS)
    views = c.stipends.ledger(world.admin, world.district_id)
    exported, waiting = views[0].row.stipend.id, views[1].row.stipend.id
    c.stipends.approve(world.admin, exported)
    c.payroll.export(world.admin, world.district_id)
    paid_file = (
        "Stipend ID,Amount,Paid On\r\n"
        f"{exported},100,2026-12-01\r\n"
        f"{waiting},100,2026-12-01\r\n"
        "no-such-id,100,\r\n"
        f"{exported},99,2026-12-01\r\n"
        f"{exported},100,soon\r\n"
        ",100,\r\n"
    )
    with pytest.raises(ValidationError) as refused:
        c.payroll.import_paid(world.admin, world.district_id, paid_file)
    assert refused.value.problems == [
        f"line 3: stipend {waiting} is requested, not exported",
        "line 4: no stipend 'no-such-id'",
        f"line 5: stipend {exported} is listed twice",
        "line 6: Paid On 'soon' is not a date",
        "line 7: Stipend ID is empty",
    ]
    assert states(world, exported) == ["requested", "approved", "exported"]
    with pytest.raises(ValidationError) as no_column:
        c.payroll.import_paid(world.admin, world.district_id, "Name\r\nX\r\n")
    assert no_column.value.problems == ["line 1: no 'Stipend ID' column (columns: Name)"]
    c.stipends.mark_paid(world.admin, exported, "cheque 1042")
    assert states(world, exported)[-1] == "paid"


def test_a_paid_amount_that_differs_is_refused(credit_world: CreditWorld) -> None:
    world = credit_world
    c = world.container
    pay(world, "100")
    award(world, HINGE)
    stipend_id = only(world)
    c.stipends.approve(world.admin, stipend_id)
    c.payroll.export(world.admin, world.district_id)
    with pytest.raises(ValidationError) as refused:
        c.payroll.import_paid(
            world.admin, world.district_id, f"Stipend ID,Amount\n{stipend_id},100.01\n"
        )
    assert refused.value.problems == ["line 2: amount 100.01 differs from the approved 100"]


def test_two_moves_of_the_same_stipend_at_once_clash_instead_of_both_landing(
    credit_world: CreditWorld,
) -> None:
    """Both read the ledger at seq 1; the second to write seq 2 is refused (unique seq)."""
    world = credit_world
    pay(world)
    award(world, HINGE)
    stipend_id = only(world)
    factory = world.container.uow_factory
    at = world.container.clock.now()
    second = factory()
    with pytest.raises(ConflictError), second:
        seen = len(second.stipends.entries(stipend_id))
        with factory() as first:
            assert len(first.stipends.entries(stipend_id)) == seen == 1
            first.stipends.append(StipendEntry(stipend_id, 2, S.APPROVED, at, None))
            first.commit()
        second.stipends.append(StipendEntry(stipend_id, 2, S.REJECTED, at, None))
        second.commit()
    assert states(world, stipend_id) == ["requested", "approved"]


def test_the_payroll_file_never_hands_a_spreadsheet_a_formula(credit_world: CreditWorld) -> None:
    world = credit_world
    c = world.container
    people = c.people
    mallory = people.add_person(
        '=HYPERLINK("http://evil.example")',
        organization_id=world.school_id,
        roles=((Role.EDUCATOR, world.school_id),),
    )
    pay(world, "10")
    award(world, HINGE, people.actor(mallory.id))
    c.stipends.approve(world.admin, only(world))
    (row,) = read(c.payroll.export(world.admin, world.district_id).text)
    assert row["Name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["Amount"] == "10"


def test_a_delivery_batch_reads_the_same_amounts_as_one_award_at_a_time(
    credit_world: CreditWorld,
) -> None:
    world = credit_world
    pay(world, "120.00")
    kept = award(world, HINGE)
    rejected = award(world, HINGE, world.other_teacher)
    stipend = world.container.stipends.for_award(rejected)
    assert stipend is not None
    world.container.stipends.reject(world.admin, stipend[0].id, "Not eligible this year.")
    awards = [kept, rejected, "no-such-award"]
    with world.container.uow_factory() as uow:
        amounts = world.container.stipends.amounts_in(uow, awards)
    assert amounts == {kept: D("120.00"), rejected: None, "no-such-award": None}
    assert amounts == {a: world.container.stipends.amount_for_award(a) for a in awards}
