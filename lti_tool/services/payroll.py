"""Payroll files: export a district's approved stipends in its column template (the rows become
``exported``), and read the paid file back (the rows become ``paid``).

A paid file with any problem changes nothing: payroll data is corrected and sent again, never
half applied. Rows already paid are counted, not refused, so re-importing a file is harmless.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from lti_tool.domain.errors import NotFoundError, ValidationError
from lti_tool.domain.roles import IdentityKind
from lti_tool.domain.stipends import (
    TEXT_FIELDS,
    PaidRow,
    StipendState,
    parse_template,
    read_paid_rows,
    spreadsheet_safe,
)
from lti_tool.ports import Clock, UnitOfWork, UnitOfWorkFactory
from lti_tool.ports_credit import LedgerRow
from lti_tool.services.common import Actor
from lti_tool.services.credit_scope import admin_id, governing_settings
from lti_tool.services.stipends import move


@dataclass(frozen=True)
class PayrollExport:
    batch: str
    filename: str
    text: str
    rows: int


@dataclass(frozen=True)
class PaidReport:
    paid: int
    already_paid: int


class PayrollService:
    """Payroll export and paid-file import for one district's stipends."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    def _template(self, uow: UnitOfWork, district_id: str) -> tuple[tuple[str, str], ...]:
        governing = governing_settings(uow, district_id)
        return parse_template(governing[1].payroll_template if governing else "")

    def export(self, actor: Actor | None, district_id: str) -> PayrollExport:
        """Every approved stipend of the district, in its template; they become exported."""
        by = admin_id(actor)
        now = self._clock.now()
        with self._uow() as uow:
            district = uow.people.organization(district_id)
            columns = self._template(uow, district_id)
            batch = f"{district.slug or district.id[:8]}-{now:%Y%m%dT%H%M%S}"
            approved = uow.stipends.ledger(district_id, StipendState.APPROVED)
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow([header for header, _ in columns])
            for item in sorted(approved, key=lambda row: row.stipend.requested_at):
                values = self._values(uow, item, batch)
                writer.writerow(
                    [
                        spreadsheet_safe(values[name]) if name in TEXT_FIELDS else values[name]
                        for _, name in columns
                    ]
                )
                move(uow, item.stipend, StipendState.EXPORTED, by, now, batch=batch)
            uow.commit()
        return PayrollExport(batch, f"payroll-{batch}.csv", out.getvalue(), len(approved))

    def _values(self, uow: UnitOfWork, item: LedgerRow, batch: str) -> dict[str, str]:
        stipend = item.stipend
        person = uow.people.person(stipend.person_id)
        employee_ids = [
            identity.value
            for identity in uow.people.identities_of(person.id)
            if identity.kind is IdentityKind.EMPLOYEE_ID
        ]
        version = uow.catalog.current_version(stipend.credential_slug)
        award = uow.awards.get(stipend.award_id)
        approver = item.latest.actor_id
        return {
            "stipend_id": stipend.id,
            "employee_id": employee_ids[0] if employee_ids else "",
            "educator_name": person.display_name,
            "email": person.email or "",
            "school": uow.people.organization(stipend.school_id).name if stipend.school_id else "",
            "credential": version.definition.title if version else stipend.credential_slug,
            "amount": str(stipend.amount),
            "currency": stipend.currency,
            "funding_source": stipend.funding_source,
            "awarded_on": award.awarded_at.date().isoformat(),
            "approved_by": uow.people.person(approver).display_name if approver else "operator",
            "approved_on": item.latest.at.date().isoformat(),
            "batch": batch,
        }

    def import_paid(self, actor: Actor | None, district_id: str, text: str) -> PaidReport:
        """Close the exported rows the paid file names; any problem refuses the whole file."""
        by = admin_id(actor)
        text = text.removeprefix("\ufeff")
        try:
            lines = list(csv.reader(io.StringIO(text)))
        except csv.Error as error:
            raise ValidationError(f"The paid file is not CSV: {error}") from error
        if not lines:
            raise ValidationError("The paid file is empty.")
        rows = [(number, cells) for number, cells in enumerate(lines[1:], start=2) if any(cells)]
        with self._uow() as uow:
            uow.people.organization(district_id)
            good, problems = read_paid_rows(lines[0], rows, self._template(uow, district_id))
            to_pay, already = self._check(uow, district_id, good, problems)
            if problems:
                problems.sort(key=_line_number)
                raise ValidationError(
                    f"The paid file has {len(problems)} problem(s); nothing was marked paid.",
                    problems,
                )
            now = self._clock.now()
            for row, stipend_id in to_pay:
                stipend = uow.stipends.get(stipend_id, for_update=True)
                note = f"paid file line {row.line}"
                if row.paid_on:
                    note += f", paid on {row.paid_on.isoformat()}"
                batch = uow.stipends.entries(stipend_id)[-1].batch
                move(uow, stipend, StipendState.PAID, by, now, note, batch)
            uow.commit()
        return PaidReport(len(to_pay), already)

    def _check(
        self, uow: UnitOfWork, district_id: str, good: list[PaidRow], problems: list[str]
    ) -> tuple[list[tuple[PaidRow, str]], int]:
        to_pay: list[tuple[PaidRow, str]] = []
        seen: set[str] = set()
        already = 0
        for row in good:
            try:
                stipend = uow.stipends.get(row.stipend_id)
            except NotFoundError:
                problems.append(f"line {row.line}: no stipend {row.stipend_id!r}")
                continue
            state = uow.stipends.entries(stipend.id)[-1].state
            if stipend.district_id != district_id:
                problems.append(f"line {row.line}: stipend {row.stipend_id} is another district's")
            elif row.stipend_id in seen:
                problems.append(f"line {row.line}: stipend {row.stipend_id} is listed twice")
            elif row.amount is not None and row.amount != stipend.amount:
                problems.append(
                    f"line {row.line}: amount {row.amount} differs from the approved "
                    f"{stipend.amount}"
                )
            elif state is StipendState.PAID:
                already += 1
            elif state is not StipendState.EXPORTED:
                problems.append(
                    f"line {row.line}: stipend {row.stipend_id} is {state.value}, not exported"
                )
            else:
                to_pay.append((row, stipend.id))
            seen.add(row.stipend_id)
        return to_pay, already


def _line_number(problem: str) -> int:
    number = problem.removeprefix("line ").partition(":")[0]
    return int(number) if number.isdigit() else 0
