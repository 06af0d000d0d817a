"""Stipends: the ledger's states and moves, and the payroll file templates (pure).

A stipend is requested when its award is made; every later step appends an entry (never edits
one): requested → approved → exported → paid, or rejected before it is exported (DOMAIN.md §7).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from lti_tool.domain.errors import DomainError, ValidationError


class StipendState(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    EXPORTED = "exported"
    PAID = "paid"
    REJECTED = "rejected"


MOVES: dict[StipendState, frozenset[StipendState]] = {
    StipendState.REQUESTED: frozenset({StipendState.APPROVED, StipendState.REJECTED}),
    StipendState.APPROVED: frozenset({StipendState.EXPORTED, StipendState.REJECTED}),
    StipendState.EXPORTED: frozenset({StipendState.PAID}),
    StipendState.PAID: frozenset(),
    StipendState.REJECTED: frozenset(),
}
COMMITTED = frozenset({StipendState.APPROVED, StipendState.EXPORTED, StipendState.PAID})
"""States whose amounts count against the funding source's budget."""


class IllegalStipendMove(DomainError):
    status_hint = 409


def check_move(current: StipendState, target: StipendState) -> None:
    """Raises IllegalStipendMove when the ledger does not allow ``current`` → ``target``."""
    if target not in MOVES[current]:
        allowed = ", ".join(sorted(MOVES[current])) or "nothing (it is closed)"
        raise IllegalStipendMove(
            f"A stipend that is {current.value} cannot become {target.value}; it can become: "
            f"{allowed}."
        )


@dataclass(frozen=True)
class Stipend:
    """A stipend request for one award: what, for whom, how much, from which funding source."""

    id: str
    award_id: str
    person_id: str
    district_id: str
    school_id: str | None
    credential_slug: str
    amount: Decimal
    currency: str
    funding_source: str
    requested_at: datetime


@dataclass(frozen=True)
class StipendEntry:
    """One step of the ledger: who moved the stipend to ``state`` and when."""

    stipend_id: str
    seq: int
    state: StipendState
    at: datetime
    actor_id: str | None
    """None for the command line or the award hook."""
    note: str = ""
    batch: str = ""
    """The export batch a row went out in (exported, paid)."""


class ReviewReason(StrEnum):
    """Why HR must look at a stipend the ledger can no longer simply reject."""

    REVOKED_AFTER_EXPORT = "revoked_after_export"
    """The credential was revoked after the payroll file went out (it may still be paid)."""
    REVOKED_AFTER_PAYMENT = "revoked_after_payment"
    """The credential was revoked after the stipend was paid (a claw-back decision)."""


REJECT_ON_REVOKE = frozenset({StipendState.REQUESTED, StipendState.APPROVED})
"""States a revocation rejects (nothing has gone to payroll yet)."""
REVIEW_ON_REVOKE = {
    StipendState.EXPORTED: ReviewReason.REVOKED_AFTER_EXPORT,
    StipendState.PAID: ReviewReason.REVOKED_AFTER_PAYMENT,
}
"""States a revocation cannot undo in the ledger: HR reviews them (claw back or waive)."""


@dataclass(frozen=True)
class StipendReview:
    """A stipend on HR's review list; open until someone records what was done."""

    id: str
    stipend_id: str
    reason: ReviewReason
    state_then: StipendState
    note: str
    raised_at: datetime
    raised_by: str | None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str = ""

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    @property
    def label(self) -> str:
        return (
            "revoked after payment"
            if self.reason is ReviewReason.REVOKED_AFTER_PAYMENT
            else "revoked after export"
        )


# -- payroll templates ------------------------------------------------------------------------

PAYROLL_FIELDS = (
    "stipend_id", "employee_id", "educator_name", "email", "school", "credential", "amount",
    "currency", "funding_source", "awarded_on", "approved_by", "approved_on", "batch",
)  # fmt: skip
DEFAULT_TEMPLATE = (
    ("Stipend ID", "stipend_id"),
    ("Employee ID", "employee_id"),
    ("Name", "educator_name"),
    ("School", "school"),
    ("Credential", "credential"),
    ("Amount", "amount"),
    ("Funding Source", "funding_source"),
    ("Approved On", "approved_on"),
)
PAID_ID_FIELD = "stipend_id"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_FIELDS = frozenset(
    {"employee_id", "educator_name", "email", "school", "credential", "funding_source",
     "approved_by"}
)  # fmt: skip
"""Cells that come from people or rosters, so a spreadsheet must never run them."""


def spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet shows as text instead of running it as a formula (CSV injection)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def parse_template(text: str) -> tuple[tuple[str, str], ...]:
    """``Header = field`` per line (``#`` comments); empty text means the default template."""
    columns: list[tuple[str, str]] = []
    problems: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        header, sep, name = (part.strip() for part in line.partition("="))
        if not sep or not header:
            problems.append(f"line {number}: write 'Header = field'")
        elif name not in PAYROLL_FIELDS:
            problems.append(f"line {number}: {name!r} is not one of {', '.join(PAYROLL_FIELDS)}")
        else:
            columns.append((header, name))
    if not problems and columns and PAID_ID_FIELD not in {name for _, name in columns}:
        problems.append("the template needs a stipend_id column, so the paid file can name rows")
    if problems:
        raise ValidationError("The payroll template has problems.", problems)
    return tuple(columns) or DEFAULT_TEMPLATE


def template_text(columns: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"{header} = {name}" for header, name in columns)


@dataclass(frozen=True)
class PaidRow:
    """One row of a paid file that passed its checks."""

    line: int
    stipend_id: str
    amount: Decimal | None
    paid_on: date | None


def read_paid_rows(
    header: list[str], rows: list[tuple[int, list[str]]], columns: tuple[tuple[str, str], ...]
) -> tuple[list[PaidRow], list[str]]:
    """Check a paid file's rows against the template's headers; every problem has its line.

    The paid file is the export sent back: the stipend id column is required; the amount column,
    when present, must equal the ledger's; an optional ``Paid On`` column gives the pay date.
    """
    by_field = {name: header_name for header_name, name in columns}
    want_id = by_field.get(PAID_ID_FIELD, "Stipend ID")
    if want_id not in header:
        return [], [f"line 1: no {want_id!r} column (columns: {', '.join(header)})"]
    index = {name: position for position, name in enumerate(header)}
    amount_at = index.get(by_field.get("amount", "Amount"))
    paid_at = index.get("Paid On")
    good: list[PaidRow] = []
    problems: list[str] = []
    for line, cells in rows:
        if len(cells) != len(header):
            problems.append(f"line {line}: {len(cells)} cells, the header has {len(header)}")
            continue
        stipend_id = cells[index[want_id]].strip()
        if not stipend_id:
            problems.append(f"line {line}: {want_id} is empty")
            continue
        amount = None
        if amount_at is not None and cells[amount_at].strip():
            try:
                amount = Decimal(cells[amount_at].strip())
            except ArithmeticError:
                problems.append(f"line {line}: amount {cells[amount_at]!r} is not a number")
                continue
        paid_on = None
        if paid_at is not None and cells[paid_at].strip():
            try:
                paid_on = date.fromisoformat(cells[paid_at].strip())
            except ValueError:
                problems.append(f"line {line}: Paid On {cells[paid_at]!r} is not a date")
                continue
        good.append(PaidRow(line, stipend_id, amount, paid_on))
    return good, problems
