"""The three CSV column templates (pure): a generic PD-credit import, a Frontline-style external
PD request and a PowerSchool-style credit request. Each maps a delivery item to one row."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable

from lti_tool.domain.delivery import DeliveryAction, DeliveryItem

Row = Callable[[DeliveryItem], list[str]]
UNIT_WORDS = {
    "clock_hours": "Clock Hours",
    "pdps": "PDPs",
    "ceus": "CEUs",
    "semester_hours": "Semester Hours",
    "credits": "Credits",
}


def _status(item: DeliveryItem) -> str:
    return "revoked" if item.action is DeliveryAction.REVOKE else "awarded"


def _date(item: DeliveryItem) -> str:
    return item.awarded_at.date().isoformat()


def _generic(item: DeliveryItem) -> list[str]:
    return [
        item.educator_id, item.educator_name, item.educator_email, item.credential_title,
        item.provider_name, item.provider_number, _date(item), str(item.clock_hours),
        str(item.credit_amount), item.credit_unit,
        ";".join(sorted({line.jurisdiction for line in item.lines if line.jurisdiction})),
        item.verification_url, item.award_id, _status(item),
    ]  # fmt: skip


def _frontline(item: DeliveryItem) -> list[str]:
    return [
        item.educator_id, item.educator_name, item.credential_title, "Micro-credential",
        item.provider_name, _date(item), _date(item), str(item.clock_hours),
        UNIT_WORDS.get(item.credit_unit, item.credit_unit), str(item.credit_amount),
        f"Verify: {item.verification_url}", item.idempotency_key,
        "Withdrawn" if item.action is DeliveryAction.REVOKE else "Approved",
    ]  # fmt: skip


def _powerschool(item: DeliveryItem) -> list[str]:
    return [
        item.educator_id, item.educator_name, item.credential_title,
        UNIT_WORDS.get(item.credit_unit, item.credit_unit), str(item.credit_amount),
        _date(item), item.provider_name, item.provider_number, item.verification_url,
        item.award_id, "D" if item.action is DeliveryAction.REVOKE else "A",
    ]  # fmt: skip


TEMPLATES: dict[str, tuple[list[str], Row]] = {
    "generic": (
        ["educator_id", "educator_name", "email", "activity_title", "provider_name",
         "provider_number", "completion_date", "clock_hours", "credit_amount", "credit_unit",
         "jurisdiction", "verification_url", "award_id", "status"],
        _generic,
    ),
    "frontline": (
        ["Employee ID", "Employee Name", "Activity Title", "Activity Type", "Provider",
         "Start Date", "End Date", "Hours", "Credit Type", "Credits", "Description",
         "External ID", "Request Status"],
        _frontline,
    ),
    "powerschool": (
        ["TeacherNumber", "TeacherName", "CourseName", "CreditType", "CreditHours",
         "DateCompleted", "ProviderName", "ProviderNumber", "VerificationLink", "ReferenceID",
         "Action"],
        _powerschool,
    ),
}  # fmt: skip


def _safe(cell: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ is read as text."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def render(template: str, items: Iterable[DeliveryItem]) -> str:
    """The CSV (header and one row per item) in ``template``'s columns."""
    header, row = TEMPLATES[template]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for item in items:
        writer.writerow([_safe(cell) for cell in row(item)])
    return out.getvalue()
