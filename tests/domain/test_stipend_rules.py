"""The stipend ledger's moves and the payroll template format (pure)."""

from __future__ import annotations

import pytest

from lti_tool.domain.errors import ValidationError
from lti_tool.domain.stipends import (
    DEFAULT_TEMPLATE,
    MOVES,
    IllegalStipendMove,
    StipendState,
    check_move,
    parse_template,
    read_paid_rows,
    spreadsheet_safe,
    template_text,
)

S = StipendState
LEGAL = {
    (S.REQUESTED, S.APPROVED),
    (S.REQUESTED, S.REJECTED),
    (S.APPROVED, S.EXPORTED),
    (S.APPROVED, S.REJECTED),
    (S.EXPORTED, S.PAID),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_only_the_ledger_moves_are_allowed(current: S, target: S) -> None:
    if (current, target) in LEGAL:
        check_move(current, target)
    else:
        with pytest.raises(IllegalStipendMove, match=f"{current.value} cannot become"):
            check_move(current, target)


def test_paid_and_rejected_are_closed() -> None:
    assert MOVES[S.PAID] == MOVES[S.REJECTED] == frozenset()


def test_a_template_round_trips_and_empty_means_the_default() -> None:
    assert parse_template("") == DEFAULT_TEMPLATE
    assert parse_template(template_text(DEFAULT_TEMPLATE)) == DEFAULT_TEMPLATE
    assert parse_template("# payroll\nEMP = employee_id\nRef = stipend_id\n") == (
        ("EMP", "employee_id"),
        ("Ref", "stipend_id"),
    )


def test_template_problems_are_located() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_template("Amount\nRef = stipend_id\nX = salary")
    assert refused.value.problems[0] == "line 1: write 'Header = field'"
    assert refused.value.problems[1].startswith("line 3: 'salary' is not one of")
    with pytest.raises(ValidationError) as no_id:
        parse_template("Amount = amount")
    assert no_id.value.problems == [
        "the template needs a stipend_id column, so the paid file can name rows"
    ]


def test_paid_rows_need_as_many_cells_as_the_header() -> None:
    good, problems = read_paid_rows(
        ["Stipend ID", "Amount"], [(2, ["s1", "10.50"]), (3, ["s2"])], DEFAULT_TEMPLATE
    )
    assert [(row.line, row.stipend_id, str(row.amount)) for row in good] == [(2, "s1", "10.50")]
    assert problems == ["line 3: 1 cells, the header has 2"]


@pytest.mark.parametrize(
    ("given", "written"),
    [("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM", "'@SUM"),
     ("Ada Lovelace", "Ada Lovelace"), ("", "")],
)  # fmt: skip
def test_people_and_roster_text_never_runs_as_a_spreadsheet_formula(
    given: str, written: str
) -> None:
    assert spreadsheet_safe(given) == written
